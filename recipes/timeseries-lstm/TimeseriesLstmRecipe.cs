using System.Globalization;
using MLRoadmap.Data;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TimeseriesLstm;

/// <summary>
/// timeseries-lstm: an LSTM forecasting the next 24 hours of Seattle's hourly temperature from the previous 7 days,
/// or any CSV with a time and a value column by <c>data.path</c>; the README beside this file has the numbers.
/// The series is split chronologically into training, validation and test periods; predict reads the last window of
/// a CSV file and prints the forecast with its times.
/// </summary>
public sealed class TimeseriesLstmRecipe : ForecastRecipe<TimeseriesLstmConfig>
{
    public override string Name => "timeseries-lstm";

    public override string Description => "LSTM forecasting the next 24 h of Seattle's hourly temperature from the previous 7 days (any time/value CSV by data.path)";

    public override string Monitor => "val_rmse";

    public override MonitorMode MonitorMode => MonitorMode.Min;

    /// <summary>The module, standardised by the training period of <c>data.path</c> when that file exists. Without
    /// it (predicting elsewhere), the statistics stay 0 and 1 until the checkpoint's buffers replace them, as they do
    /// in eval and predict anyway.</summary>
    public override TrainingModule CreateModule(TimeseriesLstmConfig config)
    {
        Check(config);
        var module = new ForecastModule(config);
        try
        {
            if (File.Exists(config.Data.Path))
            {
                var series = Read(config, config.Data.Path!);
                var (train, _, _) = SeriesWindows.Split(series.Count, config.Data.ValFraction, config.Data.TestFraction);
                var (mean, std, changeStd) = Statistics(series.Values, train, config.Data.Season);
                module.SetStatistics(mean, std, changeStd);
            }
            return module;
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    // Mean and standard deviation (numpy's np.std, ddof 0) of the training period's values, and the standard deviation
    // of their change over one season within it: nothing later shapes the model.
    private static (double Mean, double Std, double ChangeStd) Statistics(IReadOnlyList<double> values, SplitRange train, int season)
    {
        var part = values.Skip(train.Start).Take(train.End - train.Start).ToArray();
        var change = part.Skip(season).Zip(part, (now, before) => now - before).ToArray();
        return (part.Average(), Std(part), Std(change));

        static double Std(double[] x)
        {
            if (x.Length == 0) return 1;
            var mean = x.Average();
            var std = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Length);
            return std > 0 ? std : 1;
        }
    }

    public override RecipeData LoadData(TimeseriesLstmConfig config, DataSplits splits)
    {
        Check(config);
        var d = config.Data;
        var series = Read(config, d.Path!);
        var (train, val, test) = SeriesWindows.Split(series.Count, d.ValFraction, d.TestFraction);
        var starts = new[] { (train, "training"), (val, "validation"), (test, "test") }
            .Select(s => (Starts: SeriesWindows.Starts(s.Item1, d.Window, d.Horizon), Range: s.Item1, What: s.Item2))
            .ToArray();
        foreach (var (s, range, what) in starts)
            if (s.Length == 0)
                throw new InvalidDataException(
                    $"{d.Path}: too few rows: the {what} period holds steps {range.Start}-{range.End - 1} of {series.Count}, no room for one window " +
                    $"of {d.Window} + {d.Horizon} steps (data.window + data.horizon); give a longer series or smaller windows");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Name}: {d.Path}: time column '{series.TimeColumn}', value column '{series.ValueColumn}'{(d.ConvertsFahrenheit ? " (°F converted to °C)" : "")}; " +
            $"{series.Count} steps of {series.Step} from {TimeSeries.Format(series.Times[0])} to {TimeSeries.Format(series.Times[^1])}" +
            $"{(series.Filled > 0 ? $", {series.Filled} missing filled by interpolation" : "")}; " +
            $"windows: {starts[0].Starts.Length} training, {starts[1].Starts.Length} validation, {starts[2].Starts.Length} test"));

        using var data = new RecipeDataBuilder();
        using var features = SeriesWindows.Features(series.Times, series.Values, config.Model.CalendarFeatures);   // (L, F)
        TensorDataset Set(int i) => data.Own(SeriesWindows.Windows(features, starts[i].Starts, d.Window, d.Horizon));
        if (splits.HasFlag(DataSplits.Train)) data.Train = new DataLoader(Set(0), Options(config, shuffle: true));
        if (splits.HasFlag(DataSplits.Val)) data.Val = new DataLoader(Set(1), Options(config, shuffle: false));
        if (splits.HasFlag(DataSplits.Test)) data.Test = new DataLoader(Set(2), Options(config, shuffle: false));
        return data.Build();
    }

    // The shuffle is seeded by the run's seed, so a resumed run continues it exactly.
    private static DataLoaderOptions Options(TimeseriesLstmConfig config, bool shuffle) => new()
    {
        BatchSize = config.Data.BatchSize,
        Shuffle = shuffle,
        Seed = config.Seed,
        Workers = config.Data.Workers,
        PinMemory = !config.Trainer.Device.StartsWith("cpu", StringComparison.Ordinal),
    };

    /// <summary>Each input is a CSV file with the training data's columns; its last <c>data.window</c> steps (after
    /// sorting and filling gaps as in training) are the model's input. Rows: the features (N, window, F), and the
    /// last time and the step as ticks (N, 3: ticks, step ticks, 1 for UTC) for <see cref="DecodeForecasts"/>.</summary>
    public override PredictionInputs ReadInputs(TimeseriesLstmConfig config, IReadOnlyList<string> inputs)
    {
        Check(config);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("no inputs to predict: give CSV files holding at least the last window of the series", nameof(inputs));
        var w = config.Data.Window;
        using var scope = Torch.NewDisposeScope();
        var windows = new List<Tensor>();
        var times = new List<long>();
        foreach (var path in inputs)
        {
            var series = Read(config, path);
            if (series.Count < w)
                throw new InvalidDataException($"{path}: {series.Count} steps of {series.Step}{(series.Filled > 0 ? $" ({series.Filled} filled)" : "")}, " +
                                               $"but the model reads the last {w} (data.window)");
            var first = series.Count - w;
            windows.Add(SeriesWindows.Features(series.Times.Skip(first).ToList(), series.Values.Skip(first).ToList(), config.Model.CalendarFeatures).Unsqueeze(0));
            var last = series.Times[^1];
            times.AddRange([last.Ticks, series.Step.Ticks, last.Kind == DateTimeKind.Utc ? 1 : 0]);
        }
        var rows = new TensorDataset(
            Torch.Cat([.. windows], 0).DetachFromDisposeScope(),                                   // (N, W, F)
            Torch.Tensor(times.ToArray(), [inputs.Count, 3]).DetachFromDisposeScope());            // (N, 3)
        return new PredictionInputs(rows, inputs.Select(Path.GetFileName).Select(n => n!).ToList());
    }

    public override IReadOnlyList<Forecast> DecodeForecasts(TimeseriesLstmConfig config, PredictionInputs inputs, Tensor outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var n = inputs.Names.Count;
        if (outputs.Dim != 2 || outputs.Size(0) != n)
            throw new ArgumentException($"expected forecasts of shape [{n}, horizon], got [{string.Join(", ", outputs.Shape)}]", nameof(outputs));
        using var scope = Torch.NewDisposeScope();
        var h = (int)outputs.Size(1);
        var values = outputs.To(ScalarType.Float64).Contiguous().ToArray<double>();
        var times = inputs.Rows.Tensors[1].Contiguous().ToArray<long>();
        var result = new Forecast[n];
        for (var i = 0; i < n; i++)
        {
            var kind = times[i * 3 + 2] == 1 ? DateTimeKind.Utc : DateTimeKind.Unspecified;
            var last = new DateTime(times[i * 3], kind);
            var step = TimeSpan.FromTicks(times[i * 3 + 1]);
            result[i] = new Forecast(inputs.Names[i], Enumerable.Range(0, h).Select(k => new ForecastStep(last + (k + 1) * step, values[i * h + k])).ToList());
        }
        return result;
    }

    private static TimeSeries Read(TimeseriesLstmConfig config, string path) =>
        TimeSeries.Read(path, config.Data.TimeColumn, config.Data.ValueColumn, config.Data.MaxGap,
            config.Data.ConvertsFahrenheit ? f => (f - 32) * 5 / 9 : null);

    // What one key's bounds cannot say.
    private static void Check(TimeseriesLstmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = config.Data;
        if (d.Season > d.Window)
            throw new ConfigException($"data.season={d.Season} is longer than data.window={d.Window}: the seasonal-naive baseline needs a whole season of input");
        if (d.ValFraction + d.TestFraction >= 0.9)
            throw new ConfigException($"data.val_fraction + data.test_fraction = {d.ValFraction + d.TestFraction} leaves less than 10% of the series to train on");
        if (string.IsNullOrEmpty(d.Path)) throw new ConfigException("data.path is not set: name a CSV file with a time and a value column");
    }
}
