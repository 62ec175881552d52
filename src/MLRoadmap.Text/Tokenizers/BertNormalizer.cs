using System.Text;
using MLRoadmap.Text.Unicode;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// BERT's text clean-up, as its BasicTokenizer does it: control characters, NUL and U+FFFD removed and every
/// whitespace character turned into a space; spaces put around CJK ideographs (so each becomes a word); accents
/// stripped (NFD, then marks of category Mn removed); lower-cased.
/// </summary>
public sealed record BertNormalizer(bool CleanText = true, bool HandleChineseChars = true, bool? StripAccents = null,
    bool Lowercase = true) : INormalizer
{
    /// <summary>Accents are stripped when <see cref="StripAccents"/> says so, and by default when lower-casing.</summary>
    public bool StripsAccents => StripAccents ?? Lowercase;

    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (CleanText || HandleChineseChars) text = CleanAndSpace(text);
        if (StripsAccents) text = UnicodeNfd.StripAccents(text);
        if (Lowercase) text = TextCase.ToLower(text);
        return text;
    }

    private string CleanAndSpace(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var r in text.EnumerateRunes())
        {
            if (CleanText)
            {
                if (r.Value is 0 or 0xFFFD || CharClass.IsBertControl(r)) continue;
                if (CharClass.IsBertWhiteSpace(r)) { sb.Append(' '); continue; }
            }
            if (HandleChineseChars && CharClass.IsCjkIdeograph(r.Value)) sb.Append(' ').Append(r).Append(' ');
            else sb.Append(r);
        }
        return sb.ToString();
    }
}
