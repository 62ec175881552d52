using static MLRoadmap.Text.Tests.TokenizerFixtures;

namespace MLRoadmap.Text.Tests;

/// <summary>
/// Tokenizers our code builds and saves. The committed ours/*.tokenizer.json are what this code writes (checked
/// here), and HF loaded those very files to produce their cases in expected.json (checked by OracleTests), so HF
/// reads what we write and encodes with it as we do.
/// </summary>
public class SavedTokenizerTests
{
    private static string OursDir => Path.Combine(Dir, "ours");

    public static TheoryData<string> Ours => ["bpe-trained", "char"];

    /// <summary>The tokenizers of ours/, built from the corpus.</summary>
    internal static Tokenizer Build(string name) => name switch
    {
        "bpe-trained" => ByteLevelBpe.Train(ByteLevelBpe.ReadLines([Corpus]),
            new BpeTrainer { VocabSize = 1000, SpecialTokens = [SpecialTokens.EndOfText] }),
        "char" => CharTokenizer.Build(ByteLevelBpe.ReadLines([Corpus])),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Ours))]
    public void Our_saved_tokenizers_are_the_committed_files(string name)
    {
        var committed = Path.Combine(OursDir, $"{name}.tokenizer.json");
        var temp = Path.GetTempFileName();
        try
        {
            Build(name).Save(temp);
            if (Environment.GetEnvironmentVariable("MLROADMAP_WRITE_TOKENIZER_FIXTURES") == "1")
            {
                Directory.CreateDirectory(OursDir);
                File.Copy(temp, committed, overwrite: true);
            }
            Assert.True(File.Exists(committed), $"{committed} is missing: run this test with MLROADMAP_WRITE_TOKENIZER_FIXTURES=1, then generate.mjs");
            Assert.Equal(File.ReadAllText(committed), File.ReadAllText(temp));
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [Theory]
    [MemberData(nameof(Ours))]
    public void A_saved_tokenizer_loads_back_the_same(string name)
    {
        var built = Build(name);
        var temp = Path.GetTempFileName();
        try
        {
            built.Save(temp);
            var loaded = Tokenizer.FromFile(temp);
            Assert.Equal(built.VocabSize, loaded.VocabSize);
            foreach (var text in File.ReadLines(Corpus).Take(200).Append("unseen ✓ 🤖 text<|endoftext|>"))
            {
                Assert.Equal(built.Encode(text).Ids, loaded.Encode(text).Ids);
                Assert.Equal(built.Decode(built.Encode(text).Ids), loaded.Decode(loaded.Encode(text).Ids));
            }
            // Saving the loaded one writes the same file again.
            var again = temp + ".again";
            loaded.Save(again);
            Assert.Equal(File.ReadAllText(temp), File.ReadAllText(again));
            File.Delete(again);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [Fact]
    public void Transformers_js_reads_our_files_as_we_do()
    {
        // generate.mjs ran transformers.js's tokenizer library (npm @huggingface/tokenizers) on our files and kept
        // its ids where they differ from the Rust library's, whose ids OracleTests checks ours against.
        var root = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "expected.json"))).RootElement;
        var js = root.GetProperty("transformers_js").GetProperty("tokenizers");
        Assert.Equal(0, js.GetProperty("ours-bpe-trained").GetProperty("differing").GetArrayLength());
        // The character tokenizer differs only where a character is unknown: the JS library gives null, not <unk>.
        var chars = Shared("ours-char");
        var unk = chars.TokenToId(CharTokenizer.DefaultUnknown);
        var differing = js.GetProperty("ours-char").GetProperty("differing").EnumerateArray().ToArray();
        Assert.True(differing.Length < js.GetProperty("ours-char").GetProperty("cases").GetInt32() / 2);
        foreach (var d in differing)
        {
            var ours = chars.Encode(d.GetProperty("text").GetString()!).Ids;
            var theirs = d.GetProperty("ids").EnumerateArray().Select(x => x.ValueKind == System.Text.Json.JsonValueKind.Null ? (int?)null : x.GetInt32()).ToArray();
            Assert.Equal(ours.Count, theirs.Length);
            for (var i = 0; i < ours.Count; i++) Assert.Equal(ours[i] == unk ? null : ours[i], theirs[i]);
        }
    }

    [Theory]
    [InlineData("hf-bpe-trained.json")]
    [InlineData("hf-roberta-style.json")]
    [InlineData("hf-wordpiece.json")]
    public void Hugging_face_files_saved_again_encode_the_same(string file)
    {
        var original = Tokenizer.FromFile(Path.Combine(Dir, file));
        var temp = Path.GetTempFileName();
        try
        {
            original.Save(temp);
            var again = Tokenizer.FromFile(temp);
            foreach (var c in Expected.GetProperty(Path.GetFileNameWithoutExtension(file)).GetProperty("cases").EnumerateArray())
            {
                var text = c.GetProperty("text").GetString()!;
                Assert.Equal(Ints(c.GetProperty("ids")), again.Encode(text).Ids);
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
