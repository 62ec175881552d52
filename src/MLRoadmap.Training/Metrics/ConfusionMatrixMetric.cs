namespace MLRoadmap.Metrics;

/// <summary>How per-class precision, recall and F1 are combined into one number (sklearn's <c>average</c>).</summary>
public enum Average
{
    /// <summary>Unweighted mean over the classes present in the targets or the predictions since the last reset
    /// (sklearn's default <c>labels=None</c>: a class seen in neither does not count).</summary>
    Macro,

    /// <summary>From the totals of true positives, predictions and targets over all classes (equals accuracy for
    /// single-label data).</summary>
    Micro,

    /// <summary>Mean over the present classes weighted by their number of targets (support).</summary>
    Weighted,

    /// <summary>The value of class 1 alone (two classes only; sklearn's <c>average="binary"</c>, pos_label 1).</summary>
    Binary,
}

/// <summary>
/// A metric computed from the confusion matrix: a (C, C) int64 count of (target, prediction) pairs, rows indexed by
/// the target, accumulated on the batches' device by one scatter-add per batch (no host synchronisation).
/// preds: (N, C) scores (their argmax, the first maximum on ties) or (N) class indices; target: (N) class indices.
/// </summary>
/// <remarks>State: <c>confusion</c> ([C, C] int64) and <c>out_of_range</c> (0-dim int64, see
/// <see cref="ClassInputs"/>).</remarks>
public abstract class ConfusionMatrixMetric : AccumulatingMetric
{
    private protected ConfusionMatrixMetric(string name, long numClasses) : base(name)
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{name}: needs at least two classes");
        NumClasses = numClasses;
        State.AddTensor("confusion", [numClasses, numClasses], ScalarType.Int64);
        State.AddTensor("out_of_range", [], ScalarType.Int64);
    }

    public long NumClasses { get; }

    protected override void Accumulate(Tensor preds, Tensor target)
    {
        var t = ClassInputs.Target(target, Name);
        var p = ClassInputs.PredictedClasses(preds, t.Size(0), NumClasses, Name);
        t = ClassInputs.InRange(t, NumClasses, "target", Name, State["out_of_range"]);
        if (preds.Dim == 1) p = ClassInputs.InRange(p, NumClasses, "preds", Name, State["out_of_range"]);
        var cells = t.Mul(NumClasses).Add_(p); // (N) flat index target * C + prediction
        State["confusion"].View(-1).ScatterAdd_(0, cells, Torch.OnesLike(cells));
    }

    /// <summary>Per-class true positives, predictions and targets (support), read from the device in one copy.</summary>
    private protected (long[] TruePositives, long[] Predicted, long[] Actual) Totals()
    {
        ThrowIfDisposed();
        using var scope = Torch.NewDisposeScope();
        var m = State["confusion"];
        ClassInputs.RequireNoneOutOfRange(State["out_of_range"], NumClasses, Name);
        var all = Torch.Stack([m.Diagonal(), m.Sum(0), m.Sum(1)]).ToArray<long>(); // (3, C)
        var c = (int)NumClasses;
        var totals = (all[..c], all[c..(2 * c)], all[(2 * c)..]);
        RequireSamples(totals.Item3.Sum());
        return totals;
    }

    /// <summary>Precision, recall and F1 of each class, 0 where a denominator is 0 (sklearn's default
    /// <c>zero_division="warn"</c>, which returns 0).</summary>
    private protected (double[] Precision, double[] Recall, double[] F1) PerClassScores()
    {
        var (tp, predicted, actual) = Totals();
        var p = new double[tp.Length];
        var r = new double[tp.Length];
        var f = new double[tp.Length];
        for (var c = 0; c < tp.Length; c++) (p[c], r[c], f[c]) = Scores(tp[c], predicted[c], actual[c]);
        return (p, r, f);
    }

    /// <summary>Precision, recall and F1 combined as <paramref name="average"/> says, as sklearn 1.2's
    /// <c>precision_recall_fscore_support</c> does.</summary>
    private protected (double Precision, double Recall, double F1) Averaged(Average average)
    {
        var (tp, predicted, actual) = Totals();
        switch (average)
        {
            case Average.Micro:
                return Scores(tp.Sum(), predicted.Sum(), actual.Sum());
            case Average.Binary:
                return Scores(tp[1], predicted[1], actual[1]);
        }
        double sp = 0, sr = 0, sf = 0, weights = 0;
        for (var c = 0; c < tp.Length; c++)
        {
            if (predicted[c] == 0 && actual[c] == 0) continue; // not a present label
            var (p, r, f) = Scores(tp[c], predicted[c], actual[c]);
            double w = average == Average.Weighted ? actual[c] : 1;
            sp += p * w;
            sr += r * w;
            sf += f * w;
            weights += w;
        }
        return (sp / weights, sr / weights, sf / weights);
    }

    private static (double Precision, double Recall, double F1) Scores(long tp, long predicted, long actual)
    {
        var p = predicted == 0 ? 0.0 : tp / (double)predicted;
        var r = actual == 0 ? 0.0 : tp / (double)actual;
        var d = p + r;
        return (p, r, d == 0 ? 0.0 : 2.0 * p * r / d);
    }

    private protected static string NameFor(string metric, Average average) => $"{metric}_{average.ToString().ToLowerInvariant()}";

    private protected static Average CheckAverage(Average average, long numClasses, string metric)
    {
        if (!Enum.IsDefined(average)) throw new ArgumentOutOfRangeException(nameof(average), average, $"{metric}: unknown average");
        if (average == Average.Binary && numClasses != 2)
            throw new ArgumentException($"{metric}: Average.Binary needs exactly 2 classes, got {numClasses}", nameof(average));
        return average;
    }
}
