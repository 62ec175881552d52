using System.Text;
using MLRoadmap.Text.Unicode;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// BERT's word splitting: on whitespace (dropped), and around every punctuation character (each kept as a word of
/// its own), with BERT's notion of punctuation (<see cref="CharClass.IsBertPunctuation"/>).
/// </summary>
public sealed record BertPreTokenizer : IPreTokenizer
{
    public string PreTokenize(string text, List<Range> words)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(words);
        var start = -1;
        var i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var r, out var width);
            // Rust's char::is_whitespace is Unicode White_Space, wider than BERT's own set (it includes U+0085).
            if (CharClass.IsWhiteSpace(r.Value))
            {
                if (start >= 0) words.Add(new Range(start, i));
                start = -1;
            }
            else if (CharClass.IsBertPunctuation(r))
            {
                if (start >= 0) words.Add(new Range(start, i));
                words.Add(new Range(i, i + width));
                start = -1;
            }
            else if (start < 0)
                start = i;
            i += width;
        }
        if (start >= 0) words.Add(new Range(start, text.Length));
        return text;
    }
}
