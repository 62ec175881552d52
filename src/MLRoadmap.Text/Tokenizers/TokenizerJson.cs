using System.Text.Json;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// Reads Hugging Face's tokenizer.json: models BPE, WordPiece and WordLevel; the normalizers, pre-tokenizers,
/// post-processors and decoders GPT-2, RoBERTa and BERT use; added tokens, truncation and padding. Anything else
/// is refused by name, and every problem is an <see cref="InvalidDataException"/> naming the file and the key.
/// </summary>
public static partial class TokenizerJson
{
    /// <summary>Loads a tokenizer.json.</summary>
    public static Tokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var doc = JsonSource.Parse(path);
        return Read(doc, path);
    }

    /// <summary>Reads tokenizer.json's UTF-8 bytes, which came from <paramref name="name"/> (errors name it).</summary>
    public static Tokenizer Load(byte[] utf8, string name)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        ArgumentNullException.ThrowIfNull(name);
        using var doc = JsonSource.Parse(utf8, name);
        return Read(doc, name);
    }

    private static Tokenizer Read(JsonDocument doc, string path)
    {
        var src = new JsonSource(path);
        var root = src.Object(doc.RootElement, "the top level");
        var tokenizer = new Tokenizer(ReadModel(src, src.Required(root, "model", "")));
        if (JsonSource.Optional(root, "added_tokens") is { } added) ReadAddedTokens(src, tokenizer, added);
        tokenizer.Normalizer = JsonSource.Optional(root, "normalizer") is { } n ? ReadNormalizer(src, n, "normalizer") : null;
        tokenizer.PreTokenizer = JsonSource.Optional(root, "pre_tokenizer") is { } p ? ReadPreTokenizer(src, p, "pre_tokenizer") : null;
        tokenizer.PostProcessor = JsonSource.Optional(root, "post_processor") is { } pp ? ReadPostProcessor(src, pp, "post_processor") : null;
        tokenizer.Decoder = JsonSource.Optional(root, "decoder") is { } d ? ReadDecoder(src, d, "decoder") : null;
        tokenizer.Truncation = JsonSource.Optional(root, "truncation") is { } t ? ReadTruncation(src, t) : null;
        tokenizer.Padding = JsonSource.Optional(root, "padding") is { } pad ? ReadPadding(src, pad) : null;
        return tokenizer;
    }

    private static ITokenizerModel ReadModel(JsonSource src, JsonElement model)
    {
        src.Object(model, "model");
        // Old files leave out the type; the keys then say which model it is.
        var type = src.OptionalString(model, "type", "model")
            ?? (model.TryGetProperty("merges", out _) ? "BPE" : model.TryGetProperty("max_input_chars_per_word", out _) ? "WordPiece" : "WordLevel");
        var vocab = src.Vocab(src.Required(model, "vocab", "model"), "model.vocab");
        switch (type)
        {
            case "BPE":
                foreach (var key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
                    if (src.OptionalString(model, key, "model") is { Length: > 0 } value)
                        throw src.Fail($"model.{key}", $"is \"{value}\"; only BPE without one is supported");
                if (src.OptionalBool(model, "byte_fallback", "model") == true)
                    throw src.Fail("model.byte_fallback", "is true; byte fallback (SentencePiece-style BPE) is not supported");
                if (JsonSource.Optional(model, "dropout") is { } dropout && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() != 0)
                    throw src.Fail("model.dropout", $"is {dropout.GetRawText()}; BPE dropout is not supported");
                var merges = ReadMerges(src, src.Array(src.Required(model, "merges", "model"), "model.merges"));
                try
                {
                    return new BpeModel(vocab, merges, src.OptionalString(model, "unk_token", "model"),
                        src.OptionalBool(model, "fuse_unk", "model") ?? false, src.OptionalBool(model, "ignore_merges", "model") ?? false);
                }
                catch (ArgumentException e)
                {
                    throw src.Fail("model", e.Message);
                }
            case "WordPiece":
                var max = src.OptionalInt(model, "max_input_chars_per_word", "model") ?? 100;
                if (max <= 0) throw src.Fail("model.max_input_chars_per_word", $"is {max}; it must be positive");
                return new WordPieceModel(vocab, src.OptionalString(model, "unk_token", "model") ?? "[UNK]",
                    src.OptionalString(model, "continuing_subword_prefix", "model") ?? "##", max);
            case "WordLevel":
                return new WordLevelModel(vocab, src.OptionalString(model, "unk_token", "model") ?? "<unk>");
            default:
                throw src.Fail("model.type", $"is \"{type}\"; supported models are BPE, WordPiece and WordLevel");
        }
    }

    /// <summary>Merges as "a b" strings (the older format) or ["a", "b"] pairs (tokens may then hold spaces).</summary>
    internal static List<(string, string)> ReadMerges(JsonSource src, JsonElement merges)
    {
        var result = new List<(string, string)>(merges.GetArrayLength());
        var i = 0;
        foreach (var m in merges.EnumerateArray())
        {
            var where = $"model.merges[{i}]";
            if (m.ValueKind == JsonValueKind.String)
            {
                var parts = m.GetString()!.Split(' ');
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                    throw src.Fail(where, $"is \"{m.GetString()}\"; a merge is two tokens separated by one space");
                result.Add((parts[0], parts[1]));
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2)
                result.Add((src.String(m[0], where + "[0]"), src.String(m[1], where + "[1]")));
            else
                throw src.Fail(where, "should be a string \"a b\" or a pair [\"a\", \"b\"]");
            i++;
        }
        return result;
    }

    private static void ReadAddedTokens(JsonSource src, Tokenizer tokenizer, JsonElement added)
    {
        src.Array(added, "added_tokens");
        var i = 0;
        foreach (var t in added.EnumerateArray())
        {
            var where = $"added_tokens[{i++}]";
            src.Object(t, where);
            var special = src.OptionalBool(t, "special", where) ?? false;
            var token = new AddedToken(src.RequiredString(t, "content", where), special)
            {
                SingleWord = src.OptionalBool(t, "single_word", where) ?? false,
                LStrip = src.OptionalBool(t, "lstrip", where) ?? false,
                RStrip = src.OptionalBool(t, "rstrip", where) ?? false,
                Normalized = src.OptionalBool(t, "normalized", where) ?? !special,
            };
            var id = src.RequiredInt(t, "id", where);
            if (id < 0) throw src.Fail(where + ".id", $"is {id}; ids are not negative");
            if (tokenizer.Model.Vocab.IdToToken(id) is { } other && other != token.Content)
                throw src.Fail(where, $"gives id {id} to '{token.Content}', but the model's vocabulary has '{other}' there");
            try
            {
                tokenizer.AddedTokens.Add(token, id);
            }
            catch (ArgumentException e)
            {
                throw src.Fail(where, e.Message);
            }
        }
    }

    private static TruncationOptions ReadTruncation(JsonSource src, JsonElement t)
    {
        src.Object(t, "truncation");
        var max = src.RequiredInt(t, "max_length", "truncation");
        if (max < 0) throw src.Fail("truncation.max_length", $"is {max}");
        return new TruncationOptions(max)
        {
            Strategy = Enum<TruncationStrategy>(src, t, "strategy", "truncation", TruncationStrategy.LongestFirst),
            Direction = Enum<TruncationDirection>(src, t, "direction", "truncation", TruncationDirection.Right),
            Stride = src.OptionalInt(t, "stride", "truncation") ?? 0,
        };
    }

    private static PaddingOptions ReadPadding(JsonSource src, JsonElement p)
    {
        src.Object(p, "padding");
        int? fixedLength = null;
        if (JsonSource.Optional(p, "strategy") is { } strategy)
        {
            if (strategy.ValueKind == JsonValueKind.Object && strategy.TryGetProperty("Fixed", out var f))
                fixedLength = src.Int(f, "padding.strategy.Fixed");
            else if (strategy.ValueKind != JsonValueKind.String || strategy.GetString() != "BatchLongest")
                throw src.Fail("padding.strategy", "should be \"BatchLongest\" or {\"Fixed\": length}");
        }
        return new PaddingOptions
        {
            FixedLength = fixedLength,
            Direction = Enum<PaddingDirection>(src, p, "direction", "padding", PaddingDirection.Right),
            PadToMultipleOf = src.OptionalInt(p, "pad_to_multiple_of", "padding"),
            PadId = src.OptionalInt(p, "pad_id", "padding") ?? 0,
            PadTypeId = src.OptionalInt(p, "pad_type_id", "padding") ?? 0,
            PadToken = src.OptionalString(p, "pad_token", "padding") ?? "[PAD]",
        };
    }

    private static T Enum<T>(JsonSource src, JsonElement obj, string key, string where, T fallback) where T : struct, System.Enum
    {
        if (src.OptionalString(obj, key, where) is not { } name) return fallback;
        return System.Enum.TryParse<T>(name, out var value) && System.Enum.IsDefined(value)
            ? value
            : throw src.Fail($"{where}.{key}", $"is \"{name}\"; expected one of {string.Join(", ", System.Enum.GetNames<T>())}");
    }
}
