namespace MLRoadmap.Text.Tokenizers;

/// <summary>Splits on whitespace only (HF's WhitespaceSplit).</summary>
public sealed record WhitespaceSplitPreTokenizer : IPreTokenizer
{
    public string PreTokenize(string text, List<Range> words)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(words);
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                if (start >= 0) words.Add(new Range(start, i));
                start = -1;
            }
            else if (start < 0) start = i;
        }
        if (start >= 0) words.Add(new Range(start, text.Length));
        return text;
    }
}

/// <summary>
/// Every character (code point) a word of its own: the character tokenizer's split. In tokenizer.json it is HF's
/// Split on the empty string, isolated.
/// </summary>
public sealed record CharSplitPreTokenizer : IPreTokenizer
{
    public string PreTokenize(string text, List<Range> words)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(words);
        for (var i = 0; i < text.Length;)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            words.Add(new Range(i, i + width));
            i += width;
        }
        return text;
    }
}
