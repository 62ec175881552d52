namespace MLRoadmap.Metrics;

/// <summary>
/// A metric whose state is a <see cref="MetricState"/>: gives <see cref="Metric.Reset"/>,
/// <see cref="Metric.StateDict"/>, <see cref="Metric.LoadStateDict"/> and disposal, and runs each
/// <see cref="Update"/> without gradients, inside its own dispose scope, with the state on the batch's device.
/// </summary>
public abstract class AccumulatingMetric : Metric
{
    private readonly string _name;

    protected AccumulatingMetric(string name)
    {
        _name = name;
        State = new MetricState(name);
    }

    public sealed override string Name => _name;

    protected MetricState State { get; }

    public sealed override void Update(Tensor preds, Tensor target)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(preds);
        ArgumentNullException.ThrowIfNull(target);
        ObjectDisposedException.ThrowIf(preds.IsDisposed, preds);
        ObjectDisposedException.ThrowIf(target.IsDisposed, target);
        var device = preds.Device;
        if (target.Device != device)
            throw new ArgumentException($"{Name}: preds are on {device} but target is on {target.Device}", nameof(target));
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        State.MoveTo(device);
        Accumulate(preds, target);
    }

    /// <summary>One batch, already on the state's device, inside a dispose scope and without gradients. Must only
    /// update <see cref="State"/> in place or through <see cref="MetricState.Set"/>.</summary>
    protected abstract void Accumulate(Tensor preds, Tensor target);

    public override double Compute()
    {
        ThrowIfDisposed();
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        return ComputeValue();
    }

    /// <summary>The value, inside a dispose scope and without gradients.</summary>
    protected abstract double ComputeValue();

    public override void Reset()
    {
        ThrowIfDisposed();
        State.Reset();
    }

    public override IReadOnlyDictionary<string, Tensor> StateDict()
    {
        ThrowIfDisposed();
        return State.ToStateDict();
    }

    public override void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ThrowIfDisposed();
        State.Load(state);
    }

    /// <summary>Throws when nothing has been accumulated since the last reset.</summary>
    protected void RequireSamples(long count)
    {
        if (count == 0) throw new InvalidOperationException($"{Name}: no samples since the last Reset (call Update first)");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) State.Dispose();
        base.Dispose(disposing);
    }
}
