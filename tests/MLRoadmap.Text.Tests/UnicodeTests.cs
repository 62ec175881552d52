using System.Text;
using System.Text.Json;
using MLRoadmap.Text.Unicode;
using static MLRoadmap.Text.Tests.TokenizerFixtures;

namespace MLRoadmap.Text.Tests;

/// <summary>Our NFD against Python's unicodedata (nfd.py), and our GPT-2 split against HF's.</summary>
public class UnicodeTests
{
    private static readonly Lazy<JsonDocument> Nfd = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "nfd.json"))));

    [Fact]
    public void Nfd_of_every_decomposing_code_point_matches_python()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var entry in Nfd.Value.RootElement.GetProperty("singles").EnumerateArray())
        {
            count++;
            var cp = entry[0].GetInt32();
            var expected = string.Concat(entry[1].EnumerateArray().Select(x => char.ConvertFromUtf32(x.GetInt32())));
            var actual = UnicodeNfd.Normalize(char.ConvertFromUtf32(cp));
            if (actual != expected) failures.Add($"U+{cp:X4}: expected {Hex(expected)}, got {Hex(actual)}");
        }
        Assert.True(count > 2000);
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(30)));
    }

    [Fact]
    public void Nfd_reorders_combining_marks_as_python_does()
    {
        foreach (var entry in Nfd.Value.RootElement.GetProperty("strings").EnumerateArray())
        {
            var (input, expected) = (entry[0].GetString()!, entry[1].GetString()!);
            Assert.True(expected == UnicodeNfd.Normalize(input), $"{Hex(input)}: expected {Hex(expected)}, got {Hex(UnicodeNfd.Normalize(input))}");
        }
    }

    [Fact]
    public void Text_nfd_leaves_alone_is_returned_as_is()
    {
        const string ascii = "plain ASCII text, nothing to do";
        Assert.Same(ascii, UnicodeNfd.Normalize(ascii));
        Assert.Same(ascii, UnicodeNfd.StripAccents(ascii));
        Assert.Equal("Angstrom cafe naive", UnicodeNfd.StripAccents("Ångström café naïve"));
    }

    [Fact]
    public void Gpt2_splitter_splits_as_hugging_faces_byte_level_pre_tokenizer()
    {
        var root = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "expected.json"))).RootElement;
        var failures = new StringBuilder();
        foreach (var c in root.GetProperty("gpt2_pieces").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var words = new List<Range>();
            var mapped = new ByteLevelPreTokenizer().PreTokenize(text, words);
            OracleTests.Check(failures, text, "pieces", Strings(c.GetProperty("pieces")), [.. words.Select(r => mapped[r])]);
        }
        Assert.True(failures.Length == 0, failures.ToString());
    }

    private static string Hex(string s) => string.Join(' ', s.EnumerateRunes().Select(r => $"U+{r.Value:X4}"));
}
