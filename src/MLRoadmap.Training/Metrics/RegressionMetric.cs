namespace MLRoadmap.Metrics;

/// <summary>
/// A regression metric over preds and target of shape (N) or (N, D), floating-point, compared row by row (no
/// broadcasting; (N) and (N, 1) are the same thing). Per-output values are averaged uniformly, as sklearn's default
/// <c>multioutput="uniform_average"</c>. D is taken from the first batch (or a loaded state dict).
/// </summary>
/// <remarks>Arithmetic runs in float64 on the batches' device; each per-output state is a [D] float64 tensor and
/// <c>count</c> the number of rows.</remarks>
public abstract class RegressionMetric : AccumulatingMetric
{
    private readonly string[] _perOutput;

    private protected RegressionMetric(string name, params string[] perOutputStates) : base(name)
    {
        _perOutput = perOutputStates;
        State.AddCount("count");
        foreach (var s in perOutputStates) State.AddTensor(s, [-1], ScalarType.Float64);
    }

    /// <summary>The number of outputs D; 0 before the first batch.</summary>
    public long Outputs => State[_perOutput[0]].Size(0);

    protected long Count => State.Count("count");

    protected sealed override void Accumulate(Tensor preds, Tensor target)
    {
        foreach (var (t, what) in new[] { (preds, "preds"), (target, "target") })
        {
            if (t.Dim is not (1 or 2))
                throw new ArgumentException($"{Name}: {what} must be (N) or (N, D), got shape {ClassInputs.ShapeOf(t)}", what);
            if (!t.Dtype.IsFloatingPoint())
                throw new ArgumentException($"{Name}: {what} must be floating-point, got {t.Dtype.TorchName()}", what);
        }
        var n = target.Size(0);
        var d = target.Dim == 2 ? target.Size(1) : 1;
        var dp = preds.Dim == 2 ? preds.Size(1) : 1;
        if (preds.Size(0) != n) throw new ArgumentException($"{Name}: preds have {preds.Size(0)} rows but target has {n}", nameof(preds));
        if (dp != d) throw new ArgumentException($"{Name}: preds have {dp} outputs but target has {d}", nameof(preds));
        if (Outputs != 0 && Outputs != d)
            throw new ArgumentException($"{Name}: batch has {d} outputs but earlier batches had {Outputs}", nameof(target));
        if (Outputs == 0)
            foreach (var s in _perOutput) State.Set(s, Torch.Zeros([d], ScalarType.Float64, State.Device));
        if (n == 0) return;
        AccumulateRows(preds.To(ScalarType.Float64).Reshape(n, d), target.To(ScalarType.Float64).Reshape(n, d));
        State.AddToCount("count", n);
    }

    /// <summary>One non-empty batch, (N, D) float64 each, before <see cref="Count"/> includes it. Must not modify
    /// the inputs in place (they may be the caller's tensors).</summary>
    private protected abstract void AccumulateRows(Tensor preds, Tensor target);

    /// <summary>A per-output state read to the host.</summary>
    private protected double[] Read(string name) => State[name].ToArray<double>();

    public override void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(state);
        long? d = null;
        foreach (var s in _perOutput)
        {
            if (!state.TryGetValue(s, out var t) || t.Dim != 1) continue; // MetricState.Load names the problem
            d ??= t.Size(0);
            if (t.Size(0) != d)
                throw new ArgumentException($"{Name}: state dict has '{_perOutput[0]}' of {d} outputs but '{s}' of {t.Size(0)}");
        }
        if (state.TryGetValue("count", out var c) && c.Dim == 0 && c.Dtype == ScalarType.Int64 && c.Item<long>() > 0 && d == 0)
            throw new ArgumentException($"{Name}: state dict counts {c.Item<long>()} rows but has no outputs");
        base.LoadStateDict(state);
    }
}

/// <summary>A mean over rows of a per-element error, per output, then combined over outputs.</summary>
public abstract class MeanErrorMetric : RegressionMetric
{
    private protected MeanErrorMetric(string name) : base(name, "sum")
    {
    }

    /// <summary>The (N, D) errors of one batch (float64, never in place on the inputs).</summary>
    private protected abstract Tensor Errors(Tensor preds, Tensor target);

    /// <summary>From the per-output mean errors to the value; by default their mean.</summary>
    private protected virtual double Combine(double[] perOutputMeans) => perOutputMeans.Average();

    private protected override void AccumulateRows(Tensor preds, Tensor target) => State["sum"].Add_(Errors(preds, target).Sum(0));

    protected override double ComputeValue()
    {
        RequireSamples(Count);
        return Combine(Read("sum").Select(s => s / Count).ToArray());
    }
}

/// <summary>Mean squared error (sklearn's <c>mean_squared_error</c>). Name "mse".</summary>
public sealed class MeanSquaredError : MeanErrorMetric
{
    public MeanSquaredError() : base("mse")
    {
    }

    private protected override Tensor Errors(Tensor preds, Tensor target) => preds.Sub(target).Square_();
}

/// <summary>Root mean squared error: the square root of each output's MSE, then their mean (sklearn's
/// <c>mean_squared_error(squared=False)</c>). Name "rmse".</summary>
public sealed class RootMeanSquaredError : MeanErrorMetric
{
    public RootMeanSquaredError() : base("rmse")
    {
    }

    private protected override Tensor Errors(Tensor preds, Tensor target) => preds.Sub(target).Square_();

    private protected override double Combine(double[] perOutputMeans) => perOutputMeans.Select(Math.Sqrt).Average();
}

/// <summary>Mean absolute error (sklearn's <c>mean_absolute_error</c>). Name "mae".</summary>
public sealed class MeanAbsoluteError : MeanErrorMetric
{
    public MeanAbsoluteError() : base("mae")
    {
    }

    private protected override Tensor Errors(Tensor preds, Tensor target) => preds.Sub(target).Abs_();
}

/// <summary>Mean absolute percentage error as a fraction, |pred − target| / max(|target|, ε) with ε the float64
/// machine epsilon 2.2e-16 (sklearn's <c>mean_absolute_percentage_error</c>): a zero target gives a huge term, not
/// an infinity. Name "mape".</summary>
public sealed class MeanAbsolutePercentageError : MeanErrorMetric
{
    public MeanAbsolutePercentageError() : base("mape")
    {
    }

    private protected override Tensor Errors(Tensor preds, Tensor target) =>
        preds.Sub(target).Abs_().Div_(target.Abs().ClampMin_(Math.Pow(2, -52)));
}
