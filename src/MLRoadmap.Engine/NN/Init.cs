using MLRoadmap.Interop;

namespace MLRoadmap.NN;

/// <summary>Activation a layer feeds, for <see cref="Init.CalculateGain"/>.</summary>
public enum Nonlinearity
{
    Linear, Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Sigmoid, Tanh, Relu, LeakyRelu, Selu,
}

/// <summary>Which fan Kaiming initialisation preserves: the forward pass's variance (FanIn) or the backward's (FanOut).</summary>
public enum FanMode
{
    FanIn,
    FanOut,
}

/// <summary>
/// torch.nn.init: in-place initialisers, each returning its tensor. They run without recording gradients (so they
/// work on parameters) and draw from the default generator in PyTorch's order with PyTorch's arithmetic, so after
/// the same <see cref="Torch.ManualSeed"/> they produce PyTorch's exact values.
/// </summary>
public static class Init
{
    /// <summary>The gain that keeps activations' variance steady through <paramref name="nonlinearity"/>: 1 for
    /// linear layers and sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU (slope 0.01 by
    /// default), 3/4 for SELU.</summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + Square(param ?? 0.01))),
        Nonlinearity.Selu => 3.0 / 4,
        _ when Enum.IsDefined(nonlinearity) => 1.0,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "unknown nonlinearity"),
    };

    // Python's `x ** 2`, which is correctly rounded like x * x.
    private static double Square(double x) => x * x;

    /// <summary>fan_in = size(1)·receptive field, fan_out = size(0)·receptive field, where the receptive field is
    /// the product of the dims after the first two (a conv kernel's area).</summary>
    public static (long FanIn, long FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        var shape = tensor.Shape;
        if (shape.Length < 2)
            throw new ArgumentException($"fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [{string.Join(", ", shape)}])");
        long receptive = 1;
        for (var i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    private static long Fan(Tensor tensor, FanMode mode)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return mode == FanMode.FanIn ? fanIn : fanOut;
    }

    // ---- plain fills and draws -------------------------------------------------------------------------------

    /// <summary>Uniform on [a, b).</summary>
    public static Tensor Uniform_(Tensor tensor, double a = 0.0, double b = 1.0)
    {
        using var _ = Torch.NoGrad();
        return tensor.Uniform_(a, b);
    }

    public static Tensor Normal_(Tensor tensor, double mean = 0.0, double std = 1.0)
    {
        using var _ = Torch.NoGrad();
        return tensor.Normal_(mean, std);
    }

    /// <summary>Normal(mean, std) truncated to [a, b], by inverting the CDF of a uniform draw (PyTorch's method:
    /// one uniform draw per element, no rejection).</summary>
    public static Tensor TruncNormal_(Tensor tensor, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0)
    {
        var l = NormCdf((a - mean) / std);
        var u = NormCdf((b - mean) / std);
        using var _ = Torch.NoGrad();
        tensor.Uniform_(2 * l - 1, 2 * u - 1);
        tensor.Erfinv_();
        tensor.Mul_(std * Math.Sqrt(2.0));
        tensor.Add_(mean);
        tensor.Clamp_(a, b);
        return tensor;
    }

    // (1 + erf(x / √2)) / 2. .NET has no erf; libtorch's float64 erf is the C library's, as Python's math.erf.
    private static double NormCdf(double x)
    {
        using var scope = Torch.NewDisposeScope();
        var erf = Torch.Scalar(x / Math.Sqrt(2.0)).Erf().Item<double>();
        return (1.0 + erf) / 2.0;
    }

    private static Tensor Fill(int kind, Tensor tensor, Scalar value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Native.Check(Native.mlr_nn_init_fill_(kind, tensor.Handle, value.ToNative()));
        return tensor;
    }

    public static Tensor Constant_(Tensor tensor, Scalar value) => Fill(0, tensor, value);

    public static Tensor Zeros_(Tensor tensor) => Fill(1, tensor, 0);

    public static Tensor Ones_(Tensor tensor) => Fill(0, tensor, 1);

    /// <summary>The identity on a 2-D tensor (ones on the main diagonal), which keeps a linear layer's inputs.</summary>
    public static Tensor Eye_(Tensor tensor) => Fill(2, tensor, 0);

    // ---- variance-preserving schemes -------------------------------------------------------------------------

    /// <summary>Glorot: uniform on ±gain·√(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1.0)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        var std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        var a = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -a, a);
    }

    /// <summary>Glorot: normal with std gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1.0)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        var std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        return Normal_(tensor, 0.0, std);
    }

    /// <summary>He: uniform on ±gain·√(3 / fan), gain from <paramref name="nonlinearity"/> and its negative slope
    /// <paramref name="a"/>. PyTorch's layers use a = √5 (a uniform bound of 1/√fan_in).</summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0.0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        if (tensor.Numel == 0) return tensor;
        var gain = CalculateGain(nonlinearity, a);
        var std = gain / Math.Sqrt(Fan(tensor, mode));
        var bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound);
    }

    /// <summary>He: normal with std gain / √fan.</summary>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0.0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        if (tensor.Numel == 0) return tensor;
        var gain = CalculateGain(nonlinearity, a);
        var std = gain / Math.Sqrt(Fan(tensor, mode));
        return Normal_(tensor, 0, std);
    }

    /// <summary>A (semi-)orthogonal matrix scaled by gain, from the QR decomposition of a normal draw (Saxe et al.).
    /// Tensors of more than 2 dims are treated as (size(0), rest).</summary>
    public static Tensor Orthogonal_(Tensor tensor, double gain = 1.0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Native.Check(Native.mlr_nn_init_orthogonal_(tensor.Handle, gain));
        return tensor;
    }

    // ---- the defaults PyTorch's layers use -------------------------------------------------------------------

    /// <summary>nn.Linear's and nn.ConvNd's reset_parameters: weight kaiming-uniform with a = √5 (bound 1/√fan_in),
    /// then the bias uniform on ±1/√fan_in, in that order.</summary>
    internal static void LinearDefault_(Tensor weight, Tensor? bias)
    {
        KaimingUniform_(weight, a: Math.Sqrt(5));
        if (bias is null) return;
        var (fanIn, _) = CalculateFanInAndFanOut(weight);
        var bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        Uniform_(bias, -bound, bound);
    }
}
