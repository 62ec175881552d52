namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// A tokenizer as Hugging Face composes one: added tokens are cut out of the text first, the rest is normalized,
/// split into words, and each word turned into ids by the model; the post-processor adds special tokens. Truncation
/// and padding come last. Safe to use from several threads at once (not while being configured).
/// </summary>
public sealed class Tokenizer : ITokenizer
{
    // Batches this large are encoded in parallel.
    private const int ParallelBatch = 64;

    public Tokenizer(ITokenizerModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    public ITokenizerModel Model { get; }

    public INormalizer? Normalizer { get; set; }

    public IPreTokenizer? PreTokenizer { get; set; }

    public IPostProcessor? PostProcessor { get; set; }

    /// <summary>How ids become text again (none: tokens joined with spaces, as HF does).</summary>
    public IDecoder? Decoder { get; set; }

    public AddedVocabulary AddedTokens { get; } = new();

    /// <summary>Applied by every encode (special tokens count against the maximum).</summary>
    public TruncationOptions? Truncation { get; set; }

    /// <summary>Applied by batch encodes, and by single encodes when it has a fixed length.</summary>
    public PaddingOptions? Padding { get; set; }

    /// <summary>The model's tokens plus the added tokens it does not have.</summary>
    public int VocabSize => Model.Vocab.Count + AddedTokens.Tokens.Count(t => Model.Vocab.IdToToken(t.Id) != t.Token.Content);

    /// <summary>Reads a Hugging Face tokenizer.json.</summary>
    /// <exception cref="InvalidDataException">the file is not valid JSON or not a tokenizer this library reads;
    /// the message names the file and the key</exception>
    public static Tokenizer FromFile(string path) => TokenizerJson.Load(path);

    /// <summary>Reads a tokenizer.json held in memory (UTF-8); <paramref name="name"/> is where it came from, for errors.</summary>
    public static Tokenizer FromJson(byte[] utf8, string name) => TokenizerJson.Load(utf8, name);

    /// <summary>Writes this tokenizer as a Hugging Face tokenizer.json (which HF's libraries load).</summary>
    public void Save(string path, bool indented = true) => TokenizerJson.Save(this, path, indented);

    /// <summary>This tokenizer as tokenizer.json's UTF-8 bytes, the same as <see cref="Save"/> writes.</summary>
    public byte[] ToJson(bool indented = true) => TokenizerJson.ToUtf8(this, indented);

    /// <summary>Adds tokens (special by default) that are matched in the text before anything else. A token the
    /// model knows keeps the model's id; others get the next free ids. Returns how many were new.</summary>
    public int AddTokens(params AddedToken[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var added = 0;
        foreach (var token in tokens)
        {
            if (AddedTokens.TokenToId(token.Content) != null) continue;
            var id = Model.Vocab.TokenToId(token.Content) ?? Math.Max(Model.Vocab.IdLimit, AddedTokens.IdLimit);
            AddedTokens.Add(token, id);
            added++;
        }
        return added;
    }

    /// <summary>Adds special tokens by content (see <see cref="AddTokens"/>).</summary>
    public int AddSpecialTokens(params string[] tokens) =>
        AddTokens([.. (tokens ?? throw new ArgumentNullException(nameof(tokens))).Select(t => new AddedToken(t))]);

    /// <summary>Pads batches with <paramref name="padToken"/>, which must be a token of this tokenizer.</summary>
    public void EnablePadding(string padToken, int? fixedLength = null, PaddingDirection direction = PaddingDirection.Right,
        int? padToMultipleOf = null)
    {
        var id = TokenToId(padToken) ?? throw new ArgumentException($"pad token '{padToken}' is not in the vocabulary", nameof(padToken));
        Padding = new PaddingOptions
        {
            PadId = id, PadToken = padToken, FixedLength = fixedLength, Direction = direction, PadToMultipleOf = padToMultipleOf,
        };
    }

    public int? TokenToId(string token) => AddedTokens.TokenToId(token) ?? Model.Vocab.TokenToId(token);

    public string? IdToToken(int id) => AddedTokens[id]?.Content ?? Model.Vocab.IdToToken(id);

    public Encoding Encode(string text, bool addSpecialTokens = true) => Encode(text, null, addSpecialTokens);

    /// <summary>Encodes a text, or a pair of texts (BERT's sentence pairs: type ids 0 and 1).</summary>
    public Encoding Encode(string text, string? pair, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = EncodeSequence(text, 0);
        var second = pair is null ? null : EncodeSequence(pair, 1);
        if (Truncation is { } truncation)
        {
            var added = addSpecialTokens && PostProcessor != null ? PostProcessor.AddedTokens(second != null) : 0;
            (first, second) = Truncator.Truncate(first, second, truncation, added);
        }
        Encoding result;
        if (addSpecialTokens && PostProcessor != null) result = PostProcessor.Process(first, second);
        else result = second is null ? first : Encoding.Concat(first, second);
        if (Padding is { FixedLength: not null } padding) result = result.Pad(padding.TargetLength(result.Length), padding);
        return result;
    }

    /// <summary>
    /// Encodes texts into a batch: padded as <see cref="Padding"/> says (without it, every text must encode to the
    /// same length), truncated as <see cref="Truncation"/> says; the batch's tensors are (B, T) int64.
    /// </summary>
    public BatchEncoding EncodeBatch(IReadOnlyList<string> texts, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Batch(texts.Count, i => Encode(texts[i], null, addSpecialTokens));
    }

    /// <summary>Encodes pairs of texts into a batch (see <see cref="EncodeBatch(IReadOnlyList{string}, bool)"/>).</summary>
    public BatchEncoding EncodeBatch(IReadOnlyList<(string First, string Second)> pairs, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return Batch(pairs.Count, i => Encode(pairs[i].First, pairs[i].Second, addSpecialTokens));
    }

    /// <summary>
    /// The text of <paramref name="ids"/>; special tokens are left out unless <paramref name="skipSpecialTokens"/>
    /// is false. Ids with no token are skipped, as HF does (models often pad their vocabulary).
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (skipSpecialTokens && AddedTokens.IsSpecial(id)) continue;
            if (IdToToken(id) is { } token) tokens.Add(token);
        }
        return Decoder?.Decode(tokens) ?? string.Join(' ', tokens);
    }

    private BatchEncoding Batch(int count, Func<int, Encoding> encode)
    {
        var encodings = new Encoding[count];
        if (count >= ParallelBatch) Parallel.For(0, count, i => encodings[i] = encode(i));
        else
            for (var i = 0; i < count; i++) encodings[i] = encode(i);
        var longest = encodings.Length == 0 ? 0 : encodings.Max(e => e.Length);
        if (Padding is not { } padding)
        {
            if (encodings.Any(e => e.Length != longest))
                throw new InvalidOperationException("the texts encode to different lengths and padding is off: " +
                    "call EnablePadding(padToken) (or set Padding) to batch them");
            return new BatchEncoding(encodings, longest);
        }
        var length = padding.TargetLength(longest);
        if (longest > length)
            throw new InvalidOperationException($"a text encodes to {longest} tokens, more than the fixed padding " +
                $"length {length}: set Truncation to cut texts to it");
        for (var i = 0; i < encodings.Length; i++) encodings[i] = encodings[i].Pad(length, padding);
        return new BatchEncoding(encodings, length);
    }

    /// <summary>Ids of one text: added tokens cut out, the rest normalized, split into words and tokenized.</summary>
    private Encoding EncodeSequence(string text, int typeId)
    {
        var ids = new List<int>();
        // HF's token for an added token is the text it matched (with any whitespace it stripped).
        List<(int Index, string Token)>? matched = null;
        var raw = new List<Segment>();
        var normalizedSegments = new List<Segment>();
        var words = new List<Range>();
        AddedTokens.Split(text, normalizedPass: false, raw);
        foreach (var segment in raw)
        {
            if (segment.TokenId >= 0)
            {
                (matched ??= []).Add((ids.Count, text.Substring(segment.Start, segment.Length)));
                ids.Add(segment.TokenId);
                continue;
            }
            var piece = segment.Length == text.Length ? text : text.Substring(segment.Start, segment.Length);
            var normalized = Normalizer?.Normalize(piece) ?? piece;
            normalizedSegments.Clear();
            AddedTokens.Split(normalized, normalizedPass: true, normalizedSegments);
            foreach (var part in normalizedSegments)
            {
                if (part.TokenId >= 0)
                {
                    (matched ??= []).Add((ids.Count, normalized.Substring(part.Start, part.Length)));
                    ids.Add(part.TokenId);
                    continue;
                }
                var partText = part.Length == normalized.Length ? normalized : normalized.Substring(part.Start, part.Length);
                if (PreTokenizer is null)
                {
                    Model.Tokenize(partText, ids);
                    continue;
                }
                words.Clear();
                var source = PreTokenizer.PreTokenize(partText, words);
                foreach (var word in words) Model.Tokenize(source.AsSpan()[word], ids);
            }
        }
        var encoding = Encoding.FromIds(ids, id => IdToToken(id) ?? "", typeId);
        if (matched != null)
            foreach (var (index, token) in matched) encoding.TokenArray[index] = token;
        return encoding;
    }
}
