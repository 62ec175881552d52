namespace MLRoadmap.Metrics;

/// <summary>
/// Fraction of samples whose predicted class equals the target (sklearn's <c>accuracy_score</c>). preds: (N, C)
/// scores, logits or probabilities (their argmax, the first maximum on ties) or (N) class indices; target: (N)
/// integer class indices.
/// </summary>
/// <remarks>State: <c>correct</c> (0-dim int64, on the batches' device), <c>total</c> (count) and
/// <c>out_of_range</c> (see <see cref="ClassInputs"/>). One batch costs a few kernels and no host synchronisation.</remarks>
public sealed class Accuracy : AccumulatingMetric
{
    private readonly long? _classes;

    /// <param name="numClasses">When given, scores must have this many columns and class indices must lie in
    /// [0, numClasses). When not, (N, C) scores fix C per batch, and (N) class indices are not range-checked.</param>
    public Accuracy(long? numClasses = null) : base("accuracy")
    {
        if (numClasses is < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "accuracy: needs at least one class");
        _classes = numClasses;
        State.AddTensor("correct", [], ScalarType.Int64);
        State.AddCount("total");
        State.AddTensor("out_of_range", [], ScalarType.Int64);
    }

    protected override void Accumulate(Tensor preds, Tensor target)
    {
        var t = ClassInputs.Target(target, Name);
        var p = ClassInputs.PredictedClasses(preds, t.Size(0), _classes, Name);
        var classes = preds.Dim == 2 ? preds.Size(1) : _classes;
        if (classes is { } c)
        {
            t = ClassInputs.InRange(t, c, "target", Name, State["out_of_range"]);
            if (preds.Dim == 1) p = ClassInputs.InRange(p, c, "preds", Name, State["out_of_range"]);
        }
        State["correct"].Add_(p.Eq(t).Sum());
        State.AddToCount("total", t.Size(0));
    }

    protected override double ComputeValue()
    {
        var total = State.Count("total");
        RequireSamples(total);
        ClassInputs.RequireNoneOutOfRange(State["out_of_range"], _classes, Name);
        return State["correct"].Item<long>() / (double)total;
    }
}
