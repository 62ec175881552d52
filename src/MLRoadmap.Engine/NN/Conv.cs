using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>
/// What Conv1d/2d/3d and ConvTranspose1d/2d/3d share (PyTorch's _ConvNd): the hyperparameters, weight and bias, and
/// the default initialisation. A convolution's weight is (out, in / groups, *kernel); a transposed one's is
/// (in, out / groups, *kernel), since it is the gradient of the convolution going the other way.
/// </summary>
public abstract class ConvNd : Module<Tensor, Tensor>
{
    private protected ConvNd(int spatialDims, bool transposed, long inChannels, long outChannels, SpatialSize kernelSize,
        SpatialSize? stride, ConvPadding padding, SpatialSize? dilation, SpatialSize? outputPadding, long groups, bool bias,
        PaddingMode paddingMode, Device? device, ScalarType? dtype)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be a positive integer");
        if (inChannels % groups != 0) throw new ArgumentException($"in_channels ({inChannels}) must be divisible by groups ({groups})");
        if (outChannels % groups != 0) throw new ArgumentException($"out_channels ({outChannels}) must be divisible by groups ({groups})");
        SpatialDims = spatialDims;
        Transposed = transposed;
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize.Expand(spatialDims, "kernel_size");
        Stride = (stride ?? 1).Expand(spatialDims, "stride");
        Dilation = (dilation ?? 1).Expand(spatialDims, "dilation");
        OutputPadding = (outputPadding ?? 0).Expand(spatialDims, "output_padding");
        Groups = groups;
        PaddingMode = paddingMode;
        Padding = padding;
        if (padding.Mode == 0) PaddingSizes = (padding.Size.IsEmpty ? 0 : padding.Size).Expand(spatialDims, "padding");
        else
        {
            if (padding.IsSame && Stride.Any(s => s != 1)) throw new ArgumentException("padding=\"same\" is not supported for strided convolutions");
            PaddingSizes = new long[spatialDims];
        }
        if (transposed && paddingMode != PaddingMode.Zeros)
            throw new ArgumentException($"only zeros padding mode is supported for transposed convolutions, not {paddingMode}");
        if (paddingMode != PaddingMode.Zeros) ReversedPadding = BorderPadding();

        long[] shape = transposed ? [inChannels, outChannels / groups, .. KernelSize] : [outChannels, inChannels / groups, .. KernelSize];
        RegisterParameter("weight", new Parameter(Torch.Empty(shape, dtype, device)));
        RegisterParameter("bias", bias ? new Parameter(Torch.Empty([outChannels], dtype, device)) : null);
        ResetParameters();
    }

    public int SpatialDims { get; }
    public bool Transposed { get; }
    public long InChannels { get; }
    public long OutChannels { get; }
    public long[] KernelSize { get; }
    public long[] Stride { get; }
    public ConvPadding Padding { get; }
    /// <summary>The padding per spatial dim (zeros for "same"/"valid", which the op works out).</summary>
    public long[] PaddingSizes { get; }
    public long[] Dilation { get; }
    public long[] OutputPadding { get; }
    public long Groups { get; }
    public PaddingMode PaddingMode { get; }

    /// <summary>For non-zero padding modes: F.pad's (before, after) pairs, last dim first.</summary>
    private protected long[]? ReversedPadding { get; }

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

    /// <summary>PyTorch's default: kaiming-uniform weight with a = √5, bias uniform on ±1/√fan_in.</summary>
    public void ResetParameters()
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (Bias is null) return;
        var (fanIn, _) = Init.CalculateFanInAndFanOut(Weight);
        if (fanIn == 0) return;
        var bound = 1 / Math.Sqrt(fanIn);
        Init.Uniform_(Bias, -bound, bound);
    }

    // "same" splits the total padding d·(k − 1) per dim with the odd element after, as PyTorch does.
    private long[] BorderPadding()
    {
        var pairs = new long[2 * SpatialDims];
        for (var d = 0; d < SpatialDims; d++)
        {
            var i = SpatialDims - 1 - d;
            long before = PaddingSizes[d], after = PaddingSizes[d];
            if (Padding.IsSame)
            {
                var total = Dilation[d] * (KernelSize[d] - 1);
                before = total / 2;
                after = total - before;
            }
            pairs[2 * i] = before;
            pairs[2 * i + 1] = after;
        }
        return pairs;
    }

    private protected Tensor Convolve(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Transposed)
            return SpatialDims switch
            {
                1 => F.ConvTranspose1d(input, Weight, Bias, Stride, PaddingSizes, OutputPadding, Groups, Dilation),
                2 => F.ConvTranspose2d(input, Weight, Bias, Stride, PaddingSizes, OutputPadding, Groups, Dilation),
                _ => F.ConvTranspose3d(input, Weight, Bias, Stride, PaddingSizes, OutputPadding, Groups, Dilation),
            };
        if (ReversedPadding is null) return Run(input, Padding.Mode == 0 ? PaddingSizes : Padding);

        // Reflect/replicate/circular: pad explicitly, then convolve without padding.
        using var scope = Torch.NewDisposeScope();
        var padded = F.Pad(input, ReversedPadding, (PadMode)(int)PaddingMode);
        return Run(padded, 0).MoveToOuterScope();

        Tensor Run(Tensor x, ConvPadding p) => SpatialDims switch
        {
            1 => F.Conv1d(x, Weight, Bias, Stride, p, Dilation, Groups),
            2 => F.Conv2d(x, Weight, Bias, Stride, p, Dilation, Groups),
            _ => F.Conv3d(x, Weight, Bias, Stride, p, Dilation, Groups),
        };
    }

    public override Tensor Forward(Tensor input) => Convolve(input);

    protected override string ExtraRepr()
    {
        static string T(long[] v) => v.Length == 1 ? $"({v[0]},)" : $"({string.Join(", ", v)})";
        var s = $"{InChannels}, {OutChannels}, kernel_size={T(KernelSize)}, stride={T(Stride)}";
        if (Padding.Mode != 0) s += $", padding={Padding}";
        else if (PaddingSizes.Any(p => p != 0)) s += $", padding={T(PaddingSizes)}";
        if (Dilation.Any(d => d != 1)) s += $", dilation={T(Dilation)}";
        if (OutputPadding.Any(p => p != 0)) s += $", output_padding={T(OutputPadding)}";
        if (Groups != 1) s += $", groups={Groups}";
        if (Bias is null) s += ", bias=False";
        if (PaddingMode != PaddingMode.Zeros) s += $", padding_mode={PaddingMode.ToString().ToLowerInvariant()}";
        return s;
    }
}

/// <summary>1-D convolution: (N, C_in, L) or (C_in, L) → (N, C_out, L_out).</summary>
public sealed class Conv1d(long inChannels, long outChannels, SpatialSize kernelSize, SpatialSize? stride = null,
    ConvPadding? padding = null, SpatialSize? dilation = null, long groups = 1, bool bias = true,
    PaddingMode paddingMode = PaddingMode.Zeros, Device? device = null, ScalarType? dtype = null)
    : ConvNd(1, false, inChannels, outChannels, kernelSize, stride, padding ?? 0, dilation, null, groups, bias,
        paddingMode, device, dtype);

/// <summary>2-D convolution: (N, C_in, H, W) or (C_in, H, W) → (N, C_out, H_out, W_out), with
/// H_out = ⌊(H + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.</summary>
public sealed class Conv2d(long inChannels, long outChannels, SpatialSize kernelSize, SpatialSize? stride = null,
    ConvPadding? padding = null, SpatialSize? dilation = null, long groups = 1, bool bias = true,
    PaddingMode paddingMode = PaddingMode.Zeros, Device? device = null, ScalarType? dtype = null)
    : ConvNd(2, false, inChannels, outChannels, kernelSize, stride, padding ?? 0, dilation, null, groups, bias,
        paddingMode, device, dtype);

/// <summary>3-D convolution: (N, C_in, D, H, W) → (N, C_out, D_out, H_out, W_out).</summary>
public sealed class Conv3d(long inChannels, long outChannels, SpatialSize kernelSize, SpatialSize? stride = null,
    ConvPadding? padding = null, SpatialSize? dilation = null, long groups = 1, bool bias = true,
    PaddingMode paddingMode = PaddingMode.Zeros, Device? device = null, ScalarType? dtype = null)
    : ConvNd(3, false, inChannels, outChannels, kernelSize, stride, padding ?? 0, dilation, null, groups, bias,
        paddingMode, device, dtype);

/// <summary>Transposed 1-D convolution (upsampling): L_out = (L − 1)·stride − 2·padding + dilation·(k − 1) +
/// output_padding + 1.</summary>
public sealed class ConvTranspose1d(long inChannels, long outChannels, SpatialSize kernelSize, SpatialSize? stride = null,
    SpatialSize? padding = null, SpatialSize? outputPadding = null, long groups = 1, bool bias = true,
    SpatialSize? dilation = null, Device? device = null, ScalarType? dtype = null)
    : ConvNd(1, true, inChannels, outChannels, kernelSize, stride, padding ?? 0, dilation, outputPadding, groups, bias,
        PaddingMode.Zeros, device, dtype);

/// <summary>Transposed 2-D convolution (upsampling), the gradient of Conv2d w.r.t. its input.</summary>
public sealed class ConvTranspose2d(long inChannels, long outChannels, SpatialSize kernelSize, SpatialSize? stride = null,
    SpatialSize? padding = null, SpatialSize? outputPadding = null, long groups = 1, bool bias = true,
    SpatialSize? dilation = null, Device? device = null, ScalarType? dtype = null)
    : ConvNd(2, true, inChannels, outChannels, kernelSize, stride, padding ?? 0, dilation, outputPadding, groups, bias,
        PaddingMode.Zeros, device, dtype);

/// <summary>Transposed 3-D convolution.</summary>
public sealed class ConvTranspose3d(long inChannels, long outChannels, SpatialSize kernelSize, SpatialSize? stride = null,
    SpatialSize? padding = null, SpatialSize? outputPadding = null, long groups = 1, bool bias = true,
    SpatialSize? dilation = null, Device? device = null, ScalarType? dtype = null)
    : ConvNd(3, true, inChannels, outChannels, kernelSize, stride, padding ?? 0, dilation, outputPadding, groups, bias,
        PaddingMode.Zeros, device, dtype);
