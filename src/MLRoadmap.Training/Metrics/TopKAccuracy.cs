namespace MLRoadmap.Metrics;

/// <summary>
/// Fraction of samples whose target class is among the k highest scores (sklearn's <c>top_k_accuracy_score</c>
/// for multiclass targets). preds: (N, C) scores; target: (N) integer class indices.
/// </summary>
/// <remarks>
/// <para>Ties are broken as sklearn does (a stable ascending sort, reversed): among equal scores the higher class
/// index ranks first. So with k = 1 a tie can count differently from <see cref="Accuracy"/>, which takes the first
/// maximum as numpy's and torch's argmax do. The rank of the target is computed directly (classes scoring higher,
/// plus equal-scoring classes with a higher index), with no sort.</para>
/// <para>sklearn reads a binary target with 1-D scores by a threshold instead; here (N, 2) scores are ranked like any
/// other C.</para>
/// </remarks>
public sealed class TopKAccuracy : AccumulatingMetric
{
    private readonly long? _classes;

    public TopKAccuracy(long k, long? numClasses = null) : base($"top{k}_accuracy")
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "top-k accuracy needs k >= 1");
        if (numClasses is { } c && c < k)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"top{k}_accuracy: k = {k} exceeds the {c} classes");
        K = k;
        _classes = numClasses;
        State.AddTensor("correct", [], ScalarType.Int64);
        State.AddCount("total");
        State.AddTensor("out_of_range", [], ScalarType.Int64);
    }

    public long K { get; }

    protected override void Accumulate(Tensor preds, Tensor target)
    {
        var t = ClassInputs.Target(target, Name);
        var c = ClassInputs.Scores(preds, t.Size(0), _classes, Name);
        if (c < K) throw new ArgumentException($"{Name}: k = {K} exceeds the {c} classes of preds", nameof(preds));
        t = ClassInputs.InRange(t, c, "target", Name, State["out_of_range"]).Unsqueeze(1); // (N, 1)
        var own = preds.Gather(1, t);                                                         // (N, 1)
        var higher = preds.Gt(own).Sum(1);                                                    // (N)
        var tiedAfter = preds.Eq(own).LogicalAnd_(Torch.Arange(c, device: preds.Device).Unsqueeze(0).Gt(t)).Sum(1);
        State["correct"].Add_(higher.Add_(tiedAfter).Lt(K).Sum());
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
