using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>Sliding windows: counts, contents of input and target windows, column selection, and the real Seattle
/// hourly temperatures against numpy slicing.</summary>
public class TimeSeriesTests
{
    [Fact]
    public void Windows_hold_the_right_steps_and_columns()
    {
        // series[t, c] = 100·t + c, so every value says where it came from.
        using var scope = Torch.NewDisposeScope();
        var series = Torch.Arange(20, ScalarType.Float32).Unsqueeze(1) * 100 + Torch.Arange(3, ScalarType.Float32).Unsqueeze(0);
        using var ds = new TimeSeriesDataset(series, window: 4, horizon: 2, stride: 3, inputColumns: [2, 0], targetColumns: [1]);
        Assert.Equal((20 - 4 - 2) / 3 + 1, ds.Count);
        using var batch = ds.GetBatch([1, 4, 0]);
        Assert.Equal(new long[] { 3, 4, 2 }, batch.Input.Shape);
        Assert.Equal(new long[] { 3, 2, 1 }, batch.Target.Shape);
        float[] Inputs(int start) => Enumerable.Range(start, 4).SelectMany(t => new float[] { 100 * t + 2, 100 * t }).ToArray();
        float[] Targets(int start) => Enumerable.Range(start + 4, 2).Select(t => 100f * t + 1).ToArray();
        Assert.Equal(Inputs(3).Concat(Inputs(12)).Concat(Inputs(0)), batch.Input.ToArray<float>());
        Assert.Equal(Targets(3).Concat(Targets(12)).Concat(Targets(0)), batch.Target.ToArray<float>());
        // The last window starts at 12 and its target ends at step 17; steps 18 and 19 are left over (no whole window).
        using var last = ds.GetBatch([ds.Count - 1]);
        Assert.Equal(Targets(12), last.Target.ToArray<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.GetBatch([ds.Count]));
    }

    [Fact]
    public void Bad_configurations_are_refused()
    {
        using var scope = Torch.NewDisposeScope();
        var series = Torch.Zeros([10, 2]);
        Assert.Contains("shorter than one window of 9 plus a horizon of 2",
            Assert.Throws<ArgumentException>(() => new TimeSeriesDataset(series, 9, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("column 2 is outside the series' 2 columns",
            Assert.Throws<ArgumentOutOfRangeException>(() => new TimeSeriesDataset(series, 3, inputColumns: [2])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeSeriesDataset(series, 3, stride: 0));
        Assert.Throws<ArgumentException>(() => new TimeSeriesDataset(Torch.Zeros([10]), 3));
    }

    [Fact]
    public void Seattle_hourly_temperatures_load_and_window_as_numpy_slices_do()
    {
        var expected = ReaderFixtures.Get("seattle_temps");
        using var ds = TimeSeriesDataset.ReadCsv("/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-temps.csv", ["temp"],
            window: expected.GetProperty("window").GetInt32(), horizon: expected.GetProperty("horizon").GetInt32(),
            stride: expected.GetProperty("stride").GetInt32());
        Assert.Equal(expected.GetProperty("count").GetInt32(), ds.Count);
        Assert.Equal(["temp"], ds.ColumnNames!);
        foreach (var example in expected.GetProperty("examples").EnumerateArray())
        {
            using var b = ds.GetBatch([example.GetProperty("index").GetInt32()]);
            Assert.Equal(ReaderFixtures.Floats(example.GetProperty("inputs")), b.Input.ToArray<float>());
            Assert.Equal(ReaderFixtures.Floats(example.GetProperty("targets")), b.Target.ToArray<float>());
        }
    }

    [Fact]
    public void Csv_columns_by_name_with_separate_targets()
    {
        using var dir = new TempDir();
        var path = dir.Write("s.csv", "when,a,b,c\nmon,1,10,100\ntue,2,20,200\nwed,3,30,300\nthu,4,40,400\n");
        using var ds = TimeSeriesDataset.ReadCsv(path, ["c", "a"], window: 2, horizon: 1, targets: ["b"]);
        Assert.Equal(2, ds.Count);
        using var batch = ds.GetBatch([1]);
        Assert.Equal(new float[] { 200, 2, 300, 3 }, batch.Input.ToArray<float>());
        Assert.Equal(new float[] { 40 }, batch.Target.ToArray<float>());
        var bad = dir.Write("bad.csv", "when,a\nmon,1\ntue,x\n");
        Assert.Equal($"{bad}: line 3, column 2 ('a'): the cell 'x' is not a number",
            Assert.Throws<InvalidDataException>(() => TimeSeriesDataset.ReadCsv(bad, ["a"], 1)).Message);
    }
}
