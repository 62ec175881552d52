using MLRoadmap.Interop;

namespace MLRoadmap.NN;

/// <summary>
/// torch.nn.functional: the stateless ops the layers are built from. Import it as
/// <c>using F = MLRoadmap.NN.Functional;</c> and write <c>F.Relu(x)</c>, <c>F.CrossEntropy(logits, y)</c>.
/// Every op returns a new tensor (owned by the current dispose scope), except the <c>inplace: true</c> forms,
/// which return their input.
/// </summary>
/// <remarks>Split over Functional.cs (activations, linear, convolution, normalisation, dropout, embedding),
/// Functional.Pooling.cs (pooling, padding, attention) and Functional.Losses.cs.</remarks>
public static partial class Functional
{
    // ---- plumbing --------------------------------------------------------------------------------------------

    /// <summary>The raw handle of an optional tensor (zero for null). Callers keep the tensor alive with GC.KeepAlive.</summary>
    internal static IntPtr Raw(Tensor? t)
    {
        if (t is null) return IntPtr.Zero;
        ObjectDisposedException.ThrowIf(t.IsDisposed, t);
        return t.Handle.DangerousGetHandle();
    }

    internal static Tensor Take(TensorHandle handle) => new(handle);

    private static Tensor Activation(ActivationOp op, Tensor x, double a = 0, double b = 0, bool inplace = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        Native.Check(Native.mlr_nn_functional_activation((int)op, x.Handle, a, b, inplace ? 1 : 0, out var r));
        return inplace ? x : Tensor.Wrap(r)!;
    }

    // ---- activations -----------------------------------------------------------------------------------------

    public static Tensor Relu(Tensor x, bool inplace = false) => inplace ? x.Relu_() : x.Relu();

    /// <summary>min(max(x, 0), 6).</summary>
    public static Tensor Relu6(Tensor x, bool inplace = false) => Activation(ActivationOp.Relu6, x, inplace: inplace);

    /// <summary>x for x ≥ 0, negativeSlope·x otherwise.</summary>
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.01, bool inplace = false) =>
        Activation(ActivationOp.LeakyRelu, x, negativeSlope, inplace: inplace);

    /// <summary>x for x &gt; 0, alpha·(eˣ − 1) otherwise.</summary>
    public static Tensor Elu(Tensor x, double alpha = 1.0, bool inplace = false) =>
        Activation(ActivationOp.Elu, x, alpha, inplace: inplace);

    /// <summary>Self-normalising ELU with PyTorch's fixed alpha and scale.</summary>
    public static Tensor Selu(Tensor x, bool inplace = false) => Activation(ActivationOp.Selu, x, inplace: inplace);

    /// <summary>max(0, x) + min(0, alpha·(e^(x/alpha) − 1)).</summary>
    public static Tensor Celu(Tensor x, double alpha = 1.0, bool inplace = false) =>
        Activation(ActivationOp.Celu, x, alpha, inplace: inplace);

    /// <summary>x·Φ(x), exact (erf) or with the tanh approximation.</summary>
    public static Tensor Gelu(Tensor x, GeluApproximation approximate = GeluApproximation.None) =>
        Activation(approximate == GeluApproximation.Tanh ? ActivationOp.GeluTanh : ActivationOp.Gelu, x);

    /// <summary>x·σ(x) (swish).</summary>
    public static Tensor Silu(Tensor x, bool inplace = false) => Activation(ActivationOp.Silu, x, inplace: inplace);

    /// <summary>x·tanh(softplus(x)).</summary>
    public static Tensor Mish(Tensor x, bool inplace = false) => Activation(ActivationOp.Mish, x, inplace: inplace);

    /// <summary>log(1 + e^(beta·x)) / beta, linear above <paramref name="threshold"/> (for beta·x) for stability.</summary>
    public static Tensor Softplus(Tensor x, double beta = 1.0, double threshold = 20.0) =>
        Activation(ActivationOp.Softplus, x, beta, threshold);

    public static Tensor Hardswish(Tensor x, bool inplace = false) => Activation(ActivationOp.Hardswish, x, inplace: inplace);

    public static Tensor Hardsigmoid(Tensor x, bool inplace = false) => Activation(ActivationOp.Hardsigmoid, x, inplace: inplace);

    /// <summary>x clipped to [minVal, maxVal].</summary>
    public static Tensor Hardtanh(Tensor x, double minVal = -1.0, double maxVal = 1.0, bool inplace = false)
    {
        if (maxVal < minVal) throw new ArgumentException($"Hardtanh needs minVal ≤ maxVal, got {minVal} and {maxVal}");
        return Activation(ActivationOp.Hardtanh, x, minVal, maxVal, inplace);
    }

    public static Tensor LogSigmoid(Tensor x) => Activation(ActivationOp.LogSigmoid, x);

    public static Tensor Hardshrink(Tensor x, double lambda = 0.5) => Activation(ActivationOp.Hardshrink, x, lambda);

    public static Tensor Softshrink(Tensor x, double lambda = 0.5) => Activation(ActivationOp.Softshrink, x, lambda);

    /// <summary>x where x &gt; threshold, else value.</summary>
    public static Tensor Threshold(Tensor x, double threshold, double value, bool inplace = false) =>
        Activation(ActivationOp.Threshold, x, threshold, value, inplace);

    public static Tensor Tanh(Tensor x) => x.Tanh();

    public static Tensor Sigmoid(Tensor x) => x.Sigmoid();

    public static Tensor Softmax(Tensor x, long dim, ScalarType? dtype = null) => x.Softmax(dim, dtype);

    public static Tensor LogSoftmax(Tensor x, long dim, ScalarType? dtype = null) => x.LogSoftmax(dim, dtype);

    /// <summary>x for x ≥ 0, weight·x otherwise; weight holds one slope or one per channel (dim 1).</summary>
    public static Tensor Prelu(Tensor x, Tensor weight)
    {
        Native.Check(Native.mlr_nn_functional_prelu(x.Handle, weight.Handle, out var r));
        return Take(r);
    }

    // ---- linear and convolution ------------------------------------------------------------------------------

    /// <summary>x Wᵀ + b over the last dim: (*, in) → (*, out). weight (out, in), bias (out) or null.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        Native.Check(Native.mlr_nn_functional_linear(input.Handle, weight.Handle, Raw(bias), out var r));
        GC.KeepAlive(bias);
        return Take(r);
    }

    /// <summary>(N, C_in, L) or (C_in, L) → (N, C_out, L_out). weight (C_out, C_in / groups, k).</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, SpatialSize? stride = null,
        ConvPadding? padding = null, SpatialSize? dilation = null, long groups = 1) =>
        Conv(1, input, weight, bias, stride, padding, dilation, groups);

    /// <summary>(N, C_in, H, W) or (C_in, H, W) → (N, C_out, H_out, W_out). weight (C_out, C_in / groups, kH, kW).</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, SpatialSize? stride = null,
        ConvPadding? padding = null, SpatialSize? dilation = null, long groups = 1) =>
        Conv(2, input, weight, bias, stride, padding, dilation, groups);

    public static Tensor Conv3d(Tensor input, Tensor weight, Tensor? bias = null, SpatialSize? stride = null,
        ConvPadding? padding = null, SpatialSize? dilation = null, long groups = 1) =>
        Conv(3, input, weight, bias, stride, padding, dilation, groups);

    /// <summary>The gradient of Conv1d w.r.t. its input ("deconvolution"). weight (C_in, C_out / groups, k).</summary>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias = null, SpatialSize? stride = null,
        SpatialSize? padding = null, SpatialSize? outputPadding = null, long groups = 1, SpatialSize? dilation = null) =>
        ConvTranspose(1, input, weight, bias, stride, padding, outputPadding, groups, dilation);

    /// <summary>The gradient of Conv2d w.r.t. its input. weight (C_in, C_out / groups, kH, kW). outputPadding adds
    /// rows/columns on one side to pick among the input sizes a strided convolution maps to the same size.</summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, SpatialSize? stride = null,
        SpatialSize? padding = null, SpatialSize? outputPadding = null, long groups = 1, SpatialSize? dilation = null) =>
        ConvTranspose(2, input, weight, bias, stride, padding, outputPadding, groups, dilation);

    public static Tensor ConvTranspose3d(Tensor input, Tensor weight, Tensor? bias = null, SpatialSize? stride = null,
        SpatialSize? padding = null, SpatialSize? outputPadding = null, long groups = 1, SpatialSize? dilation = null) =>
        ConvTranspose(3, input, weight, bias, stride, padding, outputPadding, groups, dilation);

    private static unsafe Tensor Conv(int n, Tensor input, Tensor weight, Tensor? bias, SpatialSize? stride,
        ConvPadding? padding, SpatialSize? dilation, long groups)
    {
        var pad = padding ?? 0;
        var s = (stride ?? 1).Expand(n, "stride");
        var d = (dilation ?? 1).Expand(n, "dilation");
        var p = pad.Mode == 0 ? (pad.Size.IsEmpty ? 0 : pad.Size).Expand(n, "padding") : new long[n];
        var op = new long[n];
        TensorHandle r;
        fixed (long* ps = s, pp = p, pd = d, po = op)
            Native.Check(Native.mlr_nn_functional_conv(0, input.Handle, weight.Handle, Raw(bias), ps, pp, pd, po, n,
                pad.Mode, groups, out r));
        GC.KeepAlive(bias);
        return Take(r);
    }

    private static unsafe Tensor ConvTranspose(int n, Tensor input, Tensor weight, Tensor? bias, SpatialSize? stride,
        SpatialSize? padding, SpatialSize? outputPadding, long groups, SpatialSize? dilation)
    {
        var s = (stride ?? 1).Expand(n, "stride");
        var p = (padding ?? 0).Expand(n, "padding");
        var op = (outputPadding ?? 0).Expand(n, "outputPadding");
        var d = (dilation ?? 1).Expand(n, "dilation");
        TensorHandle r;
        fixed (long* ps = s, pp = p, pd = d, po = op)
            Native.Check(Native.mlr_nn_functional_conv(1, input.Handle, weight.Handle, Raw(bias), ps, pp, pd, po, n, 0,
                groups, out r));
        GC.KeepAlive(bias);
        return Take(r);
    }

    // ---- normalisation ---------------------------------------------------------------------------------------

    /// <summary>Normalises each channel (dim 1) over the batch and spatial dims. training: batch statistics, and
    /// the running ones (when given) move towards them by <paramref name="momentum"/>, in place; otherwise the
    /// running statistics normalise.</summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null,
        Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (training)
        {
            // A single value per channel has no variance; PyTorch refuses it in training for the same reason.
            var shape = input.Shape;
            long perChannel = shape.Length > 0 ? shape[0] : 1;
            for (var i = 2; i < shape.Length; i++) perChannel *= shape[i];
            if (perChannel == 1)
                throw new ArgumentException($"Expected more than 1 value per channel when training, got input size [{string.Join(", ", shape)}]");
        }
        Native.Check(Native.mlr_nn_functional_batch_norm(input.Handle, Raw(weight), Raw(bias), Raw(runningMean),
            Raw(runningVar), training ? 1 : 0, momentum, eps, out var r));
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        GC.KeepAlive(runningMean);
        GC.KeepAlive(runningVar);
        return Take(r);
    }

    /// <summary>Normalises over the trailing dims <paramref name="normalizedShape"/> (each sample on its own).</summary>
    public static unsafe Tensor LayerNorm(Tensor input, ReadOnlySpan<long> normalizedShape, Tensor? weight = null,
        Tensor? bias = null, double eps = 1e-5)
    {
        TensorHandle r;
        fixed (long* s = normalizedShape)
            Native.Check(Native.mlr_nn_functional_norm(0, input.Handle, s, normalizedShape.Length, 0, Raw(weight),
                Raw(bias), eps, out r));
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        return Take(r);
    }

    /// <summary>Normalises each of <paramref name="numGroups"/> channel groups over the group's channels and
    /// spatial dims. input (N, C, *).</summary>
    public static Tensor GroupNorm(Tensor input, long numGroups, Tensor? weight = null, Tensor? bias = null,
        double eps = 1e-5)
    {
        unsafe
        {
            Native.Check(Native.mlr_nn_functional_norm(1, input.Handle, null, 0, numGroups, Raw(weight), Raw(bias), eps,
                out var r));
            GC.KeepAlive(weight);
            GC.KeepAlive(bias);
            return Take(r);
        }
    }

    // ---- dropout ---------------------------------------------------------------------------------------------

    private static Tensor DropoutKind(int kind, Tensor input, double p, bool training, bool inplace)
    {
        ArgumentNullException.ThrowIfNull(input);
        Native.Check(Native.mlr_nn_functional_dropout(kind, input.Handle, p, training ? 1 : 0, inplace ? 1 : 0, out var r));
        return inplace ? input : Tensor.Wrap(r)!;
    }

    /// <summary>Zeroes each element with probability p and scales the rest by 1 / (1 − p), when training.
    /// Draws from the default generator as PyTorch does, so a seeded run repeats PyTorch's mask.</summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, bool inplace = false) =>
        DropoutKind(0, input, p, training, inplace);

    /// <summary>Zeroes whole channels (dim 1 of (N, C, *)), as Dropout1d/2d/3d.</summary>
    public static Tensor FeatureDropout(Tensor input, double p = 0.5, bool training = true, bool inplace = false) =>
        DropoutKind(1, input, p, training, inplace);

    /// <summary>Dropout that keeps SELU's mean and variance.</summary>
    public static Tensor AlphaDropout(Tensor input, double p = 0.5, bool training = false, bool inplace = false) =>
        DropoutKind(2, input, p, training, inplace);

    // ---- embedding -------------------------------------------------------------------------------------------

    /// <summary>Rows of <paramref name="weight"/> (num_embeddings, dim) at integer <paramref name="input"/> indices:
    /// (*) → (*, dim). The paddingIdx row gets no gradient. maxNorm renormalises the rows read, in place.</summary>
    public static Tensor Embedding(Tensor input, Tensor weight, long? paddingIdx = null, double? maxNorm = null,
        double normType = 2.0, bool scaleGradByFreq = false, bool sparse = false)
    {
        var pad = NormalizePaddingIdx(paddingIdx, weight.Size(0));
        Native.Check(Native.mlr_nn_functional_embedding(weight.Handle, input.Handle, pad, maxNorm ?? 0, normType,
            scaleGradByFreq ? 1 : 0, sparse ? 1 : 0, out var r));
        return Take(r);
    }

    internal static long NormalizePaddingIdx(long? paddingIdx, long numEmbeddings)
    {
        if (paddingIdx is not { } p) return -1;
        if (p >= numEmbeddings || p < -numEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"padding_idx must be within the {numEmbeddings} embeddings");
        return p < 0 ? p + numEmbeddings : p;
    }
}
