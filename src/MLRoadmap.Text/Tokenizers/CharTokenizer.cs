namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// Character-level tokenizers: one token per character (code point), the vocabulary built from a corpus.
/// Characters the corpus lacks become the unknown token (dropped by <c>Decode</c>, which skips special tokens).
/// Saved as HF's WordLevel model with a character split, so Hugging Face's libraries load it too.
/// </summary>
public static class CharTokenizer
{
    public const string DefaultPad = "<pad>";
    public const string DefaultUnknown = "<unk>";

    /// <summary>
    /// Builds the vocabulary from <paramref name="corpus"/>: the special tokens first (default &lt;pad&gt;,
    /// &lt;unk&gt;), then every character seen at least <paramref name="minFrequency"/> times, in code point order
    /// (the <paramref name="maxCharacters"/> most frequent when limited).
    /// </summary>
    public static Tokenizer Build(IEnumerable<string> corpus, IReadOnlyList<string>? specialTokens = null,
        string unkToken = DefaultUnknown, int minFrequency = 1, int? maxCharacters = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(unkToken);
        specialTokens ??= [DefaultPad, DefaultUnknown];
        if (!specialTokens.Contains(unkToken)) specialTokens = [.. specialTokens, unkToken];

        var frequency = new Dictionary<string, long>(StringComparer.Ordinal);
        var words = new List<Range>();
        var split = new CharSplitPreTokenizer();
        foreach (var text in corpus)
        {
            words.Clear();
            split.PreTokenize(text, words);
            foreach (var w in words) frequency[text[w]] = frequency.GetValueOrDefault(text[w]) + 1;
        }
        var chars = frequency.Where(kv => kv.Value >= minFrequency && !specialTokens.Contains(kv.Key));
        if (maxCharacters is { } max) chars = chars.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(max);
        var tokens = specialTokens.Distinct().Concat(chars.Select(kv => kv.Key).Order(StringComparer.Ordinal)).ToList();
        return Create(new Vocabulary(tokens.Select((t, i) => new KeyValuePair<string, int>(t, i))), unkToken, specialTokens);
    }

    /// <summary>A character tokenizer over an existing vocabulary of single characters and special tokens.</summary>
    public static Tokenizer Create(Vocabulary vocab, string unkToken = DefaultUnknown, IReadOnlyList<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        if (vocab.TokenToId(unkToken) == null) throw new ArgumentException($"the unknown token '{unkToken}' is not in the vocabulary");
        var tokenizer = new Tokenizer(new WordLevelModel(vocab, unkToken))
        {
            PreTokenizer = new CharSplitPreTokenizer(),
            Decoder = new FuseDecoder(),
        };
        foreach (var special in specialTokens ?? [DefaultPad, unkToken])
            if (vocab.TokenToId(special) != null) tokenizer.AddSpecialTokens(special);
        var pad = (specialTokens ?? [DefaultPad]).FirstOrDefault(s => s == DefaultPad);
        if (pad != null && vocab.TokenToId(pad) != null) tokenizer.EnablePadding(pad);
        return tokenizer;
    }
}
