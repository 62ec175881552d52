namespace MLRoadmap.Metrics;

/// <summary>
/// Mean negative log-likelihood of the target class (sklearn's <c>log_loss</c>, as in Debian's sklearn 1.2).
/// preds: (N, C) probabilities, (N) probabilities of class 1 for two classes, or logits with <c>fromLogits</c>
/// (a softmax over classes, or a sigmoid for (N) preds, in float64); target: (N) class indices.
/// </summary>
/// <remarks>
/// <para>As sklearn 1.2 does with its default <c>eps="auto"</c>: probabilities are clipped to [eps, 1 − eps] with eps
/// the machine epsilon of the preds' dtype (float64 2.2e-16, float32 1.19e-7, float16 9.8e-4, bfloat16 7.8e-3),
/// (N) preds become the two columns [1 − p, p], each row is divided by its sum, and the loss of a row is
/// −log(p[target] / row sum). sklearn keeps float32 arithmetic for float32 preds; here everything after the
/// clipping runs in float64 (the results differ by float32 rounding, about 1e-7 relative).</para>
/// <para>State: <c>sum</c> (0-dim float64 on the batches' device), <c>count</c>, <c>out_of_range</c>.</para>
/// </remarks>
public sealed class LogLoss : AccumulatingMetric
{
    private readonly long? _classes;
    private readonly bool _fromLogits;
    private readonly double? _eps;

    /// <param name="numClasses">When given, preds must have this many columns (2 for (N) preds).</param>
    /// <param name="fromLogits">preds are logits: apply a softmax (or a sigmoid to (N) preds) first.</param>
    /// <param name="eps">The clipping bound; by default the machine epsilon of the preds' dtype.</param>
    public LogLoss(long? numClasses = null, bool fromLogits = false, double? eps = null) : base("log_loss")
    {
        if (numClasses is < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "log_loss: needs at least two classes");
        if (eps is { } e && !(e >= 0 && e < 0.5)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "log_loss: eps must lie in [0, 0.5)");
        _classes = numClasses;
        _fromLogits = fromLogits;
        _eps = eps;
        State.AddTensor("sum", [], ScalarType.Float64);
        State.AddCount("count");
        State.AddTensor("out_of_range", [], ScalarType.Int64);
    }

    /// <summary>numpy's <c>finfo(dtype).eps</c>: the distance from 1 to the next representable number.</summary>
    public static double MachineEpsilon(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => Math.Pow(2, -52),
        ScalarType.Float32 => Math.Pow(2, -23),
        ScalarType.Float16 => Math.Pow(2, -10),
        ScalarType.BFloat16 => Math.Pow(2, -7),
        _ => throw new ArgumentException($"log_loss: preds must be floating-point, got {dtype.TorchName()}", nameof(dtype)),
    };

    protected override void Accumulate(Tensor preds, Tensor target)
    {
        var t = ClassInputs.Target(target, Name);
        var n = t.Size(0);
        var eps = _eps ?? MachineEpsilon(preds.Dtype);
        Tensor p;                                                           // (N, C) float64
        if (preds.Dim == 1)
        {
            if (_classes is { } c && c != 2)
                throw new ArgumentException($"{Name}: (N) preds are probabilities of class 1 of two classes, but the metric was built for {c}", nameof(preds));
            ClassInputs.CheckRows(preds, n, Name);
            var p1 = preds.To(ScalarType.Float64);
            if (_fromLogits) p1 = p1.Sigmoid();
            p1 = p1.Clamp(eps, 1 - eps);
            p = Torch.Stack([p1.Rsub(1), p1], 1);
        }
        else
        {
            ClassInputs.Scores(preds, n, _classes, Name);
            p = preds.To(ScalarType.Float64);
            p = (_fromLogits ? p.Softmax(1) : p).Clamp(eps, 1 - eps);
        }
        t = ClassInputs.InRange(t, p.Size(1), "target", Name, State["out_of_range"]).Unsqueeze(1);
        var q = p.Gather(1, t).Squeeze(1).Div_(p.Sum(1));                  // (N) renormalised probability of the target
        State["sum"].Sub_(q.Log_().Sum());
        State.AddToCount("count", n);
    }

    protected override double ComputeValue()
    {
        var count = State.Count("count");
        RequireSamples(count);
        ClassInputs.RequireNoneOutOfRange(State["out_of_range"], _classes, Name);
        return State["sum"].Item<double>() / count;
    }
}
