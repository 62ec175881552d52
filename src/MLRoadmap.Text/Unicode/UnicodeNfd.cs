using System.Globalization;
using System.Text;

namespace MLRoadmap.Text.Unicode;

/// <summary>
/// Unicode canonical decomposition (NFD) of our own. The repo runs with InvariantGlobalization, where
/// <see cref="string.Normalize()"/> returns its input unchanged, yet BERT's accent stripping needs NFD. The table
/// (canonical decompositions and combining classes, Unicode 15.0) is embedded from nfd-data.txt.
/// </summary>
public static class UnicodeNfd
{
    // Below U+00C0 no code point decomposes or has a combining class, so ASCII and Latin-1 punctuation pass through.
    private const int FirstAffected = 0xC0;

    private const int HangulBase = 0xAC00, HangulCount = 11172, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int VCount = 21, TCount = 28, NCount = VCount * TCount;

    private static readonly Lazy<Table> Data = new(Table.Load);

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint) =>
        codePoint < FirstAffected ? 0 : Data.Value.Classes.GetValueOrDefault(codePoint);

    /// <summary>The NFD form of <paramref name="text"/> (the same instance when nothing changes).</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!MayChange(text)) return text;
        var points = Decompose(text);
        return ToText(points, keepNonSpacingMarks: true);
    }

    /// <summary>
    /// NFD, then every non-spacing mark (category Mn) removed: "Ångström" becomes "Angstrom". This is BERT's
    /// accent stripping.
    /// </summary>
    public static string StripAccents(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!MayChange(text)) return text;
        var points = Decompose(text);
        return ToText(points, keepNonSpacingMarks: false);
    }

    private static bool MayChange(string text)
    {
        foreach (var c in text)
            if (c >= FirstAffected) return true;
        return false;
    }

    private static List<int> Decompose(string text)
    {
        var table = Data.Value;
        var points = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = rune.Value;
            var s = cp - HangulBase;
            if (s is >= 0 and < HangulCount)
            {
                points.Add(LBase + s / NCount);
                points.Add(VBase + s % NCount / TCount);
                if (s % TCount != 0) points.Add(TBase + s % TCount);
            }
            else if (cp >= FirstAffected && table.Decompositions.TryGetValue(cp, out var full))
                points.AddRange(full);
            else
                points.Add(cp);
        }
        // Canonical ordering: each run of non-starters sorted by combining class, stably (insertion sort; runs are
        // a handful of marks long).
        for (var i = 1; i < points.Count; i++)
        {
            var cc = CombiningClass(points[i]);
            if (cc == 0) continue;
            var j = i;
            var p = points[i];
            while (j > 0 && CombiningClass(points[j - 1]) > cc)
            {
                points[j] = points[j - 1];
                j--;
            }
            points[j] = p;
        }
        return points;
    }

    private static string ToText(List<int> points, bool keepNonSpacingMarks)
    {
        var sb = new StringBuilder(points.Count + 4);
        foreach (var cp in points)
        {
            var rune = new Rune(cp);
            if (!keepNonSpacingMarks && Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark) continue;
            sb.Append(rune);
        }
        return sb.ToString();
    }

    private sealed class Table
    {
        public Dictionary<int, int> Classes { get; } = [];

        /// <summary>Full (recursively applied) canonical decompositions.</summary>
        public Dictionary<int, int[]> Decompositions { get; } = [];

        public static Table Load()
        {
            var table = new Table();
            var direct = new Dictionary<int, int[]>();
            using var stream = typeof(UnicodeNfd).Assembly.GetManifestResourceStream("MLRoadmap.Text.nfd-data.txt")
                ?? throw new InvalidOperationException("the embedded NFD table (MLRoadmap.Text.nfd-data.txt) is missing");
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0 || line[0] == '#') continue;
                var parts = line.Split(';');
                var cp = int.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var ccc = int.Parse(parts[1], CultureInfo.InvariantCulture);
                if (ccc != 0) table.Classes[cp] = ccc;
                if (parts[2].Length > 0)
                    direct[cp] = Array.ConvertAll(parts[2].Split(' '),
                        h => int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
            foreach (var cp in direct.Keys)
            {
                var full = new List<int>();
                Expand(cp, direct, full);
                table.Decompositions[cp] = [.. full];
            }
            return table;
        }

        private static void Expand(int cp, Dictionary<int, int[]> direct, List<int> into)
        {
            if (direct.TryGetValue(cp, out var parts))
                foreach (var p in parts) Expand(p, direct, into);
            else
                into.Add(cp);
        }
    }
}
