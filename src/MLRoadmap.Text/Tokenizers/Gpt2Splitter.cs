using System.Text;
using MLRoadmap.Text.Unicode;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// Splits text as GPT-2's pattern does, without a regex engine:
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// Letters, numbers and other symbols form runs that take one leading space with them; a run of whitespace before
/// a word leaves its last space to that word.
/// </summary>
public static class Gpt2Splitter
{
    private enum Kind : byte { Letter, Number, Space, Other }

    /// <summary>Appends the pieces of <paramref name="text"/> to <paramref name="pieces"/> as (start, length) ranges.</summary>
    public static void Split(ReadOnlySpan<char> text, List<Range> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        var i = 0;
        while (i < text.Length)
        {
            var end = PieceEnd(text, i);
            pieces.Add(new Range(i, end));
            i = end;
        }
    }

    /// <summary>Where the piece starting at <paramref name="i"/> ends.</summary>
    public static int PieceEnd(ReadOnlySpan<char> s, int i)
    {
        var n = s.Length;
        if (s[i] == '\'' && i + 1 < n)
        {
            var c1 = s[i + 1];
            if (c1 is 's' or 't' or 'm' or 'd') return i + 2;
            if (i + 2 < n && (c1, s[i + 2]) is ('r', 'e') or ('v', 'e') or ('l', 'l')) return i + 3;
        }
        var kind = Classify(s, i, out var width);
        if (s[i] == ' ' && i + 1 < n)
        {
            var next = Classify(s, i + 1, out var nextWidth);
            if (next != Kind.Space) return RunEnd(s, i + 1 + nextWidth, next);
        }
        if (kind != Kind.Space) return RunEnd(s, i + width, kind);
        // A run of whitespace: all of it at the end of the text, else all but its last character (which goes with
        // the word after it: `\s+(?!\S)`), and a single whitespace character alone (`\s+`).
        var j = i + 1;
        while (j < n && Classify(s, j, out _) == Kind.Space) j++;
        if (j == n || j - i == 1) return j;
        return j - 1;
    }

    private static int RunEnd(ReadOnlySpan<char> s, int j, Kind kind)
    {
        while (j < s.Length && Classify(s, j, out var w) == kind) j += w;
        return j;
    }

    private static Kind Classify(ReadOnlySpan<char> s, int i, out int width)
    {
        var c = s[i];
        if (c < 0x80)
        {
            width = 1;
            if (char.IsAsciiLetter(c)) return Kind.Letter;
            if (char.IsAsciiDigit(c)) return Kind.Number;
            return c is ' ' or (>= '\t' and <= '\r') ? Kind.Space : Kind.Other;
        }
        // A lone surrogate decodes as U+FFFD (a symbol) and counts one char, as it becomes U+FFFD in UTF-8 too.
        Rune.DecodeFromUtf16(s[i..], out var rune, out width);
        if (CharClass.IsLetter(rune)) return Kind.Letter;
        if (CharClass.IsNumber(rune)) return Kind.Number;
        return CharClass.IsWhiteSpace(rune.Value) ? Kind.Space : Kind.Other;
    }
}
