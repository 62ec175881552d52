using System.Globalization;
using MLRoadmap.Imaging;

namespace MLRoadmap.Training.Recipes;

/// <summary>Saving generated images: one PNG per image and a grid of them (torchvision's save_image layout).</summary>
public static class GeneratedImages
{
    /// <summary>Writes each image of <paramref name="images"/> (N, C, H, W), floating point in [0, 1] or uint8, as
    /// <c>PREFIX-0001.png</c> ... (1-based, at least four digits) in <paramref name="directory"/>, created if needed,
    /// and all of them as <c>grid.png</c>, <paramref name="columns"/> wide (default: a near-square grid).</summary>
    public static GeneratedFiles Write(Tensor images, string directory, string prefix = "sample", int? columns = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (images.Dim != 4 || images.Size(0) == 0)
            throw new ArgumentException($"expected generated images (N, C, H, W) with N ≥ 1, got [{string.Join(", ", images.Shape)}]", nameof(images));
        Directory.CreateDirectory(directory);
        using var scope = Torch.NewDisposeScope();
        var pixels = (images.Dtype == ScalarType.UInt8 ? images : Image.ToUInt8(images)).To(Device.CPU);   // (N, C, H, W)
        var count = (int)pixels.Size(0);
        var digits = Math.Max(4, count.ToString(CultureInfo.InvariantCulture).Length);
        var files = new string[count];
        for (var i = 0; i < count; i++)
        {
            files[i] = Path.Combine(directory, $"{prefix}-{(i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')}.png");
            Image.WritePng(files[i], pixels.Select(0, i));
        }
        var grid = Path.Combine(directory, "grid.png");
        Image.SaveGrid(grid, pixels, nrow: columns ?? (int)Math.Ceiling(Math.Sqrt(count)));
        return new GeneratedFiles(files, grid);
    }
}
