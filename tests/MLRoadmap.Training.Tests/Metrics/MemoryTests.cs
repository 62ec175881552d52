using MLRoadmap.Tests.Support;
using static MLRoadmap.Tests.Metrics.SklearnFixtures;

namespace MLRoadmap.Tests.Metrics;

/// <summary>
/// A metric owns exactly its state: streaming an epoch leaves the live-tensor count flat (ROC AUC: two kept copies
/// per batch until Compute folds them in), Compute and StateDict inside a scope leave nothing behind, and Dispose
/// returns the count to where it was. The batches handed to Update are private copies that are overwritten with
/// garbage and freed right after it returns, so a metric that kept a reference to one would end off sklearn's value
/// (or fail on a freed tensor). The count is process-wide, hence the serial collection.
/// </summary>
[Collection(SerialTests.Name)]
public class MemoryTests
{
    private static long Live()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        return Torch.LiveTensorCount;
    }

    [Theory]
    [MemberData(nameof(StateDictTests.OnePerMetric), MemberType = typeof(StateDictTests))]
    public void A_metric_owns_its_state_and_nothing_else(string caseName, string key)
    {
        using var fixtureScope = Torch.NewDisposeScope();
        var run = MetricRuns.For(caseName, key);
        var keepsBatches = run.MetricKey.StartsWith("roc_auc", StringComparison.Ordinal);
        var baseline = Live();
        var metric = run.Make();
        var owned = Live();
        long start = 0;
        foreach (var size in run.Batches)
        {
            using (Torch.NewDisposeScope())
            {
                var preds = run.Preds.Narrow(0, start, size).Clone();
                var target = run.Target.Narrow(0, start, size).Clone();
                metric.Update(preds, target);
                Assert.True(preds.Equal(run.Preds.Narrow(0, start, size)) && target.Equal(run.Target.Narrow(0, start, size)),
                    "Update wrote into its inputs");
                preds.Fill_(preds.Dtype.IsFloatingPoint() ? 0.5 : 1);
                target.Fill_(0);
            }
            start += size;
        }
        Assert.Equal(owned + (keepsBatches ? 2 * run.Batches.Length : 0), Live());
        double value;
        using (Torch.NewDisposeScope())
        {
            value = metric.Compute();
            _ = metric.StateDict();
        }
        Assert.Equal(owned, Live());
        Close(value, run.Expected.Item<double>(), run.Rtol, $"{caseName} {key} from overwritten, freed batches");
        metric.Dispose();
        Assert.Equal(baseline, Live());
    }
}
