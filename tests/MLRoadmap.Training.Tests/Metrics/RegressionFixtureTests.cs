using static MLRoadmap.Tests.Metrics.SklearnFixtures;

namespace MLRoadmap.Tests.Metrics;

/// <summary>Every regression value in the sklearn fixture (MSE, RMSE, MAE, MAPE, R², uniform average over outputs),
/// reproduced by streaming the case in its uneven batches, in each <see cref="RunMode"/> but DeviceChecks (which
/// concerns class indices only).</summary>
public class RegressionFixtureTests
{
    public static TheoryData<string, string, RunMode> Cases()
    {
        var data = new TheoryData<string, string, RunMode>();
        foreach (var (c, key) in Keys("regression"))
            foreach (var mode in new[] { RunMode.Stream, RunMode.Resume, RunMode.Reset })
                data.Add(c, key, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_sklearn(string caseName, string key, RunMode mode)
    {
        using var scope = Torch.NewDisposeScope();
        var run = MetricRuns.For(caseName, key);
        using var metric = MetricRuns.Run(run.Make, run.Preds, run.Target, run.Batches, mode);
        Assert.Equal(key, metric.Name);
        Close(metric.Compute(), Expected(caseName, key).Item<double>(), 1e-9, $"{caseName} {key} ({mode})");
    }
}
