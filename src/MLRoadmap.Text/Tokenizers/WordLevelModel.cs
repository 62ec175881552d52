namespace MLRoadmap.Text.Tokenizers;

/// <summary>One token per word: the word's id, or the unknown token's (HF's WordLevel; the character tokenizer
/// uses it with a pre-tokenizer that makes every character a word).</summary>
public sealed class WordLevelModel : ITokenizerModel
{
    public WordLevelModel(Vocabulary vocab, string unkToken)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(unkToken);
        Vocab = vocab;
        UnkToken = unkToken;
        UnkId = vocab.TokenToId(unkToken);
    }

    public Vocabulary Vocab { get; }

    public string UnkToken { get; }

    public int? UnkId { get; }

    public void Tokenize(ReadOnlySpan<char> word, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (word.IsEmpty) return;
        if (Vocab.TryGetId(word, out var id)) ids.Add(id);
        else ids.Add(UnkId ?? throw new InvalidOperationException(
            $"WordLevel: '{word}' is not in the vocabulary and neither is the unknown token '{UnkToken}'"));
    }
}
