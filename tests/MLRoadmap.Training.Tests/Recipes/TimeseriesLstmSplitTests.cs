using System.Globalization;
using MLRoadmap.Recipes.TimeseriesLstm;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Recipes;

/// <summary>timeseries-lstm's chronological split, in process: no window of the training period reads or forecasts a
/// later step, and changing every validation and test value changes neither the training batches nor the
/// standardisation statistics.</summary>
[Collection(SerialTests.Name)]
public sealed class TimeseriesLstmSplitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mlr-timeseries-split-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(1000, 168, 24, 0.15, 0.15)]
    [InlineData(777, 50, 7, 0.2, 0.1)]
    public void Windows_of_each_split_forecast_only_their_period_and_training_reads_nothing_later(int count, int window, int horizon, double val, double test)
    {
        var (trainRange, valRange, testRange) = SeriesWindows.Split(count, val, test);
        Assert.Equal((int)Math.Round(count * (1 - val - test)), trainRange.End);
        Assert.Equal((trainRange.End, (int)Math.Round(count * (1 - test))), (valRange.Start, valRange.End));
        Assert.Equal((valRange.End, count), (testRange.Start, testRange.End));
        foreach (var range in new[] { trainRange, valRange, testRange })
        {
            var starts = SeriesWindows.Starts(range, window, horizon);
            Assert.NotEmpty(starts);
            Assert.All(starts, s => Assert.True(s >= 0 && s + window >= range.Start && s + window + horizon <= range.End, $"start {s} in {range}"));
            // Every window whose forecast fits in the period is there, once.
            Assert.Equal(range.End - horizon - Math.Max(range.Start, window) + 1, starts.Length);
            Assert.Equal(starts.Length, starts.Distinct().Count());
        }
        // Training windows: inputs and targets both end before validation starts.
        Assert.Equal(trainRange.End - 1, SeriesWindows.Starts(trainRange, window, horizon).Max() + window + horizon - 1);
    }

    [Fact]
    public void Changing_the_future_changes_neither_training_batches_nor_statistics()
    {
        var recipe = new TimeseriesLstmRecipe();
        var csvA = Write("a.csv", _ => 0);
        var csvB = Write("b.csv", i => i >= 700 ? 1000 + i : 0);   // 1000 rows: validation starts at row 700
        var (batchesA, statsA) = TrainingView(recipe, csvA);
        var (batchesB, statsB) = TrainingView(recipe, csvB);
        Assert.Equal(statsA, statsB);
        Assert.Equal(batchesA.Count, batchesB.Count);
        for (var i = 0; i < batchesA.Count; i++) Assert.Equal(batchesA[i], batchesB[i]);

        // And the change does reach validation: the same view of the validation loader differs.
        Assert.NotEqual(ValidationTargets(recipe, csvA), ValidationTargets(recipe, csvB));
    }

    private string Write(string name, Func<int, double> future)
    {
        var start = new DateTime(2020, 1, 1);
        var lines = new List<string> { "date,temp" };
        for (var i = 0; i < 1000; i++)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{start.AddHours(i):yyyy-MM-dd HH:mm},{10 + 3 * Math.Sin(i / 3.0) + future(i)}"));
        var path = Path.Combine(_root, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static TimeseriesLstmConfig Config(string path) => new()
    {
        Seed = 3,
        Data = new SeriesData { Path = path, FahrenheitToCelsius = false, Window = 48, Workers = 0, BatchSize = 100 },
    };

    private static (List<float[]> Batches, string Stats) TrainingView(TimeseriesLstmRecipe recipe, string path)
    {
        var config = Config(path);
        using var module = recipe.CreateModule(config);
        using var state = module.StateDict();
        var stats = string.Join(", ", new[] { "value_mean", "value_std", "change_std" }.Select(k => state[k].Item<float>().ToString("R", CultureInfo.InvariantCulture)));
        using var data = recipe.LoadData(config, DataSplits.Train);
        var batches = new List<float[]>();
        foreach (var batch in data.Train!)
        {
            using (batch)
            {
                batches.Add([.. batch.Input.Contiguous().ToArray<float>(), .. batch.Target.Contiguous().ToArray<float>()]);
            }
        }
        return (batches, stats);
    }

    private static float[] ValidationTargets(TimeseriesLstmRecipe recipe, string path)
    {
        using var data = recipe.LoadData(Config(path), DataSplits.Val);
        var targets = new List<float>();
        foreach (var batch in data.Val!)
            using (batch) targets.AddRange(batch.Target.Contiguous().ToArray<float>());
        return [.. targets];
    }
}
