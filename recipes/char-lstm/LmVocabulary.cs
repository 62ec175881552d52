using MLRoadmap.Text.Tokenizers;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>
/// A language model's tokenizer, built from the training text: one token per character (<see cref="Characters"/>), or
/// a byte-level BPE learned by our <see cref="BpeTrainer"/> (<see cref="BytePairs"/>). Besides encoding and decoding
/// it says how many characters (code points) and UTF-8 bytes each token stands for, so bits per character and per
/// byte are exact sums over the predicted tokens, whatever the tokenizer.
/// </summary>
public sealed class LmVocabulary
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _characters;

    private LmVocabulary(Tokenizer tokenizer, bool characters)
    {
        _tokenizer = tokenizer;
        _characters = characters;
        Size = tokenizer.VocabSize;
        var chars = new long[Size];
        var bytes = new long[Size];
        var fingerprint = 14695981039346656037UL;   // FNV-1a over the tokens in id order
        for (var id = 0; id < Size; id++)
        {
            var token = tokenizer.IdToToken(id) ?? "";
            (chars[id], bytes[id]) = Lengths(token, id);
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(token + "\u0000")) fingerprint = (fingerprint ^ b) * 1099511628211UL;
        }
        CharLengths = chars;
        ByteLengths = bytes;
        Fingerprint = (long)(fingerprint >> 1);
    }

    /// <summary>One token per character seen in <paramref name="trainingText"/>, plus &lt;pad&gt; (0) and &lt;unk&gt; (1).</summary>
    public static LmVocabulary Characters(IEnumerable<string> trainingText) => new(CharTokenizer.Build(trainingText), characters: true);

    /// <summary>A byte-level BPE of <paramref name="vocabSize"/> tokens (the 256 bytes and the merges) trained on
    /// <paramref name="trainingText"/>: it encodes any text.</summary>
    public static LmVocabulary BytePairs(IEnumerable<string> trainingText, int vocabSize) =>
        new(ByteLevelBpe.Train(trainingText, new BpeTrainer { VocabSize = vocabSize }), characters: false);

    /// <summary>A vocabulary saved by <see cref="ToJson"/> (a checkpoint's tokenizer.json), of <paramref name="kind"/>
    /// "char" or "bpe"; <paramref name="name"/> is where it came from, for errors.</summary>
    public static LmVocabulary FromJson(byte[] tokenizerJson, string kind, string name) => kind switch
    {
        "char" => new(Tokenizer.FromJson(tokenizerJson, name), characters: true),
        "bpe" => new(Tokenizer.FromJson(tokenizerJson, name), characters: false),
        _ => throw new InvalidDataException($"{name}: unknown tokenizer kind '{kind}' (char or bpe)"),
    };

    /// <summary>The tokenizer as Hugging Face's tokenizer.json (UTF-8).</summary>
    public byte[] ToJson() => _tokenizer.ToJson();

    /// <summary>"char" or "bpe".</summary>
    public string Kind => _characters ? "char" : "bpe";

    public int Size { get; }

    /// <summary>Characters (code points) per token: 1 for a character, 1 for &lt;unk&gt; (it stands for one); for a
    /// byte-level token, its bytes that start a UTF-8 character.</summary>
    public IReadOnlyList<long> CharLengths { get; }

    /// <summary>UTF-8 bytes per token.</summary>
    public IReadOnlyList<long> ByteLengths { get; }

    /// <summary>A hash of the tokens in id order: a checkpoint carries it so a model is never run with another
    /// vocabulary of the same size.</summary>
    public long Fingerprint { get; }

    /// <summary>The ids of <paramref name="text"/> (no special tokens added).</summary>
    public int[] Encode(string text) => [.. _tokenizer.Encode(text, addSpecialTokens: false).Ids];

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids);

    /// <summary>Characters of <paramref name="text"/> a character vocabulary lacks (none for BPE), in order of
    /// first appearance.</summary>
    public IReadOnlyList<string> Unknown(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!_characters) return [];
        var unknown = new List<string>();
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            var c = char.ConvertFromUtf32(char.ConvertToUtf32(text, i));
            if (_tokenizer.TokenToId(c) is null && !unknown.Contains(c)) unknown.Add(c);
        }
        return unknown;
    }

    private (long Chars, long Bytes) Lengths(string token, int id)
    {
        if (_characters)
        {
            // <pad> never is a target; <unk> replaces one character, whose bytes are unknown: count it as one.
            if (token == CharTokenizer.DefaultPad || token == CharTokenizer.DefaultUnknown) return (1, 1);
            return (1, System.Text.Encoding.UTF8.GetByteCount(token));
        }
        if (_tokenizer.AddedTokens.TokenToId(token) == id) return (0, 0);   // special tokens are not text
        // Each character of a byte-level token is one byte (GPT-2's byte-to-character table).
        var starts = token.Count(c => (ByteLevelAlphabet.CharToByte(c) & 0xC0) != 0x80);
        return (starts, token.Length);
    }
}
