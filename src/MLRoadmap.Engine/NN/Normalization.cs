using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>
/// Batch normalisation (PyTorch's _BatchNorm): normalises each channel with the batch's mean and variance while
/// training, keeping running averages of both for evaluation. State: weight, bias (affine), running_mean,
/// running_var and num_batches_tracked (track_running_stats).
/// </summary>
public abstract class BatchNorm : Module<Tensor, Tensor>
{
    private protected BatchNorm(long numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats,
        Device? device, ScalarType? dtype)
    {
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Affine = affine;
        TrackRunningStats = trackRunningStats;
        RegisterParameter("weight", affine ? new Parameter(Torch.Ones([numFeatures], dtype, device)) : null);
        RegisterParameter("bias", affine ? new Parameter(Torch.Zeros([numFeatures], dtype, device)) : null);
        RegisterBuffer("running_mean", trackRunningStats ? Torch.Zeros([numFeatures], dtype, device) : null);
        RegisterBuffer("running_var", trackRunningStats ? Torch.Ones([numFeatures], dtype, device) : null);
        RegisterBuffer("num_batches_tracked", trackRunningStats ? Torch.Zeros([], ScalarType.Int64, device) : null);
    }

    public long NumFeatures { get; }
    public double Eps { get; }

    /// <summary>Weight of the new batch in the running averages; null averages every batch equally (cumulative).</summary>
    public double? Momentum { get; }

    public bool Affine { get; }
    public bool TrackRunningStats { get; }

    public Parameter? Weight => GetParameter("weight");
    public Parameter? Bias => GetParameter("bias");
    public Tensor? RunningMean => GetBuffer("running_mean");
    public Tensor? RunningVar => GetBuffer("running_var");
    public Tensor? NumBatchesTracked => GetBuffer("num_batches_tracked");

    /// <summary>Running mean 0, running variance 1, no batches seen.</summary>
    public void ResetRunningStats()
    {
        if (RunningMean is { } mean) Init.Zeros_(mean);
        if (RunningVar is { } var) Init.Ones_(var);
        if (NumBatchesTracked is { } n) Init.Zeros_(n);
    }

    /// <summary>The number of input dims this variant takes (BatchNorm1d: 2 or 3).</summary>
    private protected abstract bool AcceptsDims(int dims, out string expected);

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var dims = input.Dim;
        if (!AcceptsDims(dims, out var expected))
            throw new ArgumentException($"{GetType().Name} expected {expected} input (got {dims}D input)", nameof(input));

        var factor = Momentum ?? 0.0;
        if (IsTraining && TrackRunningStats && NumBatchesTracked is { } seen)
        {
            seen.Add_(1);
            // momentum = null: the running stats are the plain average of every batch so far.
            if (Momentum is null) factor = 1.0 / seen.Item<long>();
        }
        // In evaluation, the running stats normalise, unless the module keeps none.
        var useBatchStats = IsTraining || (RunningMean is null && RunningVar is null);
        var passStats = !IsTraining || TrackRunningStats;
        return F.BatchNorm(input, passStats ? RunningMean : null, passStats ? RunningVar : null, Weight, Bias,
            useBatchStats, factor, Eps);
    }

    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Py(Eps)}, momentum={(Momentum is { } m ? Py(m) : "None")}, affine={Py(Affine)}, " +
        $"track_running_stats={Py(TrackRunningStats)}";
}

/// <summary>Batch norm over (N, C) or (N, C, L) input, per channel C.</summary>
public sealed class BatchNorm1d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
    bool trackRunningStats = true, Device? device = null, ScalarType? dtype = null)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats, device, dtype)
{
    private protected override bool AcceptsDims(int dims, out string expected)
    {
        expected = "2D or 3D";
        return dims is 2 or 3;
    }
}

/// <summary>Batch norm over (N, C, H, W) input, per channel C.</summary>
public sealed class BatchNorm2d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
    bool trackRunningStats = true, Device? device = null, ScalarType? dtype = null)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats, device, dtype)
{
    private protected override bool AcceptsDims(int dims, out string expected)
    {
        expected = "4D";
        return dims == 4;
    }
}

/// <summary>Batch norm over (N, C, D, H, W) input, per channel C.</summary>
public sealed class BatchNorm3d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
    bool trackRunningStats = true, Device? device = null, ScalarType? dtype = null)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats, device, dtype)
{
    private protected override bool AcceptsDims(int dims, out string expected)
    {
        expected = "5D";
        return dims == 5;
    }
}

/// <summary>Normalises each sample over its trailing dims <c>normalizedShape</c>, then scales and shifts per element.
/// The transformer's normalisation: it needs no batch statistics, so training and evaluation agree.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly long[] _shape;

    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true,
        Device? device = null, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        _shape = normalizedShape.ToArray();
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        RegisterParameter("weight", elementwiseAffine ? new Parameter(Torch.Ones(_shape, dtype, device)) : null);
        RegisterParameter("bias", elementwiseAffine && bias ? new Parameter(Torch.Zeros(_shape, dtype, device)) : null);
    }

    public LayerNorm(long normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true,
        Device? device = null, ScalarType? dtype = null)
        : this([normalizedShape], eps, elementwiseAffine, bias, device, dtype) { }

    public IReadOnlyList<long> NormalizedShape => _shape;
    public double Eps { get; }
    public bool ElementwiseAffine { get; }
    public Parameter? Weight => GetParameter("weight");
    public Parameter? Bias => GetParameter("bias");

    public override Tensor Forward(Tensor input) => F.LayerNorm(input, _shape, Weight, Bias, Eps);

    protected override string ExtraRepr() =>
        $"({string.Join(", ", _shape)}{(_shape.Length == 1 ? "," : "")}), eps={Py(Eps)}, elementwise_affine={Py(ElementwiseAffine)}";
}

/// <summary>Splits the channels (dim 1 of (N, C, *)) into groups and normalises each group per sample; then scales
/// and shifts per channel. Batch-size independent, so it suits small batches.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true, Device? device = null,
        ScalarType? dtype = null)
    {
        if (numGroups <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"num_channels ({numChannels}) must be divisible by num_groups ({numGroups})");
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        Affine = affine;
        RegisterParameter("weight", affine ? new Parameter(Torch.Ones([numChannels], dtype, device)) : null);
        RegisterParameter("bias", affine ? new Parameter(Torch.Zeros([numChannels], dtype, device)) : null);
    }

    public long NumGroups { get; }
    public long NumChannels { get; }
    public double Eps { get; }
    public bool Affine { get; }
    public Parameter? Weight => GetParameter("weight");
    public Parameter? Bias => GetParameter("bias");

    public override Tensor Forward(Tensor input) => F.GroupNorm(input, NumGroups, Weight, Bias, Eps);

    protected override string ExtraRepr() => $"{NumGroups}, {NumChannels}, eps={Py(Eps)}, affine={Py(Affine)}";
}
