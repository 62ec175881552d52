using MLRoadmap.Interop;

namespace MLRoadmap.NN;

/// <summary>How <see cref="Functional.Interpolate"/> computes new samples (PyTorch's <c>mode</c> names).</summary>
public enum InterpolateMode
{
    /// <summary>The nearest input sample, PyTorch's legacy rule (floor of out·scale; shifts the image slightly).</summary>
    Nearest = 0,
    /// <summary>The nearest input sample with pixel centres aligned (PIL's and OpenCV's nearest).</summary>
    NearestExact = 1,
    /// <summary>Linear, 3-D input (N, C, L).</summary>
    Linear = 2,
    /// <summary>Bilinear, 4-D input (N, C, H, W).</summary>
    Bilinear = 3,
    /// <summary>Bicubic (a = −0.75), 4-D input; may overshoot the input's range.</summary>
    Bicubic = 4,
    /// <summary>Trilinear, 5-D input (N, C, D, H, W).</summary>
    Trilinear = 5,
    /// <summary>Adaptive average pooling to the output size.</summary>
    Area = 6,
}

// Resampling. Native side: mlr_nn_functional_interpolate in src/Native/nn_functional.cpp.
public static partial class Functional
{
    /// <summary>
    /// Resamples the spatial dims of <paramref name="input"/> (N, C, *spatial) with 1 to 3 spatial dims, as
    /// <c>F.interpolate</c>: give the output <paramref name="size"/> or a <paramref name="scaleFactor"/> (one value
    /// for every dim, or one per dim), not both. <paramref name="alignCorners"/> (linear and cubic modes only; default
    /// false) maps corner pixel centres onto each other. With a scale factor the kernels use it as given unless
    /// <paramref name="recomputeScaleFactor"/>, which resamples to floor(in·scale) as if that size had been asked
    /// for. <paramref name="antialias"/> (bilinear and bicubic) widens the filter when shrinking, as PIL does.
    /// Float inputs for the linear and cubic modes; nearest modes also take integer dtypes.
    /// </summary>
    public static unsafe Tensor Interpolate(Tensor input, SpatialSize? size = null, double[]? scaleFactor = null,
        InterpolateMode mode = InterpolateMode.Nearest, bool? alignCorners = null, bool recomputeScaleFactor = false,
        bool antialias = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        var spatial = input.Dim - 2;
        if (spatial is < 1 or > 3)
            throw new ArgumentException($"Interpolate expects a 3-D, 4-D or 5-D input (N, C, *spatial), got {input.Dim}-D", nameof(input));
        var hasSize = size is { IsEmpty: false };
        if (hasSize == scaleFactor is not null)
            throw new ArgumentException("Interpolate needs exactly one of size and scaleFactor");
        long[] sizes = [];
        double[] scales = [];
        if (hasSize)
        {
            if (recomputeScaleFactor) throw new ArgumentException("recomputeScaleFactor only applies when a scale factor is given", nameof(recomputeScaleFactor));
            sizes = size!.Value.Expand(spatial, "size");
        }
        else
        {
            scales = scaleFactor!.Length == 1 ? Enumerable.Repeat(scaleFactor[0], spatial).ToArray()
                : scaleFactor.Length == spatial ? scaleFactor.ToArray()
                : throw new ArgumentException($"scaleFactor has {scaleFactor.Length} values but the input has {spatial} spatial dims", nameof(scaleFactor));
            if (recomputeScaleFactor)
            {
                var shape = input.Shape;
                sizes = new long[spatial];
                for (var i = 0; i < spatial; i++) sizes[i] = (long)Math.Floor(shape[i + 2] * scales[i]);
                scales = [];
            }
        }
        TensorHandle r;
        fixed (long* ps = sizes)
        fixed (double* pf = scales)
            Native.Check(Native.mlr_nn_functional_interpolate(input.Handle, (int)mode, ps, sizes.Length, pf, scales.Length,
                alignCorners is null ? -1 : alignCorners.Value ? 1 : 0, antialias ? 1 : 0, out r));
        return Take(r);
    }
}
