namespace MLRoadmap.Text.Tokenizers;

/// <summary>Turns one pre-tokenized word into token ids (BPE, WordPiece, word level).</summary>
public interface ITokenizerModel
{
    /// <summary>The model's vocabulary: token to id.</summary>
    Vocabulary Vocab { get; }

    /// <summary>Appends the ids of <paramref name="word"/> to <paramref name="ids"/>.</summary>
    void Tokenize(ReadOnlySpan<char> word, List<int> ids);
}
