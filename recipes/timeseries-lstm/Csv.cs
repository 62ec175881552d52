using System.Text;

namespace MLRoadmap.Recipes.TimeseriesLstm;

/// <summary>One data row of a CSV file: its cells and the line it starts on (1-based; the header is line 1).</summary>
public sealed record CsvRow(int Line, string[] Cells);

/// <summary>A CSV file's header and rows.</summary>
public sealed record CsvTable(string Path, string[] Header, IReadOnlyList<CsvRow> Rows);

/// <summary>
/// A small RFC 4180 reader: comma-separated, the first record is the header, fields may be double-quoted (holding
/// commas, line breaks and <c>""</c> for a quote), LF or CRLF line ends, an optional UTF-8 byte order mark. Blank lines
/// are skipped; a row whose cell count differs from the header's, or an unclosed quote, is refused naming the line.
/// </summary>
public static class Csv
{
    public static CsvTable Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        var records = Parse(path, File.ReadAllText(path, Encoding.UTF8));   // strips a BOM
        if (records.Count == 0) throw new InvalidDataException($"{path}: the file is empty (a CSV with a header line was expected)");
        var header = records[0].Cells.Select(c => c.Trim()).ToArray();
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i].Length == 0) throw new InvalidDataException($"{path} line {records[0].Line}: column {i + 1} of the header has no name");
            var first = Array.FindIndex(header, h => string.Equals(h, header[i], StringComparison.Ordinal));
            if (first < i) throw new InvalidDataException($"{path} line {records[0].Line}: the header names column '{header[i]}' twice");
        }
        foreach (var row in records.Skip(1))
            if (row.Cells.Length != header.Length)
                throw new InvalidDataException($"{path} line {row.Line}: {row.Cells.Length} cells, but the header has {header.Length} columns");
        return new CsvTable(path, header, records.Skip(1).ToList());
    }

    private static List<CsvRow> Parse(string path, string text)
    {
        var rows = new List<CsvRow>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        int line = 1, recordLine = 1, quoteLine = 0;
        bool quoted = false, wasQuoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') line++;
                    cell.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when cell.Length == 0 && !wasQuoted:
                    quoted = wasQuoted = true;
                    quoteLine = line;
                    break;
                case '"':
                    throw new InvalidDataException($"{path} line {line}: a quote inside an unquoted field (quote the whole field and double the quote)");
                case ',':
                    EndCell();
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\n':
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    if (wasQuoted && !char.IsWhiteSpace(c))
                        throw new InvalidDataException($"{path} line {line}: text after a quoted field's closing quote");
                    if (!wasQuoted) cell.Append(c);
                    break;
            }
        }
        if (quoted) throw new InvalidDataException($"{path} line {quoteLine}: a quoted field is never closed");
        EndRecord();
        return rows;

        void EndCell()
        {
            cells.Add(cell.ToString());
            cell.Clear();
            wasQuoted = false;
        }

        void EndRecord()
        {
            EndCell();
            if (cells.Count > 1 || cells[0].Trim().Length > 0) rows.Add(new CsvRow(recordLine, [.. cells]));
            cells.Clear();
        }
    }
}
