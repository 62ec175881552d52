namespace MLRoadmap.Text.Tokenizers;

/// <summary>Splits (normalized) text into the words a tokenizer model sees.</summary>
public interface IPreTokenizer
{
    /// <summary>
    /// Appends the words of <paramref name="text"/> to <paramref name="words"/> as ranges into the returned string:
    /// <paramref name="text"/> itself, or a transformed copy (byte-level pre-tokenization maps bytes to characters).
    /// </summary>
    string PreTokenize(string text, List<Range> words);
}
