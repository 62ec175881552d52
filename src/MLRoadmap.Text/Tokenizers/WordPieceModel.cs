using System.Buffers;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// WordPiece, greedy longest match first: the longest vocabulary entry that starts the word is taken, then the
/// longest that continues it (written with the continuation prefix, "##"), and so on. A word with a piece that
/// matches nothing, or longer than <see cref="MaxInputCharsPerWord"/> characters, becomes the unknown token whole.
/// </summary>
public sealed class WordPieceModel : ITokenizerModel
{
    /// <param name="vocab">the vocabulary (BERT's vocab.txt: one token a line, id = line number)</param>
    /// <param name="unkToken">the token for unmatchable words; it need not be in the vocabulary until a word needs it
    /// (as with HF), but encoding such a word then fails</param>
    public WordPieceModel(Vocabulary vocab, string unkToken = "[UNK]", string continuingSubwordPrefix = "##",
        int maxInputCharsPerWord = 100)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(unkToken);
        ArgumentNullException.ThrowIfNull(continuingSubwordPrefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInputCharsPerWord);
        Vocab = vocab;
        UnkToken = unkToken;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        UnkId = vocab.TokenToId(unkToken);
    }

    public Vocabulary Vocab { get; }

    public string UnkToken { get; }

    public int? UnkId { get; }

    public string ContinuingSubwordPrefix { get; }

    /// <summary>Words with more characters (code points) than this become the unknown token.</summary>
    public int MaxInputCharsPerWord { get; }

    public void Tokenize(ReadOnlySpan<char> word, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (word.IsEmpty) return;
        var chars = 0;
        for (var i = 0; i < word.Length; i++)
            if (!char.IsLowSurrogate(word[i]) || i == 0 || !char.IsHighSurrogate(word[i - 1])) chars++;
        if (chars > MaxInputCharsPerWord)
        {
            ids.Add(Unknown());
            return;
        }

        var prefix = ContinuingSubwordPrefix.AsSpan();
        var rented = ArrayPool<char>.Shared.Rent(prefix.Length + word.Length);
        var before = ids.Count;
        try
        {
            prefix.CopyTo(rented);
            var start = 0;
            while (start < word.Length)
            {
                var end = word.Length;
                var found = -1;
                while (end > start)
                {
                    var piece = word[start..end];
                    int id;
                    bool hit;
                    if (start == 0) hit = Vocab.TryGetId(piece, out id);
                    else
                    {
                        piece.CopyTo(rented.AsSpan(prefix.Length));
                        hit = Vocab.TryGetId(rented.AsSpan(0, prefix.Length + piece.Length), out id);
                    }
                    if (hit)
                    {
                        found = id;
                        break;
                    }
                    end--;
                    // Never cut a surrogate pair.
                    if (end > start && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1])) end--;
                }
                if (found < 0)
                {
                    ids.RemoveRange(before, ids.Count - before);
                    ids.Add(Unknown());
                    return;
                }
                ids.Add(found);
                start = end;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private int Unknown() => UnkId ?? throw new InvalidOperationException(
        $"WordPiece: a word needs the unknown token '{UnkToken}', which is not in the vocabulary");
}
