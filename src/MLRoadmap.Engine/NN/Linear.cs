using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>y = x Wᵀ + b over the last dim: (*, in_features) → (*, out_features). State: weight (out, in), bias (out).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Linear(long inFeatures, long outFeatures, bool bias = true, Device? device = null, ScalarType? dtype = null)
    {
        if (inFeatures < 0 || outFeatures < 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), "feature counts cannot be negative");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        // Allocate both, then initialise weight before bias: PyTorch's draw order, so seeded runs match it.
        RegisterParameter("weight", new Parameter(Torch.Empty([outFeatures, inFeatures], dtype, device)));
        RegisterParameter("bias", bias ? new Parameter(Torch.Empty([outFeatures], dtype, device)) : null);
        ResetParameters();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }

    public Parameter Weight
    {
        get => GetParameter("weight")!;
        set => RegisterParameter("weight", value ?? throw new ArgumentNullException(nameof(value)));
    }

    public Parameter? Bias
    {
        get => GetParameter("bias");
        set => RegisterParameter("bias", value);
    }

    /// <summary>PyTorch's default: weight and bias uniform on ±1/√in_features.</summary>
    public void ResetParameters() => Init.LinearDefault_(Weight, Bias);

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var last = input.Dim == 0 ? -1 : input.Size(-1);
        if (last != InFeatures)
            throw new ArgumentException($"Linear({InFeatures} → {OutFeatures}) needs the input's last dim to be {InFeatures}, " +
                                        $"got input of shape [{string.Join(", ", input.Shape)}]", nameof(input));
        return F.Linear(input, Weight, Bias);
    }

    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}";
}

/// <summary>Returns its input (as a new tensor object sharing it), a placeholder where a layer is optional.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input.Alias();
}

/// <summary>Flattens dims startDim..endDim into one: (N, C, H, W) → (N, C·H·W) by default.</summary>
public sealed class Flatten : Module<Tensor, Tensor>
{
    public Flatten(long startDim = 1, long endDim = -1)
    {
        StartDim = startDim;
        EndDim = endDim;
    }

    public long StartDim { get; }
    public long EndDim { get; }

    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}

/// <summary>Expands one dim into several: (N, 12) → (N, 3, 4) with Unflatten(1, [3, 4]).</summary>
public sealed class Unflatten : Module<Tensor, Tensor>
{
    private readonly long[] _sizes;

    public Unflatten(long dim, long[] sizes)
    {
        Dim = dim;
        _sizes = sizes?.ToArray() ?? throw new ArgumentNullException(nameof(sizes));
    }

    public long Dim { get; }
    public IReadOnlyList<long> Sizes => _sizes;

    public override Tensor Forward(Tensor input) => input.Unflatten(Dim, _sizes);

    protected override string ExtraRepr() => $"dim={Dim}, unflattened_size=({string.Join(", ", _sizes)})";
}
