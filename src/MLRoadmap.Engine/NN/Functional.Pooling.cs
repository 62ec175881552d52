using MLRoadmap.Interop;

namespace MLRoadmap.NN;

// Pooling, padding and attention. Native side: src/Native/nn_functional.cpp and nn_attention.cpp.
public static partial class Functional
{
    // ---- pooling ---------------------------------------------------------------------------------------------

    private static unsafe (Tensor Output, Tensor? Indices) Pool(int kind, int n, Tensor input, SpatialSize kernelSize,
        SpatialSize? stride, SpatialSize? padding, SpatialSize? dilation, bool ceilMode, bool countIncludePad,
        long? divisorOverride, bool withIndices)
    {
        ArgumentNullException.ThrowIfNull(input);
        var k = kernelSize.Expand(n, "kernel_size");
        // No stride means "the kernel size" (non-overlapping windows), PyTorch's default.
        var s = stride is { IsEmpty: false } st ? st.Expand(n, "stride") : [];
        var p = (padding ?? 0).Expand(n, "padding");
        var d = (dilation ?? 1).Expand(n, "dilation");
        if (divisorOverride is <= 0) throw new ArgumentOutOfRangeException(nameof(divisorOverride), "divisor must be positive");
        TensorHandle r;
        IntPtr indices = IntPtr.Zero;
        fixed (long* pk = k, ps = s, pp = p, pd = d)
            Native.Check(Native.mlr_nn_functional_pool(kind, input.Handle, pk, ps, s.Length, pp, pd, n, ceilMode ? 1 : 0,
                countIncludePad ? 1 : 0, divisorOverride ?? 0, out r, withIndices ? &indices : null));
        return (Take(r), Tensor.Wrap(indices));
    }

    /// <summary>Max over sliding windows: (N, C, L) or (C, L).</summary>
    public static Tensor MaxPool1d(Tensor input, SpatialSize kernelSize, SpatialSize? stride = null,
        SpatialSize? padding = null, SpatialSize? dilation = null, bool ceilMode = false) =>
        Pool(0, 1, input, kernelSize, stride, padding, dilation, ceilMode, false, null, false).Output;

    /// <summary>Max over sliding windows: (N, C, H, W) or (C, H, W). Padding counts as −∞; ceilMode lets a last
    /// partial window produce an output.</summary>
    public static Tensor MaxPool2d(Tensor input, SpatialSize kernelSize, SpatialSize? stride = null,
        SpatialSize? padding = null, SpatialSize? dilation = null, bool ceilMode = false) =>
        Pool(0, 2, input, kernelSize, stride, padding, dilation, ceilMode, false, null, false).Output;

    public static Tensor MaxPool3d(Tensor input, SpatialSize kernelSize, SpatialSize? stride = null,
        SpatialSize? padding = null, SpatialSize? dilation = null, bool ceilMode = false) =>
        Pool(0, 3, input, kernelSize, stride, padding, dilation, ceilMode, false, null, false).Output;

    /// <summary>MaxPool2d plus the flat (per-plane) index of each maximum, as MaxUnpool2d takes them.</summary>
    public static (Tensor Output, Tensor Indices) MaxPool2dWithIndices(Tensor input, SpatialSize kernelSize,
        SpatialSize? stride = null, SpatialSize? padding = null, SpatialSize? dilation = null, bool ceilMode = false)
    {
        var (o, i) = Pool(0, 2, input, kernelSize, stride, padding, dilation, ceilMode, false, null, true);
        return (o, i!);
    }

    public static Tensor AvgPool1d(Tensor input, SpatialSize kernelSize, SpatialSize? stride = null,
        SpatialSize? padding = null, bool ceilMode = false, bool countIncludePad = true) =>
        Pool(1, 1, input, kernelSize, stride, padding, null, ceilMode, countIncludePad, null, false).Output;

    /// <summary>Mean over sliding windows. countIncludePad: padded zeros count in the divisor (PyTorch's default);
    /// divisorOverride replaces the divisor altogether.</summary>
    public static Tensor AvgPool2d(Tensor input, SpatialSize kernelSize, SpatialSize? stride = null,
        SpatialSize? padding = null, bool ceilMode = false, bool countIncludePad = true, long? divisorOverride = null) =>
        Pool(1, 2, input, kernelSize, stride, padding, null, ceilMode, countIncludePad, divisorOverride, false).Output;

    public static Tensor AvgPool3d(Tensor input, SpatialSize kernelSize, SpatialSize? stride = null,
        SpatialSize? padding = null, bool ceilMode = false, bool countIncludePad = true, long? divisorOverride = null) =>
        Pool(1, 3, input, kernelSize, stride, padding, null, ceilMode, countIncludePad, divisorOverride, false).Output;

    private static unsafe (Tensor Output, Tensor? Indices) AdaptivePool(int kind, int n, Tensor input,
        SpatialSize outputSize, bool withIndices)
    {
        ArgumentNullException.ThrowIfNull(input);
        var size = outputSize.Expand(n, "output_size");
        TensorHandle r;
        IntPtr indices = IntPtr.Zero;
        fixed (long* ps = size)
            Native.Check(Native.mlr_nn_functional_adaptive_pool(kind, input.Handle, ps, n, out r, withIndices ? &indices : null));
        return (Take(r), Tensor.Wrap(indices));
    }

    /// <summary>Mean pooling to a fixed output length, whatever the input length.</summary>
    public static Tensor AdaptiveAvgPool1d(Tensor input, SpatialSize outputSize) => AdaptivePool(0, 1, input, outputSize, false).Output;

    /// <summary>Mean pooling to a fixed (H, W): <c>(1, 1)</c> is global average pooling.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, SpatialSize outputSize) => AdaptivePool(0, 2, input, outputSize, false).Output;

    public static Tensor AdaptiveAvgPool3d(Tensor input, SpatialSize outputSize) => AdaptivePool(0, 3, input, outputSize, false).Output;

    public static Tensor AdaptiveMaxPool1d(Tensor input, SpatialSize outputSize) => AdaptivePool(1, 1, input, outputSize, false).Output;

    public static Tensor AdaptiveMaxPool2d(Tensor input, SpatialSize outputSize) => AdaptivePool(1, 2, input, outputSize, false).Output;

    // ---- padding ---------------------------------------------------------------------------------------------

    /// <summary>Pads the trailing dims: <paramref name="pad"/> holds (before, after) pairs starting from the last dim,
    /// so <c>Pad(x, [1, 1, 2, 0])</c> adds one column each side and two rows on top. Negative values crop.</summary>
    public static unsafe Tensor Pad(Tensor input, ReadOnlySpan<long> pad, PadMode mode = PadMode.Constant, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (pad.Length % 2 != 0) throw new ArgumentException($"pad needs (before, after) pairs, got {pad.Length} values", nameof(pad));
        if (mode != PadMode.Constant && value != 0) throw new ArgumentException($"a fill value only applies to constant padding, not {mode}", nameof(value));
        TensorHandle r;
        fixed (long* p = pad) Native.Check(Native.mlr_nn_functional_pad(input.Handle, p, pad.Length, (int)mode, value, out r));
        return Take(r);
    }

    // ---- attention -------------------------------------------------------------------------------------------

    /// <summary>Whether <see cref="ScaledDotProductAttention"/> runs libtorch's fused kernels (libtorch 2.x); on
    /// 1.13 it runs the math form.</summary>
    public static bool FusedAttentionAvailable => Native.mlr_nn_attention_fused_available() != 0;

    /// <summary>softmax(Q Kᵀ · scale + mask) V over the last two dims: q (…, L, E), k (…, S, E), v (…, S, Ev) →
    /// (…, L, Ev). A bool <paramref name="attnMask"/> is true where attention is ALLOWED (PyTorch's sdpa convention;
    /// MultiheadAttention's masks are the opposite); a float mask is added to the scores. isCausal lets query i
    /// see keys 0..i. scale defaults to 1/√E. dropoutP applies to the weights: pass 0 when not training.</summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        double dropoutP = 0.0, bool isCausal = false, double? scale = null) =>
        Attention(query, key, value, attnMask, dropoutP, isCausal, scale, false).Output;

    /// <summary>The attention output and the attention weights (…, L, S), after dropout, as MultiheadAttention
    /// returns them. Always the math form: the fused kernels never build the weights.</summary>
    public static (Tensor Output, Tensor Weights) ScaledDotProductAttentionWithWeights(Tensor query, Tensor key,
        Tensor value, Tensor? attnMask = null, double dropoutP = 0.0, bool isCausal = false, double? scale = null)
    {
        var (o, w) = Attention(query, key, value, attnMask, dropoutP, isCausal, scale, true);
        return (o, w!);
    }

    private static unsafe (Tensor Output, Tensor? Weights) Attention(Tensor q, Tensor k, Tensor v, Tensor? mask,
        double dropoutP, bool isCausal, double? scale, bool needWeights)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        if (scale is <= 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive");
        IntPtr weights = IntPtr.Zero;
        Native.Check(Native.mlr_nn_attention_sdpa(q.Handle, k.Handle, v.Handle, Raw(mask), dropoutP, isCausal ? 1 : 0,
            scale ?? 0, needWeights ? 1 : 0, out var r, needWeights ? &weights : null));
        GC.KeepAlive(mask);
        return (Take(r), Tensor.Wrap(weights));
    }
}
