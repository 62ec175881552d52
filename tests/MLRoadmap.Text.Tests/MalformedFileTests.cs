using System.Text.Json.Nodes;
using static MLRoadmap.Text.Tests.TokenizerFixtures;

namespace MLRoadmap.Text.Tests;

/// <summary>Broken tokenizer files fail with an InvalidDataException that names the file and the problem.</summary>
public sealed class MalformedFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlroadmap-badtok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static JsonObject Valid() => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "hf-roberta-style.json")))!.AsObject();

    private void AssertRefused(string name, string content, params string[] fragments)
    {
        var path = Write(name, content);
        var e = Assert.Throws<InvalidDataException>(() => Tokenizer.FromFile(path));
        Assert.Contains(path, e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void Not_json() => AssertRefused("a.json", "this is not JSON", "not valid JSON", "line 1");

    [Fact]
    public void Truncated() =>
        AssertRefused("b.json", File.ReadAllText(Path.Combine(Dir, "hf-roberta-style.json"))[..5000], "not valid JSON", "truncated");

    [Fact]
    public void Empty_file() => AssertRefused("c.json", "", "not valid JSON");

    [Fact]
    public void Not_an_object() => AssertRefused("d.json", "[1, 2]", "the top level should be an object, not an array");

    [Fact]
    public void Missing_model()
    {
        var j = Valid();
        j.Remove("model");
        AssertRefused("e.json", j.ToJsonString(), "model is missing");
    }

    [Fact]
    public void Missing_vocab()
    {
        var j = Valid();
        j["model"]!.AsObject().Remove("vocab");
        AssertRefused("f.json", j.ToJsonString(), "model.vocab is missing");
    }

    [Fact]
    public void Merges_naming_unknown_tokens()
    {
        var j = Valid();
        j["model"]!["merges"]!.AsArray().Add("Ġzz qq");
        AssertRefused("g.json", j.ToJsonString(), "'Ġzz' is not in the vocabulary");
    }

    [Fact]
    public void A_malformed_merge()
    {
        var j = Valid();
        j["model"]!["merges"]!.AsArray().Insert(3, "abc");
        AssertRefused("h.json", j.ToJsonString(), "model.merges[3]", "two tokens separated by one space");
    }

    [Fact]
    public void Wrong_types()
    {
        var j = Valid();
        j["model"]!["vocab"]!["Ġthe"] = "seven";
        AssertRefused("i.json", j.ToJsonString(), "model.vocab[\"Ġthe\"] should be an integer, not the string \"seven\"");
        j = Valid();
        j["model"]!["merges"] = 5;
        AssertRefused("j.json", j.ToJsonString(), "model.merges should be an array, not the number 5");
        j = Valid();
        j["added_tokens"]![0]!["special"] = "yes";
        AssertRefused("k.json", j.ToJsonString(), "added_tokens[0].special should be true or false");
    }

    [Fact]
    public void A_repeated_id()
    {
        var j = Valid();
        j["model"]!["vocab"]!["Ġthe"] = 7;
        j["model"]!["vocab"]!["Ġand"] = 7;
        AssertRefused("l.json", j.ToJsonString(), "model.vocab", "id 7 is given to both");
    }

    [Fact]
    public void An_added_token_clashing_with_the_vocabulary()
    {
        var j = Valid();
        j["added_tokens"]![0]!["id"] = 10;
        AssertRefused("m.json", j.ToJsonString(), "added_tokens[0]", "gives id 10 to '<s>'");
    }

    [Fact]
    public void Unsupported_components_are_named()
    {
        var j = Valid();
        j["model"]!["type"] = "Unigram";
        AssertRefused("n.json", j.ToJsonString(), "model.type is \"Unigram\"", "supported models are");
        j = Valid();
        j["pre_tokenizer"] = JsonNode.Parse("""{"type": "Metaspace", "replacement": "▁"}""");
        AssertRefused("o.json", j.ToJsonString(), "pre_tokenizer.type is \"Metaspace\"");
        j = Valid();
        j["model"]!["byte_fallback"] = true;
        AssertRefused("p.json", j.ToJsonString(), "model.byte_fallback");
        j = Valid();
        j["post_processor"] = JsonNode.Parse("""{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[X]", "type_id": 0}}], "pair": [], "special_tokens": {}}""");
        AssertRefused("q.json", j.ToJsonString(), "post_processor", "'[X]' has no entry in special_tokens");
    }

    [Fact]
    public void A_missing_file_is_named() =>
        Assert.Contains("nope.json", Assert.Throws<FileNotFoundException>(() => Tokenizer.FromFile(Path.Combine(_dir, "nope.json"))).Message);

    [Fact]
    public void Gpt2_style_files()
    {
        var vocab = Write("vocab.json", """{"a": 0, "b": 1, "ab": 2, "c": 3}""");
        var merges = Write("merges.txt", "#version: 0.2\na b\nab c\n");
        var e = Assert.Throws<InvalidDataException>(() => ByteLevelBpe.FromVocabAndMerges(vocab, merges));
        Assert.Contains($"{merges}: line 3", e.Message);
        Assert.Contains("'abc'", e.Message);
        Assert.Contains(vocab, e.Message);

        var badLine = Write("merges2.txt", "#version: 0.2\na b\na  b\n");
        e = Assert.Throws<InvalidDataException>(() => ByteLevelBpe.FromVocabAndMerges(vocab, badLine));
        Assert.Contains($"{badLine}: line 3", e.Message);

        var notObject = Write("vocab2.json", "[\"a\", \"b\"]");
        e = Assert.Throws<InvalidDataException>(() => ByteLevelBpe.FromVocabAndMerges(notObject, merges));
        Assert.Contains(notObject, e.Message);
        Assert.Contains("should be an object", e.Message);

        var truncated = Write("vocab3.json", """{"a": 0, "b": 1, "a""");
        e = Assert.Throws<InvalidDataException>(() => ByteLevelBpe.FromVocabAndMerges(truncated, merges));
        Assert.Contains("not valid JSON", e.Message);

        var ok = Write("merges3.txt", "#version: 0.2\na b\n");
        Assert.Equal([2, 3], ByteLevelBpe.FromVocabAndMerges(vocab, ok).Encode("abc").Ids);
    }

    [Fact]
    public void Bert_vocab_files()
    {
        var dup = Write("dup.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\nhello\n");
        var e = Assert.Throws<InvalidDataException>(() => WordPiece.FromBertVocab(dup));
        Assert.Contains($"{dup}: line 7 repeats the token 'hello' of line 5", e.Message);

        var empty = Write("empty.txt", "[PAD]\n\n[UNK]\n");
        Assert.Contains($"{empty}: line 2 is empty", Assert.Throws<InvalidDataException>(() => WordPiece.FromBertVocab(empty)).Message);

        var noUnk = Write("nounk.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n");
        Assert.Contains("[UNK] is not in the vocabulary", Assert.Throws<InvalidDataException>(() => WordPiece.FromBertVocab(noUnk)).Message);

        var nothing = Write("nothing.txt", "");
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => WordPiece.FromBertVocab(nothing)).Message);
    }
}
