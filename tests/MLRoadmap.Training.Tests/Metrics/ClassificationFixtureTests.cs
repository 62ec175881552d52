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
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var metricKey = slash < 0 ? key : key[..slash];
        var input = slash < 0 ? "probs" : key[(slash + 1)..];
        var classes = Classes(caseName);
        var target = Get(caseName, "target");
        var expected = Expected(caseName, key);
        // float32 probabilities: sklearn computes in float32, the metric in float64 after clipping.
        var rtol = Get(caseName, "probs").Dtype == ScalarType.Float32 ? 1e-6 : 1e-9;
        using var scope = Torch.NewDisposeScope();
        var preds = input switch
        {
            "labels" => Get(caseName, "labels"),
            "logits" => Get(caseName, "logits"),
            "binary1d" => Get(caseName, "probs").Select(1, 1),
            _ => Get(caseName, "probs"),
        };
        var inputs = new List<Tensor> { preds };
        if (metricKey == "roc_auc_binary" && input == "probs") inputs.Add(preds.Select(1, 1)); // (N) scores of class 1 too
        foreach (var p in inputs)
        {
            var what = $"{caseName} {key} from [{string.Join(", ", p.Shape)}] ({mode})";
            using var metric = MetricRuns.Run(() => MetricRuns.Create(metricKey, classes, input == "logits"), p, target,
                Batches(caseName), mode);
            if (metric is ConfusionMatrix cm) Assert.Equal(expected.ToArray<long>(), cm.Matrix().ToArray<long>());
            else if (metricKey.EndsWith("_per_class", StringComparison.Ordinal))
                Close(metricKey[..metricKey.IndexOf('_', StringComparison.Ordinal)] switch
                {
                    "precision" => ((Precision)metric).ComputePerClass(),
                    "recall" => ((Recall)metric).ComputePerClass(),
                    _ => ((F1Score)metric).ComputePerClass(),
                }, expected, rtol, what);
            else Close(metric.Compute(), expected.Item<double>(), rtol, what);
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
