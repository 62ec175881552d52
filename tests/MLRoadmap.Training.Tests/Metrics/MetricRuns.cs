using MLRoadmap.Metrics;
using static MLRoadmap.Tests.Metrics.SklearnFixtures;

namespace MLRoadmap.Tests.Metrics;

/// <summary>How a test feeds a fixture case to a metric; each must end at sklearn's value.</summary>
public enum RunMode
{
    /// <summary>All batches, in order.</summary>
    Stream,

    /// <summary>Half the batches; StateDict; a new metric loads it (the old one and the dict are freed); the rest.</summary>
    Resume,

    /// <summary>Mismatched rows first, then Reset, then all batches.</summary>
    Reset,

    /// <summary>As Stream, with the class range checked the device way (counted, not thrown; see ClassInputs).</summary>
    DeviceChecks,
}

/// <summary>One fixture key made runnable: how to build its metric, what to feed it, and sklearn's value.</summary>
internal sealed record FixtureRun(string Case, string Key, string MetricKey, Func<Metric> Make, Tensor Preds, Tensor Target,
    int[] Batches, Tensor Expected, double Rtol);

/// <summary>Builds the metric a fixture key names and runs a case through it in a <see cref="RunMode"/>.</summary>
internal static class MetricRuns
{
    /// <summary>Key <c>metric[/input]</c> of a case: input <c>labels</c> feeds (N) class indices, <c>scores</c> or
    /// none the (N, C) probabilities (regression: the preds), <c>logits</c> the logits with fromLogits,
    /// <c>binary1d</c> the (N) probabilities of class 1. preds is a view of the fixture: dispose it, never write it.</summary>
    public static FixtureRun For(string caseName, string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var metricKey = slash < 0 ? key : key[..slash];
        var input = slash < 0 ? "" : key[(slash + 1)..];
        var regression = Meta(caseName).GetProperty("kind").GetString() == "regression";
        var classes = regression ? 0 : Classes(caseName);
        var preds = regression ? Get(caseName, "preds").Alias() : input switch
        {
            "labels" => Get(caseName, "labels").Alias(),
            "logits" => Get(caseName, "logits").Alias(),
            "binary1d" => Get(caseName, "probs").Select(1, 1),
            _ => Get(caseName, "probs").Alias(),
        };
        // float32 probabilities: sklearn computes in float32, the metric in float64 after clipping.
        var rtol = !regression && Get(caseName, "probs").Dtype == ScalarType.Float32 ? 1e-6 : 1e-9;
        return new FixtureRun(caseName, key, metricKey, () => Create(metricKey, classes, input == "logits"), preds,
            Get(caseName, "target"), Batches(caseName), Expected(caseName, key), rtol);
    }

    /// <summary>The metric for <paramref name="metricKey"/> (the key's part before '/') of a case with
    /// <paramref name="classes"/> classes; <paramref name="fromLogits"/> when the key's input is the logits.</summary>
    public static Metric Create(string metricKey, long classes, bool fromLogits)
    {
        var parts = metricKey.Split('_');
        switch (metricKey)
        {
            case "accuracy": return new Accuracy(classes);
            case "confusion_matrix": return new ConfusionMatrix(classes);
            case "log_loss": return new LogLoss(classes, fromLogits);
            case "roc_auc_binary": return new RocAuc(2, fromLogits: fromLogits);
            case "mse": return new MeanSquaredError();
            case "rmse": return new RootMeanSquaredError();
            case "mae": return new MeanAbsoluteError();
            case "mape": return new MeanAbsolutePercentageError();
            case "r2": return new R2Score();
        }
        if (metricKey.StartsWith("roc_auc_", StringComparison.Ordinal))
            return new RocAuc(classes, Enum.Parse<Average>(parts[2], ignoreCase: true), fromLogits);
        if (metricKey.StartsWith("top", StringComparison.Ordinal))
            return new TopKAccuracy(long.Parse(parts[0][3..], System.Globalization.CultureInfo.InvariantCulture), classes);
        var average = parts[^1] == "class" ? Average.Macro : Enum.Parse<Average>(parts[^1], ignoreCase: true);
        return parts[0] switch
        {
            "precision" => new Precision(classes, average),
            "recall" => new Recall(classes, average),
            "f1" => new F1Score(classes, average),
            _ => throw new ArgumentException($"no metric for fixture key {metricKey}"),
        };
    }

    /// <summary>Feeds the case to <paramref name="make"/>'s metric as <paramref name="mode"/> says and returns the
    /// metric that saw the data (the caller disposes it).</summary>
    public static Metric Run(Func<Metric> make, Tensor preds, Tensor target, int[] batches, RunMode mode)
    {
        var metric = make();
        var previous = ClassInputs.DeferRangeChecks;
        ClassInputs.DeferRangeChecks = mode == RunMode.DeviceChecks;
        try
        {
            switch (mode)
            {
                case RunMode.Resume:
                    var half = batches.Length / 2;
                    Stream(metric, preds, target, batches, 0, half);
                    var resumed = make();
                    using (Torch.NewDisposeScope())
                    {
                        var state = metric.StateDict();
                        metric.Dispose();
                        resumed.LoadStateDict(state);
                    }
                    metric = resumed;
                    Stream(metric, preds, target, batches, half);
                    break;
                case RunMode.Reset:
                    // Predictions of the first half paired with the targets of the second: other statistics.
                    var m = preds.Size(0) / 2;
                    using (Torch.NewDisposeScope()) metric.Update(preds.Narrow(0, 0, m), target.Narrow(0, preds.Size(0) - m, m));
                    metric.Reset();
                    Stream(metric, preds, target, batches);
                    break;
                default:
                    Stream(metric, preds, target, batches);
                    break;
            }
            return metric;
        }
        catch
        {
            metric.Dispose();
            throw;
        }
        finally
        {
            ClassInputs.DeferRangeChecks = previous;
        }
    }
}
