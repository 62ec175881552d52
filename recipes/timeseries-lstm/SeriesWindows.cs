using MLRoadmap.Data;

namespace MLRoadmap.Recipes.TimeseriesLstm;

/// <summary>Which steps of a series each split forecasts: [Start, End), chronological, train first.</summary>
public readonly record struct SplitRange(int Start, int End);

/// <summary>
/// Windows over a series: the model reads <c>window</c> steps of features and forecasts the <c>horizon</c> values
/// after them. A window belongs to the split that holds all its forecast steps, and may read history from earlier
/// splits (a forecaster on the validation or test period knows the past); training windows read and forecast training
/// steps only, so no later value reaches training. Windows start at every step.
/// </summary>
public static class SeriesWindows
{
    /// <summary>Features per step: the value, then with <paramref name="calendar"/> the hour of day and day of year
    /// as sine and cosine (so 23:00 is next to 00:00 and 31 December to 1 January).</summary>
    public static int FeatureCount(bool calendar) => calendar ? 5 : 1;

    /// <summary>(L, F) float32 features of every step.</summary>
    public static Tensor Features(IReadOnlyList<DateTime> times, IReadOnlyList<double> values, bool calendar)
    {
        var f = FeatureCount(calendar);
        var data = new float[values.Count * f];
        for (var i = 0; i < values.Count; i++)
        {
            data[i * f] = (float)values[i];
            if (!calendar) continue;
            var t = times[i];
            var day = 2 * Math.PI * t.TimeOfDay.TotalHours / 24;
            var year = 2 * Math.PI * (t.DayOfYear - 1 + t.TimeOfDay.TotalHours / 24) / 365.25;
            data[i * f + 1] = (float)Math.Sin(day);
            data[i * f + 2] = (float)Math.Cos(day);
            data[i * f + 3] = (float)Math.Sin(year);
            data[i * f + 4] = (float)Math.Cos(year);
        }
        return Torch.Tensor(data, [values.Count, f]);
    }

    /// <summary>The train, validation and test ranges of a series of <paramref name="count"/> steps: the last
    /// <paramref name="testFraction"/> is test, the <paramref name="valFraction"/> before it validation.</summary>
    public static (SplitRange Train, SplitRange Val, SplitRange Test) Split(int count, double valFraction, double testFraction)
    {
        var valStart = (int)Math.Round(count * (1 - valFraction - testFraction));
        var testStart = (int)Math.Round(count * (1 - testFraction));
        return (new SplitRange(0, valStart), new SplitRange(valStart, testStart), new SplitRange(testStart, count));
    }

    /// <summary>The first input step of every window whose forecast lies in <paramref name="range"/> (its input
    /// starting at step 0 or later).</summary>
    public static int[] Starts(SplitRange range, int window, int horizon)
    {
        var first = Math.Max(0, range.Start - window);
        var last = range.End - window - horizon;   // inclusive
        return last < first ? [] : Enumerable.Range(first, last - first + 1).ToArray();
    }

    /// <summary>A dataset of (window, F) inputs and (horizon) targets, one row per start.</summary>
    public static TensorDataset Windows(Tensor features, int[] starts, int window, int horizon)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = Torch.NewDisposeScope();
        var n = starts.Length;
        var begin = Torch.Tensor(starts.Select(s => (long)s).ToArray()).Unsqueeze(1);          // (N, 1)
        var inputIndex = begin.Add(Torch.Arange(window, ScalarType.Int64).Unsqueeze(0));       // (N, W)
        var targetIndex = begin.Add(Torch.Arange(window, window + horizon, dtype: ScalarType.Int64).Unsqueeze(0));   // (N, H)
        var inputs = features.IndexSelect(0, inputIndex.Flatten()).Reshape(n, window, features.Size(1));
        var targets = features.Select(1, 0).IndexSelect(0, targetIndex.Flatten()).Reshape(n, horizon);
        return new TensorDataset(inputs.Contiguous().DetachFromDisposeScope(), targets.Contiguous().DetachFromDisposeScope());
    }
}
