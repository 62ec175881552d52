using System.Text.Encodings.Web;
using System.Text.Json;

namespace MLRoadmap.Text.Tokenizers;

public static partial class TokenizerJson
{
    /// <summary>Writes <paramref name="tokenizer"/> as tokenizer.json in Hugging Face's layout and key order.</summary>
    public static void Save(Tokenizer tokenizer, string path, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(path);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, ToUtf8(tokenizer, indented));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary><paramref name="tokenizer"/> as tokenizer.json's UTF-8 bytes (what <see cref="Save"/> writes).</summary>
    public static byte[] ToUtf8(Tokenizer tokenizer, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            Write(tokenizer, w);
        }
        return stream.ToArray();
    }

    private static void Write(Tokenizer t, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WritePropertyName("truncation");
        WriteTruncation(t.Truncation, w);
        w.WritePropertyName("padding");
        WritePadding(t.Padding, w);
        w.WriteStartArray("added_tokens");
        foreach (var (token, id) in t.AddedTokens.Tokens.OrderBy(x => x.Id))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", token.Content);
            w.WriteBoolean("single_word", token.SingleWord);
            w.WriteBoolean("lstrip", token.LStrip);
            w.WriteBoolean("rstrip", token.RStrip);
            w.WriteBoolean("normalized", token.Normalized);
            w.WriteBoolean("special", token.Special);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WritePropertyName("normalizer");
        WriteNormalizer(t.Normalizer, w);
        w.WritePropertyName("pre_tokenizer");
        WritePreTokenizer(t.PreTokenizer, w);
        w.WritePropertyName("post_processor");
        WritePostProcessor(t.PostProcessor, w);
        w.WritePropertyName("decoder");
        WriteDecoder(t.Decoder, w);
        w.WritePropertyName("model");
        WriteModel(t.Model, w);
        w.WriteEndObject();
    }

    private static void WriteTruncation(TruncationOptions? t, Utf8JsonWriter w)
    {
        if (t is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        w.WriteString("direction", t.Direction.ToString());
        w.WriteNumber("max_length", t.MaxLength);
        w.WriteString("strategy", t.Strategy.ToString());
        w.WriteNumber("stride", t.Stride);
        w.WriteEndObject();
    }

    private static void WritePadding(PaddingOptions? p, Utf8JsonWriter w)
    {
        if (p is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        if (p.FixedLength is { } n)
        {
            w.WriteStartObject("strategy");
            w.WriteNumber("Fixed", n);
            w.WriteEndObject();
        }
        else w.WriteString("strategy", "BatchLongest");
        w.WriteString("direction", p.Direction.ToString());
        if (p.PadToMultipleOf is { } m) w.WriteNumber("pad_to_multiple_of", m);
        else w.WriteNull("pad_to_multiple_of");
        w.WriteNumber("pad_id", p.PadId);
        w.WriteNumber("pad_type_id", p.PadTypeId);
        w.WriteString("pad_token", p.PadToken);
        w.WriteEndObject();
    }

    private static void WriteNormalizer(INormalizer? n, Utf8JsonWriter w)
    {
        switch (n)
        {
            case null:
                w.WriteNullValue();
                return;
            case BertNormalizer b:
                w.WriteStartObject();
                w.WriteString("type", "BertNormalizer");
                w.WriteBoolean("clean_text", b.CleanText);
                w.WriteBoolean("handle_chinese_chars", b.HandleChineseChars);
                if (b.StripAccents is { } strip) w.WriteBoolean("strip_accents", strip);
                else w.WriteNull("strip_accents");
                w.WriteBoolean("lowercase", b.Lowercase);
                w.WriteEndObject();
                return;
            case SequenceNormalizer s:
                w.WriteStartObject();
                w.WriteString("type", "Sequence");
                w.WriteStartArray("normalizers");
                foreach (var inner in s.Normalizers) WriteNormalizer(inner, w);
                w.WriteEndArray();
                w.WriteEndObject();
                return;
        }
        w.WriteStartObject();
        w.WriteString("type", n switch
        {
            LowercaseNormalizer => "Lowercase",
            NfdNormalizer => "NFD",
            StripAccentsNormalizer => "StripAccents",
            _ => throw new NotSupportedException($"tokenizer.json has no form for the normalizer {n.GetType().Name}"),
        });
        w.WriteEndObject();
    }

    private static void WritePreTokenizer(IPreTokenizer? p, Utf8JsonWriter w)
    {
        if (p is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        switch (p)
        {
            case ByteLevelPreTokenizer b:
                w.WriteString("type", "ByteLevel");
                w.WriteBoolean("add_prefix_space", b.AddPrefixSpace);
                w.WriteBoolean("trim_offsets", b.TrimOffsets);
                w.WriteBoolean("use_regex", b.UseRegex);
                break;
            case BertPreTokenizer:
                w.WriteString("type", "BertPreTokenizer");
                break;
            case WhitespaceSplitPreTokenizer:
                w.WriteString("type", "WhitespaceSplit");
                break;
            case CharSplitPreTokenizer:
                w.WriteString("type", "Split");
                w.WriteStartObject("pattern");
                w.WriteString("String", "");
                w.WriteEndObject();
                w.WriteString("behavior", "Isolated");
                w.WriteBoolean("invert", false);
                break;
            default:
                throw new NotSupportedException($"tokenizer.json has no form for the pre-tokenizer {p.GetType().Name}");
        }
        w.WriteEndObject();
    }

    private static void WritePostProcessor(IPostProcessor? p, Utf8JsonWriter w)
    {
        if (p is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        switch (p)
        {
            case ByteLevelProcessor b:
                w.WriteString("type", "ByteLevel");
                w.WriteBoolean("add_prefix_space", true);
                w.WriteBoolean("trim_offsets", b.TrimOffsets);
                w.WriteBoolean("use_regex", true);
                break;
            case TemplateProcessor { Kind: TemplateKind.Bert or TemplateKind.Roberta } t:
                w.WriteString("type", t.Kind == TemplateKind.Bert ? "BertProcessing" : "RobertaProcessing");
                var sep = t.SpecialTokens[t.Single[^1].Name];
                var cls = t.SpecialTokens[t.Single[0].Name];
                WriteTokenAndId("sep", sep, w);
                WriteTokenAndId("cls", cls, w);
                if (t.Kind == TemplateKind.Roberta)
                {
                    w.WriteBoolean("trim_offsets", true);
                    w.WriteBoolean("add_prefix_space", true);
                }
                break;
            case TemplateProcessor t:
                w.WriteString("type", "TemplateProcessing");
                WritePieces("single", t.Single, w);
                WritePieces("pair", t.Pair, w);
                w.WriteStartObject("special_tokens");
                foreach (var s in t.SpecialTokens.Values)
                {
                    w.WriteStartObject(s.Name);
                    w.WriteString("id", s.Name);
                    w.WriteStartArray("ids");
                    foreach (var id in s.Ids) w.WriteNumberValue(id);
                    w.WriteEndArray();
                    w.WriteStartArray("tokens");
                    foreach (var token in s.Tokens) w.WriteStringValue(token);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                break;
            default:
                throw new NotSupportedException($"tokenizer.json has no form for the post-processor {p.GetType().Name}");
        }
        w.WriteEndObject();
    }

    private static void WriteTokenAndId(string key, TemplateSpecialToken token, Utf8JsonWriter w)
    {
        w.WriteStartArray(key);
        w.WriteStringValue(token.Tokens[0]);
        w.WriteNumberValue(token.Ids[0]);
        w.WriteEndArray();
    }

    private static void WritePieces(string key, IReadOnlyList<TemplatePiece> pieces, Utf8JsonWriter w)
    {
        w.WriteStartArray(key);
        foreach (var piece in pieces)
        {
            w.WriteStartObject();
            w.WriteStartObject(piece.IsSequence ? "Sequence" : "SpecialToken");
            w.WriteString("id", piece.Name);
            w.WriteNumber("type_id", piece.TypeId);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteDecoder(IDecoder? d, Utf8JsonWriter w)
    {
        if (d is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        switch (d)
        {
            case ByteLevelDecoder:
                w.WriteString("type", "ByteLevel");
                w.WriteBoolean("add_prefix_space", true);
                w.WriteBoolean("trim_offsets", true);
                w.WriteBoolean("use_regex", true);
                break;
            case WordPieceDecoder wp:
                w.WriteString("type", "WordPiece");
                w.WriteString("prefix", wp.Prefix);
                w.WriteBoolean("cleanup", wp.Cleanup);
                break;
            case FuseDecoder:
                w.WriteString("type", "Fuse");
                break;
            default:
                throw new NotSupportedException($"tokenizer.json has no form for the decoder {d.GetType().Name}");
        }
        w.WriteEndObject();
    }

    private static void WriteModel(ITokenizerModel model, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        switch (model)
        {
            case BpeModel bpe:
                w.WriteString("type", "BPE");
                w.WriteNull("dropout");
                if (bpe.UnkToken is { } unk) w.WriteString("unk_token", unk);
                else w.WriteNull("unk_token");
                w.WriteNull("continuing_subword_prefix");
                w.WriteNull("end_of_word_suffix");
                w.WriteBoolean("fuse_unk", bpe.FuseUnknown);
                w.WriteBoolean("byte_fallback", false);
                w.WriteBoolean("ignore_merges", bpe.IgnoreMerges);
                WriteVocab(bpe.Vocab, w);
                w.WriteStartArray("merges");
                foreach (var (left, right) in bpe.Merges)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(left);
                    w.WriteStringValue(right);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                break;
            case WordPieceModel wp:
                w.WriteString("type", "WordPiece");
                w.WriteString("unk_token", wp.UnkToken);
                w.WriteString("continuing_subword_prefix", wp.ContinuingSubwordPrefix);
                w.WriteNumber("max_input_chars_per_word", wp.MaxInputCharsPerWord);
                WriteVocab(wp.Vocab, w);
                break;
            case WordLevelModel wl:
                w.WriteString("type", "WordLevel");
                WriteVocab(wl.Vocab, w);
                w.WriteString("unk_token", wl.UnkToken);
                break;
            default:
                throw new NotSupportedException($"tokenizer.json has no form for the model {model.GetType().Name}");
        }
        w.WriteEndObject();
    }

    private static void WriteVocab(Vocabulary vocab, Utf8JsonWriter w)
    {
        w.WriteStartObject("vocab");
        foreach (var (token, id) in vocab.InIdOrder()) w.WriteNumber(token, id);
        w.WriteEndObject();
    }
}
