using System.Text.Json;

namespace MLRoadmap.Text.Tokenizers;

public static partial class TokenizerJson
{
    private static string TypeOf(JsonSource src, JsonElement e, string where) =>
        src.RequiredString(src.Object(e, where), "type", where);

    private static INormalizer ReadNormalizer(JsonSource src, JsonElement e, string where)
    {
        var type = TypeOf(src, e, where);
        return type switch
        {
            "BertNormalizer" => new BertNormalizer(
                src.OptionalBool(e, "clean_text", where) ?? true,
                src.OptionalBool(e, "handle_chinese_chars", where) ?? true,
                src.OptionalBool(e, "strip_accents", where),
                src.OptionalBool(e, "lowercase", where) ?? true),
            "Lowercase" => new LowercaseNormalizer(),
            "NFD" => new NfdNormalizer(),
            "StripAccents" => new StripAccentsNormalizer(),
            "Sequence" => new SequenceNormalizer(Items(src, e, "normalizers", where, ReadNormalizer)),
            _ => throw src.Fail($"{where}.type", $"is \"{type}\"; supported normalizers are BertNormalizer, Lowercase, NFD, StripAccents and Sequence"),
        };
    }

    private static IPreTokenizer ReadPreTokenizer(JsonSource src, JsonElement e, string where)
    {
        var type = TypeOf(src, e, where);
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelPreTokenizer(src.OptionalBool(e, "add_prefix_space", where) ?? true,
                    src.OptionalBool(e, "use_regex", where) ?? true)
                {
                    TrimOffsets = src.OptionalBool(e, "trim_offsets", where) ?? true,
                };
            case "BertPreTokenizer":
                return new BertPreTokenizer();
            case "WhitespaceSplit":
                return new WhitespaceSplitPreTokenizer();
            case "Split":
                // Only the character split (the empty string, isolated) is read: other patterns are regexes in
                // Oniguruma's dialect.
                var pattern = src.Object(src.Required(e, "pattern", where), where + ".pattern");
                var literal = src.OptionalString(pattern, "String", where + ".pattern");
                var behavior = src.OptionalString(e, "behavior", where);
                if (literal == "" && behavior is "Isolated" or "Removed" && src.OptionalBool(e, "invert", where) != true)
                    return new CharSplitPreTokenizer();
                throw src.Fail(where, $"is a Split on {pattern.GetRawText()} ({behavior}); only the split into characters " +
                    "({\"String\": \"\"}, Isolated) is supported");
            default:
                throw src.Fail($"{where}.type", $"is \"{type}\"; supported pre-tokenizers are ByteLevel, BertPreTokenizer, " +
                    "WhitespaceSplit and Split (into characters)");
        }
    }

    private static IPostProcessor ReadPostProcessor(JsonSource src, JsonElement e, string where)
    {
        var type = TypeOf(src, e, where);
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelProcessor(src.OptionalBool(e, "trim_offsets", where) ?? true);
            case "BertProcessing":
            case "RobertaProcessing":
                var (sep, sepId) = TokenAndId(src, src.Required(e, "sep", where), where + ".sep");
                var (cls, clsId) = TokenAndId(src, src.Required(e, "cls", where), where + ".cls");
                return type == "BertProcessing" ? TemplateProcessor.Bert(cls, clsId, sep, sepId) : TemplateProcessor.Roberta(cls, clsId, sep, sepId);
            case "TemplateProcessing":
                var single = Items(src, e, "single", where, ReadPiece);
                var pair = Items(src, e, "pair", where, ReadPiece);
                var specials = new List<TemplateSpecialToken>();
                if (JsonSource.Optional(e, "special_tokens") is { } tokens)
                    foreach (var p in src.Object(tokens, where + ".special_tokens").EnumerateObject())
                    {
                        var w = $"{where}.special_tokens[\"{p.Name}\"]";
                        src.Object(p.Value, w);
                        var ids = Items(src, p.Value, "ids", w, (s, x, ww) => s.Int(x, ww));
                        var strings = Items(src, p.Value, "tokens", w, (s, x, ww) => s.String(x, ww));
                        if (ids.Count != strings.Count) throw src.Fail(w, $"has {ids.Count} ids but {strings.Count} tokens");
                        specials.Add(new TemplateSpecialToken(src.RequiredString(p.Value, "id", w), ids, strings));
                    }
                try
                {
                    return new TemplateProcessor(single, pair, specials);
                }
                catch (ArgumentException ex)
                {
                    throw src.Fail(where, ex.Message);
                }
            default:
                throw src.Fail($"{where}.type", $"is \"{type}\"; supported post-processors are ByteLevel, BertProcessing, " +
                    "RobertaProcessing and TemplateProcessing");
        }
    }

    private static TemplatePiece ReadPiece(JsonSource src, JsonElement e, string where)
    {
        src.Object(e, where);
        if (JsonSource.Optional(e, "SpecialToken") is { } s)
            return TemplatePiece.Special(src.RequiredString(s, "id", where + ".SpecialToken"),
                src.OptionalInt(s, "type_id", where + ".SpecialToken") ?? 0);
        if (JsonSource.Optional(e, "Sequence") is { } q)
            return TemplatePiece.Sequence(src.RequiredString(q, "id", where + ".Sequence"),
                src.OptionalInt(q, "type_id", where + ".Sequence") ?? 0);
        throw src.Fail(where, "should be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }

    private static (string, int) TokenAndId(JsonSource src, JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2) throw src.Fail(where, "should be a pair [token, id]");
        return (src.String(e[0], where + "[0]"), src.Int(e[1], where + "[1]"));
    }

    private static IDecoder ReadDecoder(JsonSource src, JsonElement e, string where)
    {
        var type = TypeOf(src, e, where);
        return type switch
        {
            "ByteLevel" => new ByteLevelDecoder(),
            "WordPiece" => new WordPieceDecoder(src.OptionalString(e, "prefix", where) ?? "##", src.OptionalBool(e, "cleanup", where) ?? true),
            "Fuse" => new FuseDecoder(),
            _ => throw src.Fail($"{where}.type", $"is \"{type}\"; supported decoders are ByteLevel, WordPiece and Fuse"),
        };
    }

    private static List<T> Items<T>(JsonSource src, JsonElement obj, string key, string where, Func<JsonSource, JsonElement, string, T> read)
    {
        var array = src.Array(src.Required(obj, key, where), $"{where}.{key}");
        var result = new List<T>();
        var i = 0;
        foreach (var item in array.EnumerateArray()) result.Add(read(src, item, $"{where}.{key}[{i++}]"));
        return result;
    }
}
