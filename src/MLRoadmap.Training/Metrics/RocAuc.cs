namespace MLRoadmap.Metrics;

/// <summary>
/// Area under the ROC curve, exact (sklearn's <c>roc_auc_score</c>): binary, or one-vs-rest over C classes averaged
/// by <see cref="Average.Macro"/> or <see cref="Average.Weighted"/> (by positives per class).
/// </summary>
/// <remarks>
/// <para>Inputs. Two classes: preds (N) scores of class 1, or (N, 2) scores of which column 1 is used; target (N)
/// in {0, 1}. C &gt; 2: preds (N, C) probabilities (rows must sum to 1, as sklearn requires; checked at
/// <see cref="Metric.Compute"/> with numpy's allclose tolerances), or logits with <c>fromLogits</c>, which applies a
/// softmax over classes in float64; target (N) class indices.</para>
/// <para>An exact AUC needs every score, so Update keeps a float64 copy of each batch's scores and targets on the
/// batch's device (state <c>scores</c>, [N] or [N, C] float64, and <c>target</c>, [N] int64, plus
/// <c>out_of_range</c>): memory grows with the number of samples since the last reset.</para>
/// <para>Compute sorts each class column once and counts, per group of equal scores, positives and negatives: the
/// area is Σ negatives × (positives scored higher + ½ positives tied), over positives × negatives, which is what
/// sklearn's trapezoid over its ROC curve gives, ties included. A class with no positive or no negative sample has
/// no AUC: Compute throws, as sklearn does.</para>
/// </remarks>
public sealed class RocAuc : AccumulatingMetric
{
    private readonly List<Tensor> _scoreChunks = [];
    private readonly List<Tensor> _targetChunks = [];
    private readonly bool _fromLogits;

    /// <param name="numClasses">2 for a binary AUC; more for one-vs-rest.</param>
    /// <param name="average">Macro or Weighted (ignored for two classes).</param>
    /// <param name="fromLogits">Apply a softmax over classes first (for (N, C) preds; with (N) scores of a binary
    /// problem any monotonic transform gives the same AUC, so they are used as they are).</param>
    public RocAuc(long numClasses, Average average = Average.Macro, bool fromLogits = false)
        : base(numClasses == 2 ? "roc_auc" : $"roc_auc_{average.ToString().ToLowerInvariant()}")
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "roc_auc: needs at least two classes");
        if (average is not (Average.Macro or Average.Weighted))
            throw new ArgumentOutOfRangeException(nameof(average), average, $"{Name}: average must be Macro or Weighted");
        NumClasses = numClasses;
        Average = average;
        _fromLogits = fromLogits;
        State.AddTensor("scores", IsBinary ? [-1] : [-1, numClasses], ScalarType.Float64);
        State.AddTensor("target", [-1], ScalarType.Int64);
        State.AddTensor("out_of_range", [], ScalarType.Int64);
    }

    public long NumClasses { get; }

    public Average Average { get; }

    private bool IsBinary => NumClasses == 2;

    protected override void Accumulate(Tensor preds, Tensor target)
    {
        var t = ClassInputs.Target(target, Name);
        var n = t.Size(0);
        Tensor scores;
        if (IsBinary && preds.Dim == 1)
        {
            if (!preds.Dtype.IsFloatingPoint())
                throw new ArgumentException($"{Name}: preds must be floating-point scores, got {preds.Dtype.TorchName()}", nameof(preds));
            ClassInputs.CheckRows(preds, n, Name);
            scores = preds.To(ScalarType.Float64, copy: true);
        }
        else
        {
            ClassInputs.Scores(preds, n, NumClasses, Name);
            scores = _fromLogits ? preds.To(ScalarType.Float64).Softmax(1) : preds.To(ScalarType.Float64, copy: true);
            if (IsBinary) scores = scores.Select(1, 1).Contiguous();
        }
        t = ClassInputs.InRange(t, NumClasses, "target", Name, State["out_of_range"]);
        _scoreChunks.Add(scores.DetachFromDisposeScope());
        _targetChunks.Add(t.Clone().DetachFromDisposeScope());
    }

    protected override double ComputeValue()
    {
        Flush();
        var target = State["target"];
        RequireSamples(target.Size(0));
        ClassInputs.RequireNoneOutOfRange(State["out_of_range"], NumClasses, Name);
        Tensor scores, positives;
        if (IsBinary)
        {
            scores = State["scores"].Unsqueeze(1);                  // (M, 1)
            positives = target.Eq(1).Unsqueeze(1).To(ScalarType.Float64);
        }
        else
        {
            scores = State["scores"];                                // (M, C)
            var sums = scores.Sum(1);
            if (!sums.Sub(1).Abs_().Le(sums.Abs().Mul_(1e-5).Add_(1e-8)).All().Item<bool>())
                throw new InvalidOperationException($"{Name}: preds must be probabilities summing to 1 over classes " +
                    "(as sklearn requires for multiclass ROC AUC); for logits build the metric with fromLogits: true");
            positives = target.OneHot(NumClasses).To(ScalarType.Float64);
        }
        var (auc, pos, neg) = OneVsRest(scores, positives);
        var host = Torch.Stack([auc, pos, neg]).ToArray<double>();
        var k = (int)auc.Size(0);
        for (var c = 0; c < k; c++)
        {
            var what = IsBinary ? "the target" : $"class {c}";
            if (host[k + c] == 0) throw new InvalidOperationException($"{Name}: {what} has no positive samples; ROC AUC is not defined");
            if (host[2 * k + c] == 0) throw new InvalidOperationException($"{Name}: {what} has no negative samples; ROC AUC is not defined");
        }
        double sum = 0, weights = 0;
        for (var c = 0; c < k; c++)
        {
            var w = Average == Average.Weighted ? host[k + c] : 1.0;
            sum += host[c] * w;
            weights += w;
        }
        return sum / weights;
    }

    /// <summary>Per column of <paramref name="scores"/> (M, K) with 0/1 labels <paramref name="positives"/> (M, K):
    /// the AUC, the number of positives and of negatives, each (K) float64.</summary>
    private static (Tensor Auc, Tensor Positives, Tensor Negatives) OneVsRest(Tensor scores, Tensor positives)
    {
        var m = scores.Size(0);
        var k = scores.Size(1);
        var (sorted, order) = scores.Sort(0, descending: true);
        var labels = positives.Gather(0, order);                                   // (M, K), by descending score
        var starts = Torch.Cat([
            Torch.Ones([1, k], ScalarType.Bool, scores.Device),
            sorted.Narrow(0, 1, m - 1).Ne(sorted.Narrow(0, 0, m - 1))]);          // (M, K): a new score begins
        var group = starts.Cumsum(0, ScalarType.Int64).Sub_(1);                    // (M, K): index of its tie group
        var cell = group.Add_(Torch.Arange(k, device: scores.Device).Mul_(m).Unsqueeze(0)).Flatten(); // column * M + group
        var tp = Torch.Zeros([k * m], ScalarType.Float64, scores.Device).ScatterAdd_(0, cell, labels.Flatten()).View(k, m);
        var all = Torch.Zeros([k * m], ScalarType.Float64, scores.Device).ScatterAdd_(0, cell, Torch.OnesLike(labels).Flatten()).View(k, m);
        var fp = all.Sub_(tp);
        var above = tp.Cumsum(1).Sub_(tp);                                         // positives in higher-scored groups
        var area = fp.Mul(above.Add_(tp, 0.5)).Sum(1);
        var pos = tp.Sum(1);
        var neg = fp.Sum(1);
        return (area.Div_(pos.Mul(neg)), pos, neg);
    }

    /// <summary>Moves the batches kept since the last flush into the state tensors (one concatenation).</summary>
    private void Flush()
    {
        if (_scoreChunks.Count == 0) return;
        using (Torch.NewDisposeScope())
        {
            var device = State.Device;
            State.Set("scores", Torch.Cat([State["scores"], .. _scoreChunks.Select(c => c.To(device))]));
            State.Set("target", Torch.Cat([State["target"], .. _targetChunks.Select(c => c.To(device))]));
        }
        DropChunks();
    }

    private void DropChunks()
    {
        foreach (var c in _scoreChunks) c.Dispose();
        foreach (var c in _targetChunks) c.Dispose();
        _scoreChunks.Clear();
        _targetChunks.Clear();
    }

    public override IReadOnlyDictionary<string, Tensor> StateDict()
    {
        ThrowIfDisposed();
        Flush();
        return base.StateDict();
    }

    public override void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(state);
        if (state.TryGetValue("scores", out var s) && state.TryGetValue("target", out var t) && s.Dim >= 1 && t.Dim == 1 &&
            s.Size(0) != t.Size(0))
            throw new ArgumentException($"{Name}: state dict has {s.Size(0)} scores but {t.Size(0)} targets");
        Flush();
        base.LoadStateDict(state);
    }

    public override void Reset()
    {
        ThrowIfDisposed();
        DropChunks();
        base.Reset();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DropChunks();
        base.Dispose(disposing);
    }
}
