using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Imaging;

public static partial class Image
{
    /// <summary>Tiles a batch of images into one image, as torchvision.utils.make_grid does.</summary>
    /// <param name="images">(B, C, H, W), or one image (C, H, W) or (H, W). One-channel images become three (gray
    /// repeated into RGB), and a batch of one comes back as that image, without padding: torchvision's behaviour.</param>
    /// <param name="nrow">Images per row of the grid (fewer if the batch is smaller).</param>
    /// <param name="padding">Pixels between images and around the edge.</param>
    /// <param name="normalize">Shift and scale (a copy of) the images to [0, 1]: by <paramref name="valueRange"/> (values
    /// clamped to it first), or else by the images' own min and max (each image's own, with
    /// <paramref name="scaleEach"/>). Floating point only.</param>
    /// <param name="valueRange">(low, high) for <paramref name="normalize"/>.</param>
    /// <param name="scaleEach">With <paramref name="normalize"/> and no range: normalise each image by its own min/max.</param>
    /// <param name="padValue">The colour of the padding, in the images' scale.</param>
    /// <returns>(C, rows·(H + padding) + padding, columns·(W + padding) + padding) in the images' dtype and device.</returns>
    public static Tensor MakeGrid(Tensor images, int nrow = 8, int padding = 2, bool normalize = false,
        (double Low, double High)? valueRange = null, bool scaleEach = false, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(nrow, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (images.Dim is < 2 or > 4)
            throw new ArgumentException($"make_grid takes (B, C, H, W), (C, H, W) or (H, W); got shape [{string.Join(", ", images.Shape)}]", nameof(images));
        if (normalize && !images.Dtype.IsFloatingPoint())
            throw new ArgumentException($"normalize needs floating-point images; got {images.Dtype.TorchName()}", nameof(images));
        if (valueRange is { } r && !(r.High >= r.Low))
            throw new ArgumentException($"valueRange ({r.Low}, {r.High}) must have low <= high", nameof(valueRange));

        using var scope = Torch.NewDisposeScope();
        var x = images.Dim switch
        {
            2 => images.Unsqueeze(0).Unsqueeze(0),
            3 => images.Unsqueeze(0),
            _ => images,
        };
        if (x.Size(1) == 1) x = Torch.Cat([x, x, x], 1);
        if (normalize)
        {
            x = x.Clone();
            if (scaleEach && valueRange is null)
                foreach (var image in x.Unbind(0)) NormalizeInPlace(image, null);
            else
                NormalizeInPlace(x, valueRange);
        }
        if (x.Size(0) == 1) return x.Squeeze(0).MoveToOuterScope();

        var (count, channels, height, width) = (x.Size(0), x.Size(1), x.Size(2), x.Size(3));
        var columns = Math.Min(nrow, count);
        var rows = (count + columns - 1) / columns;
        // Each cell is an image with `padding` rows above and columns left of it; the grid gets the last ones at the
        // bottom and right. Blank cells fill the last row. Then (rows, columns) cells interleave into one image.
        var cells = F.Pad(x, [padding, 0, padding, 0], value: padValue);                // (B, C, H+p, W+p)
        if (rows * columns > count)
            cells = Torch.Cat([cells, Torch.Full([rows * columns - count, channels, height + padding, width + padding], padValue,
                cells.Dtype, cells.Device)]);
        var grid = cells.View(rows, columns, channels, height + padding, width + padding)
            .Permute(2, 0, 3, 1, 4)
            .Reshape(channels, rows * (height + padding), columns * (width + padding));
        return F.Pad(grid, [0, padding, 0, padding], value: padValue).MoveToOuterScope();
    }

    // torchvision's norm_ip: clamp to [low, high], subtract low, divide by max(high - low, 1e-5); low and high are the
    // image's own min and max when no range is given (so the clamp changes nothing).
    private static void NormalizeInPlace(Tensor t, (double Low, double High)? range)
    {
        var (low, high) = range ?? (t.Min().Item<double>(), t.Max().Item<double>());
        t.Clamp_(low, high).Sub_(low).Div_(Math.Max(high - low, 1e-5));
    }

    /// <summary>Writes <see cref="MakeGrid"/>'s grid of <paramref name="images"/> as a PNG, as torchvision's save_image
    /// does: floating-point values in [0, 1] become uint8 by <see cref="ToUInt8"/>; uint8 grids are written as they
    /// are.</summary>
    public static void SaveGrid(string path, Tensor images, int nrow = 8, int padding = 2, bool normalize = false,
        (double Low, double High)? valueRange = null, bool scaleEach = false, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var grid = MakeGrid(images, nrow, padding, normalize, valueRange, scaleEach, padValue);
        WritePng(path, grid);
    }
}
