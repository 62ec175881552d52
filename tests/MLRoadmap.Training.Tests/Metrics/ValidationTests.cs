using MLRoadmap.Metrics;

namespace MLRoadmap.Tests.Metrics;

/// <summary>Bad batches are refused with a message naming the metric and the problem, before any state changes.</summary>
public class ValidationTests
{
    private static Tensor Labels(params long[] values) => Torch.Tensor(values);

    // Deterministic values: these tests run in parallel with others and stay off the global generator.
    private static Tensor Scores(long rows, long classes) => Torch.Linspace(0, 1, rows * classes, ScalarType.Float64).Reshape(rows, classes);

    private static void Refused<TException>(Metric metric, Tensor preds, Tensor target, string message) where TException : Exception
    {
        var e = Assert.Throws<TException>(() => metric.Update(preds, target));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, long[], long[], string> ClassificationShapes() => new()
    {
        { "3-d preds", [4, 5, 1], [4], "preds must be (N, C) scores or (N) class indices, got shape [4, 5, 1]" },
        { "2-d target", [4, 5], [4, 1], "target must be (N) class indices, got shape [4, 1]" },
        { "rows differ", [4, 5], [3], "preds have 4 rows but target has 3" },
        { "columns differ", [4, 6], [4], "preds have 6 classes (columns) but the metric was built for 5" },
    };

    [Theory]
    [MemberData(nameof(ClassificationShapes))]
    public void Classification_shapes_are_checked(string what, long[] predsShape, long[] targetShape, string message)
    {
        _ = what;
        using var scope = Torch.NewDisposeScope();
        var preds = Torch.Full(predsShape, 0.25, ScalarType.Float64);
        var target = Torch.Zeros(targetShape, ScalarType.Int64);
        foreach (var metric in new Metric[] { new Accuracy(5), new F1Score(5), new ConfusionMatrix(5) })
            using (metric) Refused<ArgumentException>(metric, preds, target, $"{metric.Name}: {message}");
    }

    [Fact]
    public void Classification_dtypes_are_checked()
    {
        using var scope = Torch.NewDisposeScope();
        using var accuracy = new Accuracy(3);
        Refused<ArgumentException>(accuracy, Scores(2, 3), Torch.Zeros([2]), "accuracy: target must hold integer class indices, got float32");
        Refused<ArgumentException>(accuracy, Torch.Zeros([2]), Labels(0, 1), "accuracy: (N) preds must be integer class indices, got float32");
        Refused<ArgumentException>(accuracy, Torch.Zeros([2, 3], ScalarType.Int64), Labels(0, 1), "accuracy: (N, C) preds must be floating-point scores, got int64");
        using var topk = new TopKAccuracy(2);
        Refused<ArgumentException>(topk, Labels(0, 1), Labels(0, 1), "top2_accuracy: preds must be (N, C) scores, got shape [2]");
        Refused<ArgumentException>(topk, Scores(2, 1), Labels(0, 0), "top2_accuracy: k = 2 exceeds the 1 classes of preds");
        // int32 targets are as good as int64.
        accuracy.Update(Scores(2, 3), Torch.Tensor(new[] { 0, 2 }));
    }

    [Fact]
    public void A_class_outside_the_range_is_named_with_its_position_and_the_batch_is_not_counted()
    {
        using var scope = Torch.NewDisposeScope();
        using var metric = new Precision(5);
        using var clean = new Precision(5);
        var preds = Labels(0, 1, 2, 3);
        var target = Labels(0, 1, 1, 3);
        metric.Update(preds, target);
        clean.Update(preds, target);
        Refused<ArgumentOutOfRangeException>(metric, Labels(0, 1, 2), Labels(4, 1, 7), "precision_macro: target[2] = 7 is outside the classes [0, 5)");
        Refused<ArgumentOutOfRangeException>(metric, Labels(0, -1, 2), Labels(4, 1, 2), "precision_macro: preds[1] = -1 is outside the classes [0, 5)");
        Assert.Equal(clean.Compute(), metric.Compute());
        using var logLoss = new LogLoss();
        Refused<ArgumentOutOfRangeException>(logLoss, Scores(2, 3), Labels(0, 3), "log_loss: target[1] = 3 is outside the classes [0, 3)");
    }

    /// <summary>On a GPU the range is checked without stopping the stream: counted on the device, reported by
    /// Compute. Forced here on CPU tensors.</summary>
    [Fact]
    public void Device_style_range_checks_count_and_refuse_at_compute()
    {
        var previous = ClassInputs.DeferRangeChecks;
        ClassInputs.DeferRangeChecks = true;
        try
        {
            using var scope = Torch.NewDisposeScope();
            var metrics = new Metric[] { new Accuracy(3), new TopKAccuracy(2, 3), new ConfusionMatrix(3), new RocAuc(3), new LogLoss(3) };
            foreach (var metric in metrics)
                using (metric)
                {
                    metric.Update(Torch.Full([3, 3], 1.0 / 3, ScalarType.Float64), Labels(0, 5, -1));
                    var e = Assert.Throws<InvalidOperationException>(() => metric.Compute());
                    Assert.Contains($"{metric.Name}: 2 class indices (targets or predictions) given since the last Reset were outside [0, 3)",
                        e.Message, StringComparison.Ordinal);
                    metric.Reset();
                    metric.Update(Torch.Full([3, 3], 1.0 / 3, ScalarType.Float64), Labels(0, 1, 2));
                    metric.Compute();
                }
        }
        finally
        {
            ClassInputs.DeferRangeChecks = previous;
        }
    }

    [Fact]
    public void Roc_auc_wants_probabilities_and_a_supported_average()
    {
        using var scope = Torch.NewDisposeScope();
        using var metric = new RocAuc(3);
        metric.Update(Torch.Tensor(new[] { 0.2, 0.3, 0.4, 0.1, 0.1, 0.8, 0.6, 0.2, 0.2 }, [3, 3]), Labels(0, 1, 2));
        var e = Assert.Throws<InvalidOperationException>(() => metric.Compute());
        Assert.Contains("roc_auc_macro: preds must be probabilities summing to 1", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RocAuc(3, Average.Micro));
        Assert.Throws<ArgumentException>(() => new F1Score(3, Average.Binary));
        using var binary = new RocAuc(2);
        binary.Update(Torch.Tensor(new[] { 0.1, 0.9 }), Labels(1, 1));
        Assert.Contains("roc_auc: the target has no negative samples", Assert.Throws<InvalidOperationException>(() => binary.Compute()).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Log_loss_one_dimensional_preds_are_for_two_classes()
    {
        using var scope = Torch.NewDisposeScope();
        using var metric = new LogLoss(3);
        Refused<ArgumentException>(metric, Torch.Tensor(new[] { 0.5, 0.5 }), Labels(0, 1),
            "log_loss: (N) preds are probabilities of class 1 of two classes, but the metric was built for 3");
    }

    public static TheoryData<long[], long[], ScalarType, string> RegressionShapes() => new()
    {
        { [4, 2, 1], [4, 2, 1], ScalarType.Float64, "preds must be (N) or (N, D), got shape [4, 2, 1]" },
        { [4], [3], ScalarType.Float64, "preds have 4 rows but target has 3" },
        { [4, 2], [4, 3], ScalarType.Float64, "preds have 2 outputs but target has 3" },
        { [4], [4], ScalarType.Int64, "preds must be floating-point, got int64" },
    };

    [Theory]
    [MemberData(nameof(RegressionShapes))]
    public void Regression_shapes_and_dtypes_are_checked(long[] predsShape, long[] targetShape, ScalarType dtype, string message)
    {
        using var scope = Torch.NewDisposeScope();
        foreach (var metric in new Metric[] { new MeanSquaredError(), new R2Score(), new MeanAbsolutePercentageError() })
            using (metric) Refused<ArgumentException>(metric, Torch.Zeros(predsShape, dtype), Torch.Zeros(targetShape, ScalarType.Float64), $"{metric.Name}: {message}");
    }

    [Fact]
    public void Compute_without_samples_and_use_after_dispose_are_refused()
    {
        using var scope = Torch.NewDisposeScope();
        foreach (var metric in new Metric[] { new Accuracy(), new F1Score(4), new RocAuc(4), new LogLoss(), new R2Score(), new MeanSquaredError() })
        {
            var e = Assert.Throws<InvalidOperationException>(() => metric.Compute());
            Assert.Contains($"{metric.Name}: no samples since the last Reset", e.Message, StringComparison.Ordinal);
            metric.Dispose();
            Assert.Throws<ObjectDisposedException>(() => metric.Compute());
            Assert.Throws<ObjectDisposedException>(() => metric.StateDict());
            Assert.Throws<ObjectDisposedException>(() => metric.Update(Torch.Zeros([1]), Torch.Zeros([1])));
        }
    }

    [Fact]
    public void Preds_that_require_grad_leave_no_graph_in_the_state()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.Linspace(-2, 2, 18, ScalarType.Float64).Reshape(6, 3).RequiresGrad_();
        var outputs = Torch.Linspace(-1, 3, 12, ScalarType.Float64).Reshape(6, 2).RequiresGrad_();
        using var logLoss = new LogLoss(3, fromLogits: true);
        using var rocAuc = new RocAuc(3, fromLogits: true);
        using var r2 = new R2Score();
        logLoss.Update(logits, Labels(0, 1, 2, 0, 1, 2));
        rocAuc.Update(logits, Labels(0, 1, 2, 0, 1, 2));
        r2.Update(outputs, Torch.Linspace(0, 1, 12, ScalarType.Float64).Reshape(6, 2));
        foreach (var metric in new Metric[] { logLoss, rocAuc, r2 })
            foreach (var (key, t) in metric.StateDict())
                Assert.False(t.RequiresGrad, $"{metric.Name} state '{key}' requires grad");
    }

    [Fact]
    public void Names_follow_the_log_convention()
    {
        using var metrics = new CompositeDisposable(new Accuracy(), new TopKAccuracy(5), new F1Score(3), new Precision(2, Average.Binary),
            new Recall(3, Average.Weighted), new RocAuc(2), new RocAuc(4, Average.Weighted), new LogLoss(), new RootMeanSquaredError());
        Assert.Equal(["accuracy", "top5_accuracy", "f1_macro", "precision_binary", "recall_weighted", "roc_auc", "roc_auc_weighted", "log_loss", "rmse"],
            metrics.Items.Select(m => m.Name));
    }

    private sealed class CompositeDisposable(params Metric[] items) : IDisposable
    {
        public Metric[] Items { get; } = items;

        public void Dispose()
        {
            foreach (var m in Items) m.Dispose();
        }
    }
}
