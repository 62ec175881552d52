namespace MLRoadmap.Metrics;

/// <summary>
/// A streaming metric: <see cref="Update"/> once per batch, <see cref="Compute"/> for the value over every batch
/// since the last <see cref="Reset"/>. The metric owns its accumulated state (tensors on the device of the batches
/// it is given) and frees it in <see cref="Dispose()"/>.
/// </summary>
/// <remarks>
/// Implementations keep no reference to the caller's tensors: a batch may be disposed or overwritten right after
/// <see cref="Update"/> returns. <see cref="StateDict"/> and <see cref="LoadStateDict"/> carry the accumulated state
/// through a mid-epoch checkpoint, so that a restored metric continues exactly where the saved one was.
/// </remarks>
public abstract class Metric : IDisposable
{
    private bool _disposed;

    /// <summary>The default name for logs, e.g. "accuracy", "f1_macro", "top5_accuracy".</summary>
    public abstract string Name { get; }

    /// <summary>Adds one batch. Tensors may be on any device; gradients are never tracked.</summary>
    public abstract void Update(Tensor preds, Tensor target);

    /// <summary>The value over everything since the last <see cref="Reset"/>.</summary>
    public abstract double Compute();

    /// <summary>Forgets every batch seen so far.</summary>
    public abstract void Reset();

    /// <summary>Copies of the accumulated state, owned by the caller (created in the caller's current dispose scope,
    /// if one is open). Enough to continue accumulating exactly after <see cref="LoadStateDict"/>.</summary>
    public abstract IReadOnlyDictionary<string, Tensor> StateDict();

    /// <summary>Replaces the accumulated state by a copy of <paramref name="state"/> (the caller keeps ownership of
    /// its tensors). Throws <see cref="ArgumentException"/> naming the key on a missing or unexpected key, or a wrong
    /// shape or dtype; the metric is unchanged then.</summary>
    public abstract void LoadStateDict(IReadOnlyDictionary<string, Tensor> state);

    public bool IsDisposed => _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the metric's state tensors.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public override string ToString() => Name;
}
