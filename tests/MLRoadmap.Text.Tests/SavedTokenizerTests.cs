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
