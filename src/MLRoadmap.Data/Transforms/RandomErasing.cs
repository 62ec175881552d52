namespace MLRoadmap.Data.Transforms;

/// <summary>A rectangle of one image: rows Top..Top+Height-1, columns Left..Left+Width-1. An empty one (height or
/// width 0) erases nothing.</summary>
public readonly record struct EraseRegion(int Top, int Left, int Height, int Width)
{
    public bool IsEmpty => Height <= 0 || Width <= 0;
}

/// <summary>
/// torchvision's <c>RandomErasing(p, scale, ratio, value)</c> on a batch of images (B, C, H, W): with probability
/// <see cref="P"/> per image, a rectangle over all channels is set to <see cref="Value"/>. Its area is a uniform
/// fraction of the image in <see cref="Scale"/> and its aspect ratio (height / width) log-uniform in
/// <see cref="Ratio"/>; height and width are rounded, and a draw that doesn't fit strictly inside the image is
/// retried, up to 10 times, after which the image is left as it is. The position is uniform over where it fits.
/// </summary>
/// <remarks>Draws in double precision where torchvision draws float32 numbers; only rectangles whose rounding
/// falls on a tie of the float32 draw could differ. All rectangles of the batch are erased with one masked fill.
/// The value is one number for every channel (torchvision's per-channel and "random" values are not supported).</remarks>
public sealed class RandomErasing : IBatchTransform
{
    /// <summary>torchvision's number of tries for a rectangle that fits.</summary>
    public const int Attempts = 10;

    public RandomErasing(double p = 0.5, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null, double value = 0)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"a probability must be in [0, 1], got {p}");
        var s = scale ?? (0.02, 0.33);
        var r = ratio ?? (0.3, 3.3);
        if (!(s.Min >= 0 && s.Min <= s.Max && s.Max <= 1))
            throw new ArgumentOutOfRangeException(nameof(scale), $"the area fractions must satisfy 0 ≤ min ≤ max ≤ 1, got ({s.Min}, {s.Max})");
        if (!(r.Min > 0 && r.Min <= r.Max && double.IsFinite(r.Max)))
            throw new ArgumentOutOfRangeException(nameof(ratio), $"the aspect ratios must satisfy 0 < min ≤ max < ∞, got ({r.Min}, {r.Max})");
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), $"the value must be finite, got {value}");
        P = p;
        Scale = s;
        Ratio = r;
        Value = value;
    }

    public double P { get; }

    public (double Min, double Max) Scale { get; }

    public (double Min, double Max) Ratio { get; }

    public double Value { get; }

    public void Apply(Batch batch, DataRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var x = ImageBatch.Images(batch, nameof(RandomErasing));
        int height = (int)x.Shape[2], width = (int)x.Shape[3];
        var regions = new EraseRegion[x.Shape[0]];
        var any = false;
        for (var b = 0; b < regions.Length; b++)
        {
            if (!random.NextBool(P)) continue;
            regions[b] = SampleRegion(random, height, width, Scale, Ratio);
            any |= !regions[b].IsEmpty;
        }
        if (!any) return;
        using var scope = Torch.NewDisposeScope();
        batch.Replace(0, Erase(x, regions, Value));
    }

    /// <summary>torchvision's <c>RandomErasing.get_params</c>: up to <see cref="Attempts"/> draws of an area fraction
    /// (uniform in <paramref name="scale"/>) and an aspect ratio (log-uniform in <paramref name="ratio"/>), the first
    /// whose rounded height and width are smaller than the image's placed uniformly; an empty region when none fits.</summary>
    public static EraseRegion SampleRegion(DataRandom random, int height, int width, (double Min, double Max) scale, (double Min, double Max) ratio)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        double area = (double)height * width, logMin = Math.Log(ratio.Min), logMax = Math.Log(ratio.Max);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var erased = area * random.NextDouble(scale.Min, scale.Max);
            var aspect = Math.Exp(random.NextDouble(logMin, logMax));
            // Python's round() is half-to-even, as is Math.Round's default.
            var h = (int)Math.Round(Math.Sqrt(erased * aspect));
            var w = (int)Math.Round(Math.Sqrt(erased / aspect));
            if (!(h < height && w < width)) continue;
            var top = random.NextInt(height - h + 1);
            var left = random.NextInt(width - w + 1);
            return new EraseRegion(top, left, h, w);
        }
        return default;
    }

    /// <summary>The images with region b of image b set to <paramref name="value"/> in every channel (a new tensor
    /// in the current dispose scope).</summary>
    public static Tensor Erase(Tensor images, ReadOnlySpan<EraseRegion> regions, double value)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Dim != 4)
            throw new ArgumentException($"RandomErasing works on images (B, C, H, W), got shape [{string.Join(", ", images.Shape)}]", nameof(images));
        var shape = images.Shape;
        long n = shape[0], h = shape[2], w = shape[3];
        ImageBatch.RequireCount(regions.Length, n, "regions");
        var bounds = new long[4 * n];                                                       // top, bottom, left, right
        for (var b = 0; b < n; b++)
        {
            var r = regions[b];
            if (r.IsEmpty) continue;                                                        // [0, 0) contains no row
            if (r.Top < 0 || r.Left < 0 || r.Top + (long)r.Height > h || r.Left + (long)r.Width > w)
                throw new ArgumentOutOfRangeException(nameof(regions), $"region {b} ({r}) is not inside the {h} × {w} image");
            bounds[b] = r.Top;
            bounds[n + b] = r.Top + r.Height;
            bounds[2 * n + b] = r.Left;
            bounds[3 * n + b] = r.Left + r.Width;
        }
        using var scope = Torch.NewDisposeScope();
        var edge = Torch.Tensor(bounds, [4, n, 1, 1, 1], images.Device);                   // (4, B, 1, 1, 1)
        var rows = Torch.Arange(h, ScalarType.Int64, images.Device).View(1, 1, h, 1);
        var cols = Torch.Arange(w, ScalarType.Int64, images.Device).View(1, 1, 1, w);
        var inRows = (rows >= edge[0]) & (rows < edge[1]);                                  // (B, 1, H, 1)
        var inCols = (cols >= edge[2]) & (cols < edge[3]);                                  // (B, 1, 1, W)
        var result = images.MaskedFill(inRows & inCols, value);                             // mask (B, 1, H, W)
        return result.MoveToOuterScope();
    }
}
