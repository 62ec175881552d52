using System.Globalization;
using System.Text;

namespace MLRoadmap.Text.Unicode;

/// <summary>The character classes the tokenizers split on, defined on code points (runes), as BERT and GPT-2 do.</summary>
public static class CharClass
{
    /// <summary>
    /// Unicode's White_Space property (what <c>\s</c> matches in GPT-2's pattern): tab to carriage return, space,
    /// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. .NET's IsWhiteSpace is the same set.
    /// </summary>
    public static bool IsWhiteSpace(int cp) => cp < 0x10000 && char.IsWhiteSpace((char)cp);

    /// <summary>A letter (general category L*), what <c>\p{L}</c> matches.</summary>
    public static bool IsLetter(Rune r) => Rune.IsLetter(r);

    /// <summary>A number (general category N*), what <c>\p{N}</c> matches.</summary>
    public static bool IsNumber(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>BERT's whitespace: space, tab, newline, carriage return, or category Zs.</summary>
    public static bool IsBertWhiteSpace(Rune r) => r.Value is ' ' or '\t' or '\n' or '\r' ||
        Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    /// <summary>BERT's control characters: category C* except tab, newline and carriage return (those are whitespace).</summary>
    public static bool IsBertControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    /// <summary>
    /// BERT's punctuation: every non-alphanumeric ASCII character (so "$", "+", "^", "`" count, though Unicode calls
    /// them symbols), or any character of category P*.
    /// </summary>
    public static bool IsBertPunctuation(Rune r)
    {
        var cp = r.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT splits into single characters (not Hangul, Hiragana or Katakana).</summary>
    public static bool IsCjkIdeograph(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
