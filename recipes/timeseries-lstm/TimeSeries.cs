using System.Globalization;
using System.Text.RegularExpressions;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TimeseriesLstm;

/// <summary>
/// A regular time series read from a CSV file: one value per step, times sorted and evenly spaced. Reading picks the
/// time and value columns (by name, or detected), parses every row, sorts by time, finds the sampling step (the
/// most common spacing), refuses duplicate times and spacings that are not whole steps, and fills gaps of up to
/// <c>maxGap</c> missing steps by linear interpolation between their neighbours (longer gaps are refused). Every
/// refusal names the file, the column and the line.
/// </summary>
public sealed partial class TimeSeries
{
    private TimeSeries(string path, string timeColumn, string valueColumn, DateTime[] times, double[] values, TimeSpan step, int filled)
    {
        Path = path;
        TimeColumn = timeColumn;
        ValueColumn = valueColumn;
        Times = times;
        Values = values;
        Step = step;
        Filled = filled;
    }

    public string Path { get; }
    public string TimeColumn { get; }
    public string ValueColumn { get; }

    /// <summary>Evenly spaced by <see cref="Step"/>, oldest first.</summary>
    public IReadOnlyList<DateTime> Times { get; }

    public IReadOnlyList<double> Values { get; }

    public TimeSpan Step { get; }

    /// <summary>How many steps were missing and filled by interpolation.</summary>
    public int Filled { get; }

    public int Count => Values.Count;

    /// <summary>Reads <paramref name="path"/>. <paramref name="timeColumn"/> and <paramref name="valueColumn"/> null
    /// detect them: a column named <c>date</c> (else <c>time</c>, <c>timestamp</c>, <c>datetime</c>) or the first whose
    /// first row is a date; <c>temp</c> (else <c>value</c>) or the first other column whose first row is a number.
    /// <paramref name="convert"/> maps each value (a unit conversion) as it is read.</summary>
    public static TimeSeries Read(string path, string? timeColumn, string? valueColumn, int maxGap, Func<double, double>? convert = null)
    {
        var table = Csv.Read(path);
        if (table.Rows.Count == 0) throw new InvalidDataException($"{path}: the header has no rows under it");
        var t = Column(table, timeColumn, "data.time_column", ["date", "time", "timestamp", "datetime"], c => TryParseTime(c, out _), "a date or time");
        var v = Column(table, valueColumn, "data.value_column", ["temp", "value"],
            c => TryParseValue(c, out _), "a number", exclude: t);
        var name = table.Header;
        var rows = new (DateTime Time, double Value, int Line)[table.Rows.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = table.Rows[i];
            if (!TryParseTime(row.Cells[t], out var time))
                throw new InvalidDataException($"{path} line {row.Line}, column '{name[t]}': '{row.Cells[t]}' is not a date or time " +
                                               "(year first: 2010-01-31, 2010-01-31T13:00:00, 2010/01/31 13:00; an offset or Z is converted to UTC)");
            if (!TryParseValue(row.Cells[v], out var value))
                throw new InvalidDataException($"{path} line {row.Line}, column '{name[v]}': '{row.Cells[v]}' is not a number");
            rows[i] = (time, convert is null ? value : convert(value), row.Line);
        }
        // A stable sort keeps equal times in file order, so a duplicate is reported at its two lines.
        var sorted = rows.OrderBy(r => r.Time).ToArray();
        return Regularise(path, name[t], name[v], sorted, maxGap);
    }

    private static TimeSeries Regularise(string path, string timeName, string valueName, (DateTime Time, double Value, int Line)[] rows, int maxGap)
    {
        for (var i = 1; i < rows.Length; i++)
            if (rows[i].Time == rows[i - 1].Time)
                throw new InvalidDataException($"{path}: lines {rows[i - 1].Line} and {rows[i].Line} have the same time {Format(rows[i].Time)} " +
                                               $"in column '{timeName}' (remove or average duplicates)");
        if (rows.Length < 2) throw new InvalidDataException($"{path}: a single row has no sampling step; a series needs many rows");
        var step = rows.Zip(rows.Skip(1), (a, b) => b.Time - a.Time).GroupBy(d => d).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        var times = new List<DateTime>(rows.Length);
        var values = new List<double>(rows.Length);
        var filled = 0;
        times.Add(rows[0].Time);
        values.Add(rows[0].Value);
        for (var i = 1; i < rows.Length; i++)
        {
            var gap = rows[i].Time - rows[i - 1].Time;
            if (gap.Ticks % step.Ticks != 0)
                throw new InvalidDataException($"{path} lines {rows[i - 1].Line} and {rows[i].Line}: {Format(rows[i - 1].Time)} to {Format(rows[i].Time)} " +
                                               $"is not a whole number of the series' step {step} (column '{timeName}')");
            var missing = (int)(gap.Ticks / step.Ticks) - 1;
            if (missing > maxGap)
                throw new InvalidDataException($"{path} lines {rows[i - 1].Line} and {rows[i].Line}: {missing} steps of {step} are missing between " +
                                               $"{Format(rows[i - 1].Time)} and {Format(rows[i].Time)}; data.max_gap fills at most {maxGap}");
            for (var k = 1; k <= missing; k++)
            {
                var w = (double)k / (missing + 1);
                times.Add(rows[i - 1].Time + k * step);
                values.Add((1 - w) * rows[i - 1].Value + w * rows[i].Value);
            }
            filled += missing;
            times.Add(rows[i].Time);
            values.Add(rows[i].Value);
        }
        return new TimeSeries(path, timeName, valueName, [.. times], [.. values], step, filled);
    }

    // The column named by the setting (an unknown name lists the header), else the first conventional name, else the
    // first column whose first row parses.
    private static int Column(CsvTable table, string? wanted, string key, string[] names, Func<string, bool> parses, string what, int exclude = -1)
    {
        var header = table.Header;
        if (wanted is not null)
        {
            var i = Array.IndexOf(header, wanted);
            if (i < 0) throw new InvalidDataException($"{table.Path}: no column '{wanted}' ({key}); the header has {string.Join(", ", header.Select(h => $"'{h}'"))}");
            if (i == exclude) throw new InvalidDataException($"{table.Path}: column '{wanted}' cannot be both the time and the value column");
            return i;
        }
        foreach (var name in names)
        {
            var i = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            if (i >= 0 && i != exclude) return i;
        }
        for (var i = 0; i < header.Length; i++)
            if (i != exclude && parses(table.Rows[0].Cells[i])) return i;
        throw new InvalidDataException($"{table.Path}: no column holds {what} on line {table.Rows[0].Line}; name it with {key} " +
                                       $"(the header has {string.Join(", ", header.Select(h => $"'{h}'"))})");
    }

    [GeneratedRegex(@"^\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(?<zone>Z|[+-]\d{2}:?\d{2})?$")]
    private static partial Regex TimePattern();

    /// <summary>Year-first dates and times only, so 01/02/2010 is never guessed as January or February. A time with an
    /// offset or Z is converted to UTC; one without is taken as written.</summary>
    public static bool TryParseTime(string text, out DateTime time)
    {
        time = default;
        var s = text.Trim();
        var m = TimePattern().Match(s);
        if (!m.Success || !DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        time = m.Groups["zone"].Success ? parsed.UtcDateTime : DateTime.SpecifyKind(parsed.DateTime, DateTimeKind.Unspecified);
        return true;
    }

    public static bool TryParseValue(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>ISO 8601, seconds included; UTC times end in Z.</summary>
    public static string Format(DateTime time) => Forecast.FormatTime(time);
}
