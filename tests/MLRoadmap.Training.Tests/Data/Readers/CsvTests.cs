using System.Security.Cryptography;
using System.Text;
using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>RFC 4180 parsing against Python's csv module, every malformation named by file, line and column, and
/// tabular datasets (regression and classification) against pandas and sklearn's LabelEncoder.</summary>
public class CsvTests
{
    private const string Vega = "/usr/lib/python3/dist-packages/vega_datasets/_data";

    [Fact]
    public void Quoting_rules_of_RFC_4180()
    {
        var text = "a,b,c\r\n" +
                   "1,\"x, y\",\"say \"\"hi\"\"\"\r\n" +
                   "\n" +                                        // blank line: skipped
                   "2,\"two\nlines\",\r\n" +                     // embedded LF; last field empty
                   "\"\",,\"\"\n" +                              // quoted empty fields
                   "4,plain text ,\"\"\"\"";                     // no final line break; a lone quote
        var t = CsvTable.Parse(text, "mem.csv");
        Assert.Equal(["a", "b", "c"], t.Header);
        Assert.Equal(4, t.RowCount);
        Assert.Equal(["1", "x, y", "say \"hi\""], Row(t, 0));
        Assert.Equal(["2", "two\nlines", ""], Row(t, 1));
        Assert.Equal(["", "", ""], Row(t, 2));
        Assert.Equal(["4", "plain text ", "\""], Row(t, 3));
        Assert.Equal([2, 4, 6, 7], Enumerable.Range(0, 4).Select(t.LineOf));
        Assert.Equal(["x", "y"], CsvTable.Parse("x;y\n1;2", "m", ';').Header);
    }

    private static string[] Row(CsvTable t, int r) => Enumerable.Range(0, t.Header.Count).Select(c => t[r, c]).ToArray();

    public static TheoryData<string, string> Malformed() => new()
    {
        { "a,b\n1,\"open\n2,3\n", "f.csv: line 2, column 2: a quoted field is never closed" },
        { "a,b\n1,x\"y\n", "f.csv: line 2, column 2: a quote inside an unquoted field (quote the whole field and double the quote)" },
        { "a,b\n1,\"x\"y\n", "f.csv: line 2, column 2: 'y' after a closing quote (a quoted field must end at a delimiter or line end)" },
        { "a,b\n1,2\n3\n", "f.csv: line 3 has 1 fields but the header has 2" },
        { "a,b\n\"multi\nline\",2\n3,4,5\n", "f.csv: line 4 has 3 fields but the header has 2" },
        { "a,a\n1,2\n", "f.csv: line 1: the header names column 'a' twice" },
        { "\n\n", "f.csv: the file has no header row (it is empty)" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_csv_names_file_line_and_column(string text, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidDataException>(() => CsvTable.Parse(text, "f.csv")).Message);

    [Fact]
    public void A_non_numeric_cell_names_file_line_and_column()
    {
        using var dir = new TempDir();
        var path = dir.Write("t.csv", "x,y,label\n1,2,a\n\"3\",\"multi\nline\",b\n5,,a\n");
        var e = Assert.Throws<InvalidDataException>(() => TabularDataset.Read(path, "label"));
        Assert.Equal($"{path}: line 3, column 2 ('y'): the cell 'multi\nline' is not a number", e.Message);
        path = dir.Write("u.csv", "x,y,label\n1,2,a\n3,4,b\n5,,a\n");
        e = Assert.Throws<InvalidDataException>(() => TabularDataset.Read(path, "label"));
        Assert.Equal($"{path}: line 4, column 2 ('y'): the cell is empty (a missing value)", e.Message);
        Assert.Contains("no column named 'z'; the header has 'x', 'y', 'label'",
            Assert.Throws<ArgumentException>(() => TabularDataset.Read(path, "z")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_names_the_byte_offset()
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.csv", [.. "a,b\n1,"u8, 0xC3, 0x28, .. "\n"u8]);
        Assert.Equal($"{path}: invalid UTF-8 at byte 6 (bytes 0xC3 0x28 0x0A)",
            Assert.Throws<InvalidDataException>(() => CsvTable.Read(path)).Message);
    }

    [Fact]
    public void Airports_parse_as_Pythons_csv_module_does()
    {
        var expected = ReaderFixtures.Get("airports");
        var t = CsvTable.Read(Path.Combine(Vega, "airports.csv"));
        Assert.Equal(expected.GetProperty("rows").GetInt32(), t.RowCount);
        Assert.Equal(expected.GetProperty("header").EnumerateArray().Select(e => e.GetString()), t.Header);
        var records = new[] { string.Join('\u001f', t.Header) }
            .Concat(Enumerable.Range(0, t.RowCount).Select(r => string.Join('\u001f', Row(t, r))));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001e', records))));
        Assert.Equal(expected.GetProperty("sha256").GetString(), hash);
        foreach (var q in expected.GetProperty("with_commas").EnumerateArray())
            Assert.Equal(q.GetProperty("fields").EnumerateArray().Select(e => e.GetString()), Row(t, q.GetProperty("row").GetInt32()));
    }

    [Fact]
    public void String_targets_become_sorted_class_indices_as_LabelEncoder_does()
    {
        var expected = ReaderFixtures.Get("seattle_weather");
        var features = expected.GetProperty("features").EnumerateArray().Select(e => e.GetString()!).ToArray();
        using var ds = TabularDataset.Read(Path.Combine(Vega, "seattle-weather.csv"), "weather", features);
        Assert.True(ds.IsClassification);
        Assert.Equal(expected.GetProperty("classes").EnumerateArray().Select(e => e.GetString()), ds.ClassNames!);
        Assert.Equal(expected.GetProperty("rows").GetInt32(), ds.Count);
        Assert.Equal(features, ds.FeatureNames);
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(new long[] { ds.Count, 4 }, ds.Features.Shape);
        Assert.Equal(ScalarType.Float32, ds.Features.Dtype);
        Assert.Equal(ScalarType.Int64, ds.Target.Dtype);
        var counts = Enumerable.Range(0, ds.ClassNames!.Count).Select(k => ds.Target.Eq(k).Sum().Item<long>());
        Assert.Equal(ReaderFixtures.Longs(expected.GetProperty("counts")), counts);
        Assert.Equal(ReaderFixtures.Longs(expected.GetProperty("first_labels")), ds.Target.Narrow(0, 0, 10).ToArray<long>());
        var sums = ds.Features.To(ScalarType.Float64).Sum(0).ToArray<double>();
        var expectedSums = expected.GetProperty("feature_sums").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (var j = 0; j < 4; j++) Assert.Equal(expectedSums[j], sums[j], 1e-9 * Math.Abs(expectedSums[j]) + 1e-9);
    }

    [Fact]
    public void Numeric_targets_are_regression_unless_classification_is_asked_for()
    {
        using var dir = new TempDir();
        var path = dir.Write("r.csv", "f1,target,f2\n1,10,0.5\n2,-1e3,1.5\n3,2.5,2\n");
        using (var reg = TabularDataset.Read(path, "target"))
        {
            Assert.False(reg.IsClassification);
            Assert.Equal(["f1", "f2"], reg.FeatureNames);
            Assert.Equal(new float[] { 10, -1000, 2.5f }, reg.Target.ToArray<float>());
            Assert.Equal(new float[] { 1, 0.5f, 2, 1.5f, 3, 2 }, reg.Features.ToArray<float>());
            using var b = reg.GetBatch([2]);
            Assert.Equal(new float[] { 3, 2 }, b.Input.ToArray<float>());
        }
        path = dir.Write("c.csv", "x,cls\n0,10\n1,9\n2,10\n3,2\n");
        using (var cls = TabularDataset.Read(path, "cls", ["x"], TargetKind.Classification))
        {
            Assert.Equal(["2", "9", "10"], cls.ClassNames!);  // numeric labels sort by value
            Assert.Equal(new long[] { 2, 1, 2, 0 }, cls.Target.ToArray<long>());
        }
        Assert.Contains("column 'cls' is both the target and a feature",
            Assert.Throws<ArgumentException>(() => TabularDataset.Read(path, "cls", ["x", "cls"])).Message, StringComparison.Ordinal);
        path = dir.Write("e.csv", "x,cls\n0,a\n1,\n");
        Assert.Contains("column 'cls' has an empty label (first at line 3)",
            Assert.Throws<InvalidDataException>(() => TabularDataset.Read(path, "cls")).Message, StringComparison.Ordinal);
    }
}
