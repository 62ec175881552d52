using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>Max over sliding windows of (N, C, L) input. No stride means windows side by side (stride = kernel).</summary>
public sealed class MaxPool1d(SpatialSize kernelSize, SpatialSize? stride = null, SpatialSize? padding = null,
    SpatialSize? dilation = null, bool ceilMode = false) : Module<Tensor, Tensor>
{
    public SpatialSize KernelSize { get; } = kernelSize;
    public SpatialSize? Stride { get; } = stride;
    public SpatialSize Padding { get; } = padding ?? 0;
    public SpatialSize Dilation { get; } = dilation ?? 1;
    public bool CeilMode { get; } = ceilMode;

    public override Tensor Forward(Tensor input) => F.MaxPool1d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    protected override string ExtraRepr() =>
        $"kernel_size={KernelSize}, stride={Stride ?? KernelSize}, padding={Padding}, dilation={Dilation}, ceil_mode={(CeilMode ? "True" : "False")}";
}

/// <summary>Max over sliding windows of (N, C, H, W) input: the classic CNN downsampling. ceilMode lets a last
/// partial window produce an output instead of being dropped.</summary>
public sealed class MaxPool2d(SpatialSize kernelSize, SpatialSize? stride = null, SpatialSize? padding = null,
    SpatialSize? dilation = null, bool ceilMode = false) : Module<Tensor, Tensor>
{
    public SpatialSize KernelSize { get; } = kernelSize;
    public SpatialSize? Stride { get; } = stride;
    public SpatialSize Padding { get; } = padding ?? 0;
    public SpatialSize Dilation { get; } = dilation ?? 1;
    public bool CeilMode { get; } = ceilMode;

    public override Tensor Forward(Tensor input) => F.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    protected override string ExtraRepr() =>
        $"kernel_size={KernelSize}, stride={Stride ?? KernelSize}, padding={Padding}, dilation={Dilation}, ceil_mode={(CeilMode ? "True" : "False")}";
}

/// <summary>Mean over sliding windows of (N, C, L) input.</summary>
public sealed class AvgPool1d(SpatialSize kernelSize, SpatialSize? stride = null, SpatialSize? padding = null,
    bool ceilMode = false, bool countIncludePad = true) : Module<Tensor, Tensor>
{
    public SpatialSize KernelSize { get; } = kernelSize;
    public SpatialSize? Stride { get; } = stride;
    public SpatialSize Padding { get; } = padding ?? 0;
    public bool CeilMode { get; } = ceilMode;
    public bool CountIncludePad { get; } = countIncludePad;

    public override Tensor Forward(Tensor input) => F.AvgPool1d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad);

    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride ?? KernelSize}, padding={Padding}";
}

/// <summary>Mean over sliding windows of (N, C, H, W) input. countIncludePad: padded zeros count in the divisor.</summary>
public sealed class AvgPool2d(SpatialSize kernelSize, SpatialSize? stride = null, SpatialSize? padding = null,
    bool ceilMode = false, bool countIncludePad = true, long? divisorOverride = null) : Module<Tensor, Tensor>
{
    public SpatialSize KernelSize { get; } = kernelSize;
    public SpatialSize? Stride { get; } = stride;
    public SpatialSize Padding { get; } = padding ?? 0;
    public bool CeilMode { get; } = ceilMode;
    public bool CountIncludePad { get; } = countIncludePad;
    public long? DivisorOverride { get; } = divisorOverride;

    public override Tensor Forward(Tensor input) =>
        F.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);

    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride ?? KernelSize}, padding={Padding}";
}

/// <summary>Mean pooling of (N, C, L) input to a fixed length, whatever the input length.</summary>
public sealed class AdaptiveAvgPool1d(SpatialSize outputSize) : Module<Tensor, Tensor>
{
    public SpatialSize OutputSize { get; } = outputSize;
    public override Tensor Forward(Tensor input) => F.AdaptiveAvgPool1d(input, OutputSize);
    protected override string ExtraRepr() => $"output_size={OutputSize}";
}

/// <summary>Mean pooling of (N, C, H, W) input to a fixed size: <c>(1, 1)</c> is the global average pooling before
/// a classifier, which frees the network from a fixed input resolution.</summary>
public sealed class AdaptiveAvgPool2d(SpatialSize outputSize) : Module<Tensor, Tensor>
{
    public SpatialSize OutputSize { get; } = outputSize;
    public override Tensor Forward(Tensor input) => F.AdaptiveAvgPool2d(input, OutputSize);
    protected override string ExtraRepr() => $"output_size={OutputSize}";
}

/// <summary>Max pooling of (N, C, H, W) input to a fixed size.</summary>
public sealed class AdaptiveMaxPool2d(SpatialSize outputSize) : Module<Tensor, Tensor>
{
    public SpatialSize OutputSize { get; } = outputSize;
    public override Tensor Forward(Tensor input) => F.AdaptiveMaxPool2d(input, OutputSize);
    protected override string ExtraRepr() => $"output_size={OutputSize}";
}
