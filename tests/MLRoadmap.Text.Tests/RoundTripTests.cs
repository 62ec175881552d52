using System.Text;
using static MLRoadmap.Text.Tests.TokenizerFixtures;

namespace MLRoadmap.Text.Tests;

/// <summary>Decode(Encode(s)) == s over random Unicode text, for each kind of tokenizer.</summary>
public class RoundTripTests
{
    /// <summary>Random text: mostly from the blocks the splitters treat differently, sometimes any code point.</summary>
    internal static string RandomText(Random random, int maxLength)
    {
        string[] pools =
        [
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " ", "  \t\n\r\u00a0\u3000\u2028\u0085",
            ".,;:!?'\"()[]{}<>-_+=*&^%$#@~`|\\/", "'s're've'll'd'm't", "àéîõüçñßÆØÅİı", "\u0301\u0308\u0323",
            "中文字日本語한국어ひらがなカタカナ", "😀🤗🚀👍🏽🎉🏳️‍🌈👨‍👩‍👧", "\u200b\u200d\u00ad\ufeff", "αβγΣΩЖЯجميل१२३",
            "𝐀𝐁𝔘𐐀𠀀", "\u0000\u0007\u001b\u007f\ufffd",
        ];
        var sb = new StringBuilder();
        var length = random.Next(maxLength + 1);
        while (sb.Length < length)
        {
            if (random.Next(10) == 0)
            {
                // Any scalar value.
                int cp;
                do cp = random.Next(0x110000); while (cp is >= 0xD800 and <= 0xDFFF);
                sb.Append(char.ConvertFromUtf32(cp));
                continue;
            }
            var pool = pools[random.Next(pools.Length)];
            var runes = pool.EnumerateRunes().ToArray();
            var run = 1 + random.Next(6);
            for (var i = 0; i < run; i++) sb.Append(runes[random.Next(runes.Length)]);
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("ours-bpe-trained")]
    public void Byte_level_bpe_round_trips_any_text(string name)
    {
        var tokenizer = Shared(name);
        var random = new Random(1234);
        for (var k = 0; k < 3000; k++)
        {
            var text = RandomText(random, 80);
            var ids = tokenizer.Encode(text).Ids;
            var back = tokenizer.Decode(ids);
            Assert.True(text == back, $"{name} round trip failed for {Escape(text)}: got {Escape(back)}");
        }
    }

    [Fact]
    public void Long_texts_without_spaces_round_trip()
    {
        var gpt2 = Shared("gpt2");
        foreach (var text in new[]
        {
            new string('a', 20_000), string.Concat(Enumerable.Repeat("😀", 5_000)), string.Concat(Enumerable.Repeat("中文", 5_000)),
            new string('!', 10_000), string.Concat(Enumerable.Repeat("  \n", 3_000)),
        })
            Assert.Equal(text, gpt2.Decode(gpt2.Encode(text).Ids));
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character()
    {
        var gpt2 = Shared("gpt2");
        Assert.Equal("a\ufffdb\ufffd", gpt2.Decode(gpt2.Encode("a\ud800b\udc00").Ids));
    }

    [Fact]
    public void Wordpiece_decoding_joins_continuation_pieces()
    {
        var bert = Shared("bert-base-uncased");
        var random = new Random(99);
        var vocabWords = 0;
        for (var k = 0; k < 2000; k++)
        {
            var words = Enumerable.Range(0, 1 + random.Next(8))
                .Select(_ => new string([.. Enumerable.Range(0, 1 + random.Next(14)).Select(_ => (char)('a' + random.Next(26)))]));
            var text = string.Join(' ', words);
            var e = bert.Encode(text);
            vocabWords += e.Tokens.Count(t => t.StartsWith("##", StringComparison.Ordinal));
            // Lower-case ASCII words always split into pieces of the vocabulary (it has every letter and "##" letter).
            Assert.DoesNotContain("[UNK]", e.Tokens);
            Assert.Equal(text, bert.Decode(e.Ids));
        }
        Assert.True(vocabWords > 1000, "the random words should need continuation pieces");
    }

    [Fact]
    public void Wordpiece_makes_overlong_and_unmatchable_words_unknown()
    {
        var bert = Shared("bert-base-uncased");
        Assert.Equal(["[CLS]", "[UNK]", "[SEP]"], bert.Encode(new string('a', 101)).Tokens);
        Assert.DoesNotContain("[UNK]", bert.Encode(new string('a', 100)).Tokens);
        // A character the vocabulary lacks (U+2603 is a symbol, not punctuation) makes its whole word unknown.
        Assert.Equal(["[CLS]", "[UNK]", "ok", "[SEP]"], bert.Encode("ab\u2603cd ok").Tokens);
    }

    [Fact]
    public void Character_tokenizer_round_trips_known_characters_and_marks_unknown_ones()
    {
        var chars = Shared("ours-char");
        var corpus = File.ReadAllText(Corpus);
        var random = new Random(5);
        for (var k = 0; k < 500; k++)
        {
            var start = random.Next(corpus.Length - 200);
            var text = corpus.Substring(start, random.Next(200));
            var e = chars.Encode(text);
            Assert.Equal(text.Length, e.Length);
            Assert.Equal(text, chars.Decode(e.Ids));
        }
        var unk = chars.TokenToId(CharTokenizer.DefaultUnknown);
        var mixed = chars.Encode("a☃b😀");
        Assert.Equal([chars.TokenToId("a"), unk, chars.TokenToId("b"), unk], mixed.Ids.Select(i => (int?)i));
        Assert.Equal("ab", chars.Decode(mixed.Ids));
        Assert.Equal("a<unk>b<unk>", chars.Decode(mixed.Ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Character_tokenizer_built_from_text()
    {
        var t = CharTokenizer.Build(["hello", "world 😀"], minFrequency: 1);
        // Specials first, then characters in code point order; the emoji (a surrogate pair) is one token.
        Assert.Equal(["<pad>", "<unk>", " ", "d", "e", "h", "l", "o", "r", "w", "😀"],
            Enumerable.Range(0, t.VocabSize).Select(i => t.IdToToken(i)!));
        using var batch = t.EncodeBatch(["hello", "hi"]);
        Assert.Equal([5L, 4, 6, 6, 7, 5, 1, 0, 0, 0], batch.InputIds.ToArray<long>());
        Assert.Equal([1L, 1, 1, 1, 1, 1, 1, 0, 0, 0], batch.AttentionMask.ToArray<long>());
        var frequent = CharTokenizer.Build(["aaab", "ab"], minFrequency: 3);
        Assert.Equal(3, frequent.VocabSize);
        Assert.Equal([2, 1], frequent.Encode("ab").Ids);
    }

    private static string Escape(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
