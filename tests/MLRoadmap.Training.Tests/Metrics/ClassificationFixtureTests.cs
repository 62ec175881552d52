using MLRoadmap.Metrics;
using static MLRoadmap.Tests.Metrics.SklearnFixtures;

namespace MLRoadmap.Tests.Metrics;

/// <summary>
/// Every classification value in the sklearn fixture, reproduced by streaming the case in its uneven batches (an
/// empty one, a single row, then random sizes), in each <see cref="RunMode"/>. Keys are
/// <c>metric[/input]</c>: input <c>labels</c> feeds (N) class indices, <c>scores</c> or none the (N, C)
/// probabilities, <c>logits</c> the logits with fromLogits, <c>binary1d</c> the (N) probabilities of class 1.
/// </summary>
public class ClassificationFixtureTests
{
    public static TheoryData<string, string, RunMode> Cases()
    {
        var data = new TheoryData<string, string, RunMode>();
        foreach (var (c, key) in Keys("classification"))
            foreach (var mode in Enum.GetValues<RunMode>())
                data.Add(c, key, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_sklearn(string caseName, string key, RunMode mode)
    {
        using var scope = Torch.NewDisposeScope();
        var run = MetricRuns.For(caseName, key);
        var inputs = new List<Tensor> { run.Preds };
        if (key == "roc_auc_binary") inputs.Add(run.Preds.Select(1, 1)); // (N) scores of class 1 as well as (N, 2)
        foreach (var p in inputs)
        {
            var what = $"{caseName} {key} from [{string.Join(", ", p.Shape)}] ({mode})";
            using var metric = MetricRuns.Run(run.Make, p, run.Target, run.Batches, mode);
            if (metric is ConfusionMatrix cm) Assert.Equal(run.Expected.ToArray<long>(), cm.Matrix().ToArray<long>());
            else if (run.MetricKey.EndsWith("_per_class", StringComparison.Ordinal))
                Close(metric switch
                {
                    Precision m => m.ComputePerClass(),
                    Recall m => m.ComputePerClass(),
                    F1Score m => m.ComputePerClass(),
                    _ => throw new InvalidOperationException(metric.Name),
                }, run.Expected, run.Rtol, what);
            else Close(metric.Compute(), run.Expected.Item<double>(), run.Rtol, what);
        }
    }

    public static TheoryData<string> CasesWithoutRocAuc()
    {
        var data = new TheoryData<string>();
        foreach (var c in Contents.Metadata.Keys.Where(k => k != "_about" && Meta(k).TryGetProperty("roc_auc_error", out _)))
            data.Add(c);
        return data;
    }

    /// <summary>Where sklearn refused a one-vs-rest AUC (a class without positives), the metric refuses too and
    /// names the class.</summary>
    [Theory]
    [MemberData(nameof(CasesWithoutRocAuc))]
    public void Refuses_roc_auc_where_sklearn_does(string caseName)
    {
        var classes = Classes(caseName);
        using var scope = Torch.NewDisposeScope();
        using var metric = MetricRuns.Run(() => new RocAuc(classes), Get(caseName, "probs"), Get(caseName, "target"),
            Batches(caseName), RunMode.Stream);
        var target = Get(caseName, "target");
        var missing = Enumerable.Range(0, (int)classes).First(c => !target.ToArray<long>().Contains(c));
        var e = Assert.Throws<InvalidOperationException>(() => metric.Compute());
        Assert.Contains($"class {missing} has no positive samples", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The tie rule of top-k differs from argmax's on purpose (sklearn's); the c3 case must show it, or the
    /// fixture would not be testing it.</summary>
    [Fact]
    public void The_tie_case_separates_top1_from_argmax_accuracy()
    {
        Assert.NotEqual(Expected("c3_ties", "accuracy/scores").Item<double>(), Expected("c3_ties", "top1_accuracy").Item<double>());
    }
}
