using System.Globalization;
using System.Text;

namespace MLRoadmap.Data;

/// <summary>
/// A CSV file parsed per RFC 4180: a header row, then records of the same number of fields. Fields may be quoted
/// ("…"), with "" for a quote and with delimiters and line breaks inside; CRLF or LF line ends; blank lines are
/// skipped. Every malformed record is an <see cref="InvalidDataException"/> naming the file, line and column.
/// </summary>
public sealed class CsvTable
{
    private readonly List<string[]> _rows;
    private readonly List<int> _lines;

    private CsvTable(string file, string[] header, List<string[]> rows, List<int> lines)
    {
        File = file;
        Header = header;
        _rows = rows;
        _lines = lines;
    }

    /// <summary>The file it was read from (for messages).</summary>
    public string File { get; }

    public IReadOnlyList<string> Header { get; }

    /// <summary>Data records (the header excluded).</summary>
    public int RowCount => _rows.Count;

    /// <summary>Field <paramref name="column"/> of data record <paramref name="row"/>.</summary>
    public string this[int row, int column] => _rows[row][column];

    /// <summary>The 1-based line of the file where data record <paramref name="row"/> starts.</summary>
    public int LineOf(int row) => _lines[row];

    /// <summary>The index of the column named <paramref name="name"/> (exact match); the error lists the names.</summary>
    public int Column(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < Header.Count; i++)
            if (string.Equals(Header[i], name, StringComparison.Ordinal)) return i;
        throw new ArgumentException($"{File}: no column named '{name}'; the header has {string.Join(", ", Header.Select(h => $"'{h}'"))}", nameof(name));
    }

    /// <summary>The field as a number; a non-numeric or empty cell raises an error naming file, line and column.</summary>
    public double Number(int row, int column)
    {
        var text = _rows[row][column];
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return value;
        var why = text.Trim().Length == 0 ? "is empty (a missing value)" : $"'{text}' is not a number";
        throw new InvalidDataException($"{File}: line {LineOf(row)}, column {column + 1} ('{Header[column]}'): the cell {why}");
    }

    /// <summary>Reads and parses <paramref name="path"/> (UTF-8, a BOM is skipped).</summary>
    public static CsvTable Read(string path, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(TextCorpus.DecodeUtf8(System.IO.File.ReadAllBytes(path), path), path, delimiter);
    }

    /// <summary>Parses CSV text; <paramref name="file"/> names it in messages.</summary>
    public static CsvTable Parse(string text, string file, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(text);
        if (delimiter is '"' or '\r' or '\n') throw new ArgumentException($"'{delimiter}' cannot be a delimiter", nameof(delimiter));
        var records = new List<string[]>();
        var lines = new List<int>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, quoteLine = 0;
        bool quoted = false, inQuotes = false, afterQuote = false;

        void EndField()
        {
            fields.Add(field.ToString());
            field.Clear();
            quoted = afterQuote = false;
        }

        void EndRecord()
        {
            var wasQuoted = quoted;
            EndField();
            // A blank line is one empty unquoted field: skipped, not a record.
            if (!(fields.Count == 1 && fields[0].Length == 0 && !wasQuoted))
            {
                records.Add([.. fields]);
                lines.Add(recordLine);
            }
            fields.Clear();
        }

        InvalidDataException Error(string message) =>
            new($"{file}: line {line}, column {fields.Count + 1}: {message}");

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else { inQuotes = false; afterQuote = true; }
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                continue;
            }
            if (c == delimiter) { EndField(); continue; }
            if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                EndRecord();
                line++;
                recordLine = line;
                continue;
            }
            if (afterQuote) throw Error($"'{c}' after a closing quote (a quoted field must end at a delimiter or line end)");
            if (c == '"')
            {
                if (field.Length > 0) throw Error("a quote inside an unquoted field (quote the whole field and double the quote)");
                inQuotes = quoted = true;
                quoteLine = line;
                continue;
            }
            field.Append(c);
        }
        if (inQuotes) throw new InvalidDataException($"{file}: line {quoteLine}, column {fields.Count + 1}: a quoted field is never closed");
        if (field.Length > 0 || fields.Count > 0 || quoted) EndRecord();

        if (records.Count == 0) throw new InvalidDataException($"{file}: the file has no header row (it is empty)");
        var header = records[0];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in header)
            if (!seen.Add(name)) throw new InvalidDataException($"{file}: line {lines[0]}: the header names column '{name}' twice");
        for (var r = 1; r < records.Count; r++)
            if (records[r].Length != header.Length)
                throw new InvalidDataException($"{file}: line {lines[r]} has {records[r].Length} fields but the header has {header.Length}");
        return new CsvTable(file, header, records.GetRange(1, records.Count - 1), lines.GetRange(1, lines.Count - 1));
    }
}
