using System.Text;
using System.Text.Json;
using static MLRoadmap.Text.Tests.TokenizerFixtures;

namespace MLRoadmap.Text.Tests;

/// <summary>
/// Every fixture tokenizer against Hugging Face's outputs for the same file (expected.json): ids, tokens, special
/// token masks, encodes without special tokens, and decodes with and without special tokens, for 174 texts (GPT-2's
/// and BERT's published vocabularies, tokenizers HF trained, and tokenizers our code saved).
/// </summary>
public class OracleTests
{
    public static TheoryData<string> Tokenizers => Names();

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Encodes_and_decodes_as_hugging_face_does(string name)
    {
        var tokenizer = Shared(name);
        var failures = new StringBuilder();
        var count = 0;
        foreach (var c in Expected.GetProperty(name).GetProperty("cases").EnumerateArray())
        {
            count++;
            var text = c.GetProperty("text").GetString()!;
            var e = tokenizer.Encode(text);
            Check(failures, text, "ids", Ints(c.GetProperty("ids")), e.Ids);
            Check(failures, text, "tokens", Strings(c.GetProperty("tokens")), e.Tokens);
            Check(failures, text, "special_tokens_mask", Ints(c.GetProperty("special_tokens_mask")), e.SpecialTokensMask);
            var plain = c.TryGetProperty("ids_without_special_tokens", out var p) ? Ints(p) : Ints(c.GetProperty("ids"));
            Check(failures, text, "ids without special tokens", plain, tokenizer.Encode(text, addSpecialTokens: false).Ids);
            var decoded = c.GetProperty("decoded").GetString()!;
            Check(failures, text, "decode", [decoded], [tokenizer.Decode(Ints(c.GetProperty("ids")))]);
            var withSpecial = c.TryGetProperty("decoded_with_special_tokens", out var d) ? d.GetString()! : decoded;
            Check(failures, text, "decode with special tokens", [withSpecial],
                [tokenizer.Decode(Ints(c.GetProperty("ids")), skipSpecialTokens: false)]);
        }
        Assert.True(count > 100, $"expected.json has only {count} cases for {name}");
        Assert.True(failures.Length == 0, $"{name} differs from Hugging Face:\n{failures}");
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Encodes_pairs_as_hugging_face_does(string name)
    {
        var tokenizer = Shared(name);
        var failures = new StringBuilder();
        foreach (var c in Expected.GetProperty(name).GetProperty("pairs").EnumerateArray())
        {
            var (a, b) = (c.GetProperty("text").GetString()!, c.GetProperty("pair").GetString()!);
            var e = tokenizer.Encode(a, b);
            var label = $"{a} | {b}";
            Check(failures, label, "ids", Ints(c.GetProperty("ids")), e.Ids);
            Check(failures, label, "type_ids", Ints(c.GetProperty("type_ids")), e.TypeIds);
            Check(failures, label, "special_tokens_mask", Ints(c.GetProperty("special_tokens_mask")), e.SpecialTokensMask);
            Check(failures, label, "attention_mask", Ints(c.GetProperty("attention_mask")), e.AttentionMask);
        }
        Assert.True(failures.Length == 0, $"{name} differs from Hugging Face:\n{failures}");
    }

    internal static void Check<T>(StringBuilder failures, string text, string what, IReadOnlyList<T> expected, IReadOnlyList<T> actual)
    {
        if (expected.SequenceEqual(actual) || failures.Length > 6000) return;
        failures.Append($"  {Escape(text)}: {what}\n    expected [{string.Join(", ", expected.Select(x => Escape($"{x}")))}]\n" +
            $"    actual   [{string.Join(", ", actual.Select(x => Escape($"{x}")))}]\n");
    }

    private static string Escape(string s) => JsonSerializer.Serialize(s.Length > 80 ? s[..80] + "..." : s);
}
