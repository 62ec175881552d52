using System.IO.Compression;
using System.Text.Json;

namespace MLRoadmap.Text.Tests;

/// <summary>
/// tests/fixtures/tokenizers: the published vocabularies (gzipped; unpacked once per run into a temporary folder),
/// the tokenizer.json files, and expected.json, Hugging Face's outputs for them (generate.mjs).
/// </summary>
internal static class TokenizerFixtures
{
    public static string Dir => Path.Combine(Repo.Fixtures, "tokenizers");

    private static readonly Lazy<JsonDocument> ExpectedDoc = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "expected.json"))));

    private static readonly Lazy<string> Unpacked = new(Unpack);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Tokenizer>> Cache = new();

    public static JsonElement Expected => ExpectedDoc.Value.RootElement.GetProperty("tokenizers");

    public static string Gpt2VocabPath => Path.Combine(Unpacked.Value, "gpt2-vocab.json");
    public static string Gpt2MergesPath => Path.Combine(Unpacked.Value, "gpt2-merges.txt");
    public static string BertVocabPath => Path.Combine(Unpacked.Value, "bert-base-uncased-vocab.txt");

    public static string Corpus => Path.Combine(Dir, "corpus.txt");

    /// <summary>The shared instance of a fixture tokenizer (not to be configured: take a <see cref="Fresh"/> one).</summary>
    public static Tokenizer Shared(string name) => Cache.GetOrAdd(name, n => new Lazy<Tokenizer>(() => Fresh(n))).Value;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var p in Expected.EnumerateObject()) data.Add(p.Name);
        return data;
    }

    /// <summary>A fresh tokenizer (callers may configure it).</summary>
    public static Tokenizer Fresh(string name) => name switch
    {
        "gpt2" => ByteLevelBpe.FromVocabAndMerges(Gpt2VocabPath, Gpt2MergesPath),
        "bert-base-uncased" => WordPiece.FromBertVocab(BertVocabPath),
        // The added tokens generate.mjs gives these two, added here through our API.
        "gpt2-added" => WithTokens(Fresh("gpt2"), new AddedToken("<|user|>") { RStrip = true },
            new AddedToken("dog", false) { SingleWord = true, Normalized = false }, new AddedToken("[[", false) { LStrip = true, Normalized = false }),
        "bert-added" => WithTokens(Fresh("bert-base-uncased"), new AddedToken("hello world", false) { Normalized = true },
            new AddedToken("[BOS]") { LStrip = true, RStrip = true }),
        "bert-cased-normalizer" => WordPiece.FromBertVocab(BertVocabPath, lowercase: false, stripAccents: false),
        "bert-lowercase-keep-accents" => WordPiece.FromBertVocab(BertVocabPath, lowercase: true, stripAccents: false),
        "ours-bpe-trained" => Tokenizer.FromFile(Path.Combine(Dir, "ours", "bpe-trained.tokenizer.json")),
        "ours-char" => Tokenizer.FromFile(Path.Combine(Dir, "ours", "char.tokenizer.json")),
        _ => Tokenizer.FromFile(Path.Combine(Dir, name + ".json")),
    };

    private static Tokenizer WithTokens(Tokenizer tokenizer, params AddedToken[] tokens)
    {
        Assert.Equal(tokens.Length, tokenizer.AddTokens(tokens));
        return tokenizer;
    }

    private static string Unpack()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mlroadmap-tokenizers-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        foreach (var (source, target) in new[]
        {
            ("gpt2/vocab.json.gz", "gpt2-vocab.json"), ("gpt2/merges.txt.gz", "gpt2-merges.txt"),
            ("bert-base-uncased/vocab.txt.gz", "bert-base-uncased-vocab.txt"),
        })
        {
            using var input = new GZipStream(File.OpenRead(Path.Combine(Dir, source)), CompressionMode.Decompress);
            using var output = File.Create(Path.Combine(dir, target));
            input.CopyTo(output);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    public static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt32())];

    public static string[] Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString()!)];
}
