using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Imaging;

public static partial class Image
{
    /// <summary>
    /// Resizes an image (C, H, W) or a batch (N, C, H, W) to <paramref name="height"/> × <paramref name="width"/>,
    /// keeping its dtype, as torchvision's <c>resize</c> on tensors: integer images are resampled in float32, then
    /// rounded and clamped to the dtype's range. Bilinear and bicubic use align_corners = false and, with
    /// <paramref name="antialias"/>, PIL-like filtering when shrinking. Returns a new tensor (a view of the input
    /// when the size already matches).
    /// </summary>
    public static Tensor Resize(Tensor image, long height, long width, InterpolateMode mode = InterpolateMode.Bilinear,
        bool antialias = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Dim is not (3 or 4))
            throw new ArgumentException($"Resize expects (C, H, W) or (N, C, H, W), got shape [{string.Join(", ", image.Shape)}]", nameof(image));
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"the target size must be positive, got {height}x{width}");
        if (mode is not (InterpolateMode.Nearest or InterpolateMode.NearestExact or InterpolateMode.Bilinear or InterpolateMode.Bicubic))
            throw new ArgumentException($"Resize takes Nearest, NearestExact, Bilinear or Bicubic, not {mode}", nameof(mode));
        var shape = image.Shape;
        if (shape[^2] == height && shape[^1] == width) return image.Alias();
        var filtering = mode is InterpolateMode.Bilinear or InterpolateMode.Bicubic;
        var integral = image.Dtype.IsIntegral();
        using var scope = Torch.NewDisposeScope();
        var x = image.Dim == 3 ? image.Unsqueeze(0) : image;
        if (filtering && integral) x = x.To(ScalarType.Float32);
        var y = F.Interpolate(x, (height, width), mode: mode, alignCorners: filtering ? false : null,
            antialias: antialias && filtering);
        if (filtering && integral) y = y.Round().Clamp(Min(image.Dtype), Max(image.Dtype)).To(image.Dtype);
        if (image.Dim == 3) y = y.Squeeze(0);
        return y.MoveToOuterScope();
    }

    private static long Min(ScalarType t) => t switch
    {
        ScalarType.UInt8 => 0,
        ScalarType.Int8 => sbyte.MinValue,
        ScalarType.Int16 => short.MinValue,
        ScalarType.Int32 => int.MinValue,
        _ => long.MinValue,
    };

    private static long Max(ScalarType t) => t switch
    {
        ScalarType.UInt8 => byte.MaxValue,
        ScalarType.Int8 => sbyte.MaxValue,
        ScalarType.Int16 => short.MaxValue,
        ScalarType.Int32 => int.MaxValue,
        _ => long.MaxValue,
    };
}
