using MLRoadmap.Metrics;
using MLRoadmap.Serialization;
using static MLRoadmap.Tests.Metrics.SklearnFixtures;

namespace MLRoadmap.Tests.Metrics;

/// <summary>State dicts beyond the round trips of the fixture tests: through a safetensors file, copies that do not
/// alias the metric, and refusals that name the key and leave the metric as it was.</summary>
public class StateDictTests
{
    /// <summary>One key per metric type.</summary>
    public static TheoryData<string, string> OnePerMetric() => new()
    {
        { "c5_absent_in_preds", "accuracy/scores" },
        { "c5_absent_in_preds", "top2_accuracy" },
        { "c5_absent_in_preds", "f1_weighted/labels" },
        { "c5_absent_in_preds", "roc_auc_macro" },
        { "c5_absent_in_preds", "log_loss/logits" },
        { "c2_imbalanced_ties", "roc_auc_binary" },
        { "reg_multi", "mse" },
        { "reg_multi", "rmse" },
        { "reg_multi", "mae" },
        { "reg_multi", "mape" },
        { "reg_multi", "r2" },
    };

    /// <summary>A mid-epoch checkpoint: the state dict written to a safetensors file and read back into a new metric,
    /// which finishes the epoch at sklearn's value.</summary>
    [Theory]
    [MemberData(nameof(OnePerMetric))]
    public void Resumes_through_a_safetensors_file(string caseName, string key)
    {
        using var scope = Torch.NewDisposeScope();
        var run = MetricRuns.For(caseName, key);
        var half = run.Batches.Length / 2;
        var path = Path.Combine(Path.GetTempPath(), $"mlr-metric-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var first = run.Make())
            {
                Stream(first, run.Preds, run.Target, run.Batches, 0, half);
                SafeTensors.Save(path, first.StateDict(), new Dictionary<string, string> { ["metric"] = first.Name });
            }
            using var resumed = run.Make();
            using (var file = SafeTensors.Load(path)) resumed.LoadStateDict(file.Tensors.ToDictionary());
            Stream(resumed, run.Preds, run.Target, run.Batches, half);
            Close(resumed.Compute(), run.Expected.Item<double>(), run.Rtol, $"{caseName} {key} resumed from a file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The dict is a copy: writing into it changes nothing in the metric, and the metric keeps accumulating
    /// without touching the dict it loaded from.</summary>
    [Theory]
    [MemberData(nameof(OnePerMetric))]
    public void State_dicts_are_copies_both_ways(string caseName, string key)
    {
        using var scope = Torch.NewDisposeScope();
        var run = MetricRuns.For(caseName, key);
        using var metric = run.Make();
        Stream(metric, run.Preds, run.Target, run.Batches, 0, 3);
        var saved = metric.StateDict();
        var before = metric.Compute();
        foreach (var t in saved.Values.Where(t => t.Numel > 0)) t.Fill_(1);
        Assert.Equal(before, metric.Compute());

        using var other = run.Make();
        var snapshot = metric.StateDict();
        other.LoadStateDict(snapshot);
        var copies = snapshot.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        Stream(other, run.Preds, run.Target, run.Batches, 3);
        foreach (var (name, t) in snapshot) Assert.True(t.Equal(copies[name]), $"{name} changed after the metric loaded it");
        Close(other.Compute(), run.Expected.Item<double>(), run.Rtol, $"{caseName} {key}");
    }

    [Fact]
    public void Missing_unexpected_misshapen_and_mistyped_keys_are_named_and_change_nothing()
    {
        using var scope = Torch.NewDisposeScope();
        var run = MetricRuns.For("c5_absent_in_preds", "f1_macro/labels");
        using var metric = new F1Score(5);
        Stream(metric, run.Preds, run.Target, run.Batches, 0, 4);
        var before = metric.Compute();
        var good = metric.StateDict();

        void Refused(Dictionary<string, Tensor> state, string expected)
        {
            var e = Assert.Throws<ArgumentException>(() => metric.LoadStateDict(state));
            Assert.Contains("f1_macro: state dict " + expected, e.Message, StringComparison.Ordinal);
            Assert.Equal(before, metric.Compute());
        }

        Refused(good.Where(kv => kv.Key != "confusion").ToDictionary(), "missing key 'confusion'");
        Refused(new(good) { ["extra"] = Torch.Zeros([1]) }, "unexpected key 'extra' (expected 'confusion', 'out_of_range')");
        Refused(new(good) { ["confusion"] = Torch.Zeros([4, 4], ScalarType.Int64) }, "key 'confusion' is [4, 4] int64, expected [5, 5] int64");
        Refused(new(good) { ["confusion"] = Torch.Zeros([5, 5], ScalarType.Float64) }, "key 'confusion' is [5, 5] float64, expected [5, 5] int64");
    }

    [Fact]
    public void Counts_must_be_non_negative_int64_scalars()
    {
        using var scope = Torch.NewDisposeScope();
        using var metric = new Accuracy(3);
        var good = metric.StateDict();
        var e = Assert.Throws<ArgumentException>(() => metric.LoadStateDict(new Dictionary<string, Tensor>(good) { ["total"] = Torch.Scalar(-2L) }));
        Assert.Contains("key 'total' is the negative count -2", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => metric.LoadStateDict(new Dictionary<string, Tensor>(good) { ["total"] = Torch.Scalar(2.0) }));
        Assert.Contains("key 'total' is [] float64, expected a 0-dim int64 count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Roc_auc_refuses_scores_and_targets_of_different_lengths()
    {
        using var scope = Torch.NewDisposeScope();
        using var metric = new RocAuc(3);
        var state = new Dictionary<string, Tensor>(metric.StateDict())
        {
            ["scores"] = Torch.Zeros([4, 3], ScalarType.Float64),
            ["target"] = Torch.Zeros([5], ScalarType.Int64),
        };
        var e = Assert.Throws<ArgumentException>(() => metric.LoadStateDict(state));
        Assert.Contains("roc_auc_macro: state dict has 4 scores but 5 targets", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regression_outputs_come_from_the_loaded_state_and_must_agree()
    {
        using var scope = Torch.NewDisposeScope();
        using var metric = new R2Score();
        Assert.Equal(0, metric.Outputs);
        var state = new Dictionary<string, Tensor>(metric.StateDict())
        {
            ["mean"] = Torch.Zeros([3], ScalarType.Float64),
            ["m2"] = Torch.Zeros([3], ScalarType.Float64),
            ["ss_res"] = Torch.Zeros([2], ScalarType.Float64),
        };
        var e = Assert.Throws<ArgumentException>(() => metric.LoadStateDict(state));
        Assert.Contains("r2: state dict has 'mean' of 3 outputs but 'ss_res' of 2", e.Message, StringComparison.Ordinal);
        state["ss_res"] = Torch.Zeros([3], ScalarType.Float64);
        metric.LoadStateDict(state);
        Assert.Equal(3, metric.Outputs);
        var e2 = Assert.Throws<ArgumentException>(() => metric.Update(Torch.Zeros([4, 2], ScalarType.Float64), Torch.Zeros([4, 2], ScalarType.Float64)));
        Assert.Contains("r2: batch has 2 outputs but earlier batches had 3", e2.Message, StringComparison.Ordinal);
    }
}
