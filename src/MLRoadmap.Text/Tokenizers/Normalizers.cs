using System.Text;
using MLRoadmap.Text.Unicode;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>Rewrites text before it is split into words (lower-casing, accent stripping, ...).</summary>
public interface INormalizer
{
    string Normalize(string text);
}

/// <summary>Unicode lower-casing, code point by code point (as HF's Lowercase does; İ becomes "i̇").</summary>
public sealed record LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => TextCase.ToLower(text);
}

/// <summary>Canonical decomposition (NFD).</summary>
public sealed record NfdNormalizer : INormalizer
{
    public string Normalize(string text) => UnicodeNfd.Normalize(text);
}

/// <summary>Removes non-spacing marks (category Mn); after NFD this strips accents.</summary>
public sealed record StripAccentsNormalizer : INormalizer
{
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var r in text.EnumerateRunes())
            if (Rune.GetUnicodeCategory(r) != System.Globalization.UnicodeCategory.NonSpacingMark) sb.Append(r);
        return sb.Length == text.Length ? text : sb.ToString();
    }
}

/// <summary>Several normalizers, applied in order.</summary>
public sealed class SequenceNormalizer(IReadOnlyList<INormalizer> normalizers) : INormalizer
{
    public IReadOnlyList<INormalizer> Normalizers { get; } = normalizers;

    public string Normalize(string text)
    {
        foreach (var n in Normalizers) text = n.Normalize(text);
        return text;
    }
}

internal static class TextCase
{
    /// <summary>Lower-cases by code point; the repo's invariant globalization leaves U+0130 alone, Unicode does not.</summary>
    public static string ToLower(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ascii = true;
        foreach (var c in text)
            if (c >= 0x80) { ascii = false; break; }
        if (ascii) return text.ToLowerInvariant();
        var sb = new StringBuilder(text.Length);
        foreach (var r in text.EnumerateRunes())
        {
            if (r.Value == 0x130) sb.Append("i\u0307");
            else sb.Append(Rune.ToLowerInvariant(r));
        }
        return sb.ToString();
    }
}
