using System.Text;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>
/// A corpus of text items (fortunes, or paragraphs of plain text) and its fixed split into training, validation and
/// test items. Each item keeps the separator that ends it in its source ("%\n" after a fortune, "\n" after a
/// paragraph, giving the blank line), so a split's text is its items concatenated and a model learns where items end.
/// </summary>
public sealed class TextCorpus
{
    /// <summary>Fortune categories left out of a fortunes folder: <c>ascii-art</c> holds pictures drawn with
    /// characters, laid out in two dimensions, not language; its runs of slashes and spaces would teach a left-to-right
    /// model little and move its bits per character by how many of them a split happens to get. (<c>art</c> stays: it
    /// is prose about art.)</summary>
    public static IReadOnlyList<string> ExcludedFortuneFiles { get; } = ["ascii-art"];

    private TextCorpus(IReadOnlyList<string> items, string boundary, string source)
    {
        Items = items;
        Boundary = boundary;
        Source = source;
    }

    /// <summary>Every item, in source order, each ending with its separator.</summary>
    public IReadOnlyList<string> Items { get; }

    /// <summary>What precedes the start of an item ("%\n" in fortunes, "\n\n" in paragraphs of text): generation from
    /// an empty prompt, or any prompt, starts after it, as a new item would.</summary>
    public string Boundary { get; }

    /// <summary>The path read.</summary>
    public string Source { get; }

    /// <summary>
    /// Reads <paramref name="path"/>: a text file, or a folder. A folder holding <c>.txt</c> files (at any depth) is read
    /// as those; otherwise as a fortunes folder: every file but <c>*.dat</c> (strfile's indexes), <c>*.u8</c> (links to
    /// the same text) and <see cref="ExcludedFortuneFiles"/>. Files are read in ordinal path order, as strict UTF-8. A file
    /// with lines holding only <c>%</c> is split at them (the fortune format), any other at blank lines. Line endings
    /// become "\n"; a backspace removes the character before it (old fortunes underline and embolden by overstriking,
    /// "_\bx"), and other control characters but newline and tab (bells) are dropped. <paramref name="limit"/> keeps the first N items (smoke tests).
    /// </summary>
    public static TextCorpus Read(string path, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var files = Files(path);
        var items = new List<string>();
        string? boundary = null;
        foreach (var file in files)
        {
            var text = Clean(ReadUtf8(file));
            var fortunes = text.Split('\n').Any(l => l == "%");
            boundary ??= fortunes ? "%\n" : "\n\n";
            items.AddRange(fortunes ? SplitFortunes(text) : SplitParagraphs(text));
            if (limit is { } n && items.Count >= n) break;
        }
        if (limit is { } max && items.Count > max) items.RemoveRange(max, items.Count - max);
        if (items.Count == 0)
            throw new InvalidDataException($"{path}: no text to train on ({files.Count} file(s) read, all empty or whitespace)");
        return new TextCorpus(items, boundary!, path);
    }

    /// <summary>The items split at random, by <paramref name="seed"/> alone, into training, validation and test
    /// items (each kept in source order); at least one validation item, and one test item when its fraction is above 0.</summary>
    public (List<string> Train, List<string> Val, List<string> Test) Split(double valFraction, double testFraction, ulong seed)
    {
        if (valFraction is <= 0 or >= 1 || testFraction is < 0 or >= 1 || valFraction + testFraction >= 1)
            throw new ArgumentException($"validation ({valFraction}) and test ({testFraction}) fractions must be in (0, 1) and [0, 1), summing below 1");
        var n = Items.Count;
        var nVal = Math.Max(1, (int)Math.Round(n * valFraction));
        var nTest = testFraction > 0 ? Math.Max(1, (int)Math.Round(n * testFraction)) : 0;
        if (nVal + nTest >= n)
            throw new InvalidDataException($"{Source}: {n} item(s) are too few to split into training, validation ({nVal}) and test ({nTest}) items");
        // Fisher-Yates with .NET's seeded Random, whose sequence for a given seed is fixed across versions.
        var order = Enumerable.Range(0, n).ToArray();
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        for (var i = n - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        List<string> Take(int start, int count) => [.. order.Skip(start).Take(count).Order().Select(i => Items[i])];
        return (Take(nVal + nTest, n - nVal - nTest), Take(0, nVal), Take(nVal, nTest));
    }

    private static List<string> Files(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path))
            throw new FileNotFoundException($"data.path {path} does not exist (apt-get install fortunes, or give a UTF-8 text file or a folder of .txt files)", path);
        var txt = Directory.EnumerateFiles(path, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (txt.Count > 0) return txt;
        var fortunes = Directory.EnumerateFiles(path)
            .Where(f => !f.EndsWith(".dat", StringComparison.Ordinal) && !f.EndsWith(".u8", StringComparison.Ordinal))
            .Where(f => !ExcludedFortuneFiles.Contains(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal).ToList();
        return fortunes.Count > 0 ? fortunes
            : throw new InvalidDataException($"{path} holds no .txt files and no fortune files");
    }

    private static string ReadUtf8(string file)
    {
        var bytes = File.ReadAllBytes(file);
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{file}: not UTF-8 (invalid bytes at offset {e.Index})", e);
        }
    }

    private static string Clean(string text)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];   // a byte order mark is not text
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n') continue;
                c = '\n';
            }
            if (c == '\b')
            {
                // Overstrike ("_\bx" underlined, "x\bx" bold): the character printed last is the one that shows.
                if (sb.Length > 0 && sb[^1] != '\n') sb.Length--;
                continue;
            }
            if (char.IsControl(c) && c is not ('\n' or '\t')) continue;
            sb.Append(c);
        }
        return sb.ToString();
    }

    // "a\nb\n%\nc\n%\n" → ["a\nb\n%\n", "c\n%\n"]; text after the last % is an item too.
    private static IEnumerable<string> SplitFortunes(string text)
    {
        var body = new StringBuilder();
        foreach (var line in Lines(text))
        {
            if (line == "%")
            {
                if (body.ToString().Trim().Length > 0) yield return body.Append("%\n").ToString();
                body.Clear();
                continue;
            }
            body.Append(line).Append('\n');
        }
        if (body.ToString().Trim().Length > 0) yield return body.Append("%\n").ToString();
    }

    // Paragraphs: runs of non-blank lines, each ending "\n" plus one "\n" for the blank line after it.
    private static IEnumerable<string> SplitParagraphs(string text)
    {
        var body = new StringBuilder();
        foreach (var line in Lines(text))
        {
            if (line.Trim().Length == 0)
            {
                if (body.Length > 0) yield return body.Append('\n').ToString();
                body.Clear();
                continue;
            }
            body.Append(line).Append('\n');
        }
        if (body.Length > 0) yield return body.Append('\n').ToString();
    }

    private static IEnumerable<string> Lines(string text)
    {
        var lines = text.Split('\n');
        // A final "\n" ends the last line rather than starting an empty one.
        var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++) yield return lines[i];
    }
}
