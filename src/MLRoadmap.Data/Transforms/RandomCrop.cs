namespace MLRoadmap.Data.Transforms;

/// <summary>
/// torchvision's <c>RandomCrop(size, padding, fill)</c> on a batch of images (B, C, H, W): each image is padded by
/// <see cref="Padding"/> on every side with the constant <see cref="Fill"/>, then a <see cref="Size"/> × Size
/// window is cut at an offset drawn per image, uniform over all the windows that fit (top first, then left).
/// </summary>
/// <remarks>The whole batch is padded with one allocation and one assignment, and cropped with two gathers.</remarks>
public sealed class RandomCrop : IBatchTransform
{
    public RandomCrop(int size, int padding = 0, double fill = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Size = size;
        Padding = padding;
        Fill = fill;
    }

    public int Size { get; }

    public int Padding { get; }

    public double Fill { get; }

    public void Apply(Batch batch, DataRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var x = ImageBatch.Images(batch, nameof(RandomCrop));
        var (rows, cols) = Windows(x, Size, Padding);
        var n = (int)x.Shape[0];
        var top = new int[n];
        var left = new int[n];
        for (var b = 0; b < n; b++)
        {
            top[b] = random.NextInt(rows);
            left[b] = random.NextInt(cols);
        }
        using var scope = Torch.NewDisposeScope();
        batch.Replace(0, PadAndCrop(x, Size, Padding, Fill, top, left));
    }

    /// <summary>Pads every image by <paramref name="padding"/> with <paramref name="fill"/> and cuts the
    /// <paramref name="size"/> × size window whose corner in the padded image is (top[b], left[b]). The result
    /// (B, C, size, size) is in the current dispose scope.</summary>
    public static Tensor PadAndCrop(Tensor images, int size, int padding, double fill, ReadOnlySpan<int> top, ReadOnlySpan<int> left)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Dim != 4)
            throw new ArgumentException($"RandomCrop works on images (B, C, H, W), got shape [{string.Join(", ", images.Shape)}]", nameof(images));
        var (rows, cols) = Windows(images, size, padding);
        var shape = images.Shape;
        long n = shape[0], c = shape[1], h = shape[2], w = shape[3];
        ImageBatch.RequireCount(top.Length, n, "top offsets");
        ImageBatch.RequireCount(left.Length, n, "left offsets");
        var offsets = new long[2 * n];
        for (var b = 0; b < n; b++)
        {
            if ((uint)top[b] >= (uint)rows || (uint)left[b] >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(top), $"image {b}'s window at ({top[b]}, {left[b]}) is outside " +
                    $"0..{rows - 1} × 0..{cols - 1}, the corners of a {size} × {size} window in a {h + 2 * padding} × {w + 2 * padding} padded image");
            offsets[b] = top[b];
            offsets[n + b] = left[b];
        }
        using var scope = Torch.NewDisposeScope();
        var padded = images;
        if (padding > 0)
        {
            // (B, C, H + 2p, W + 2p) filled, the images in the middle: there is no pad op, and this is one pass anyway.
            padded = Torch.Full([n, c, h + 2 * padding, w + 2 * padding], fill, images.Dtype, images.Device);
            padded[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(padding, padding + h), TensorIndex.Slice(padding, padding + w)] = images;
        }
        var corner = Torch.Tensor(offsets, [2, n, 1, 1, 1], images.Device);            // (2, B, 1, 1, 1)
        var step = Torch.Arange(size, ScalarType.Int64, images.Device);
        var rowIndex = (corner[0] + step.View(1, 1, size, 1)).Expand(n, c, size, padded.Shape[3]);
        var band = padded.Gather(2, rowIndex);                                            // (B, C, size, W + 2p)
        var colIndex = (corner[1] + step.View(1, 1, 1, size)).Expand(n, c, size, size);
        var result = band.Gather(3, colIndex);                                            // (B, C, size, size)
        return result.MoveToOuterScope();
    }

    // How many window corners fit vertically and horizontally.
    private static (int Rows, int Cols) Windows(Tensor images, int size, int padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        long ph = images.Shape[2] + 2L * padding, pw = images.Shape[3] + 2L * padding;
        if (size > ph || size > pw)
            throw new ArgumentException($"RandomCrop of {size} × {size} is larger than the padded images ({ph} × {pw}: " +
                $"{images.Shape[2]} × {images.Shape[3]} with padding {padding})");
        return ((int)(ph - size + 1), (int)(pw - size + 1));
    }
}
