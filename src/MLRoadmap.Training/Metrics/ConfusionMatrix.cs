namespace MLRoadmap.Metrics;

/// <summary>
/// The (C, C) confusion matrix, rows indexed by the target class and columns by the predicted class (sklearn's
/// <c>confusion_matrix</c> with <c>labels = 0..C-1</c>). Read it with <see cref="Matrix"/> or
/// <see cref="ToArray"/>; <see cref="Metric.Compute"/> gives its trace over its total, i.e. the accuracy.
/// </summary>
public sealed class ConfusionMatrix : ConfusionMatrixMetric
{
    public ConfusionMatrix(long numClasses) : base("confusion_matrix", numClasses)
    {
    }

    /// <summary>A (C, C) int64 copy on the state's device, owned by the caller (in its current dispose scope).</summary>
    public Tensor Matrix()
    {
        ThrowIfDisposed();
        using (Torch.NewDisposeScope()) ClassInputs.RequireNoneOutOfRange(State["out_of_range"], NumClasses, Name);
        return State["confusion"].Clone();
    }

    /// <summary>The counts as a [target, prediction] array.</summary>
    public long[,] ToArray()
    {
        ThrowIfDisposed();
        using var scope = Torch.NewDisposeScope();
        ClassInputs.RequireNoneOutOfRange(State["out_of_range"], NumClasses, Name);
        var flat = State["confusion"].ToArray<long>();
        var result = new long[NumClasses, NumClasses];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(long));
        return result;
    }

    /// <summary>The trace over the total: the fraction of samples on the diagonal.</summary>
    protected override double ComputeValue()
    {
        var (tp, _, actual) = Totals();
        return tp.Sum() / (double)actual.Sum();
    }
}
