namespace MLRoadmap.Imaging;

public static partial class Image
{
    /// <summary>Encodes an image as an 8-bit PNG (our own encoder on .NET's zlib).</summary>
    /// <param name="image">(C, H, W) with C = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA), or (H, W) gray, on any
    /// device. uint8 is written as it is; a floating-point image is taken to be in [0, 1] and converted as
    /// torchvision's save_image does (<see cref="ToUInt8"/>).</param>
    /// <param name="compressionLevel">zlib's level, 0 (stored) to 9; 6, the default, is zlib's and PIL's.</param>
    public static byte[] EncodePng(Tensor image, int compressionLevel = 6)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (compressionLevel is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(compressionLevel), compressionLevel, "the compression level must be 0 to 9");
        if (image.Dim is not (2 or 3))
            throw new ArgumentException($"a PNG image must be (C, H, W) or (H, W), got shape [{string.Join(", ", image.Shape)}]", nameof(image));
        var shape = image.Dim == 3 ? image.Shape : [1, .. image.Shape];
        var (channels, height, width) = (shape[0], shape[1], shape[2]);
        if (channels is not (1 or 2 or 3 or 4))
            throw new ArgumentException($"a PNG image has 1, 2, 3 or 4 channels; shape [{string.Join(", ", image.Shape)}] has {channels} " +
                                        "(channels first: (C, H, W))", nameof(image));
        if (height < 1 || width < 1 || height > int.MaxValue || width > int.MaxValue / 4)
            throw new ArgumentException($"a PNG image of {height} x {width} pixels cannot be written", nameof(image));
        if (image.Dtype != ScalarType.UInt8 && !image.Dtype.IsFloatingPoint())
            throw new ArgumentException($"a PNG image must be uint8, or floating point in [0, 1]; got {image.Dtype.TorchName()}", nameof(image));

        byte[] pixels;
        using (Torch.NewDisposeScope())
        {
            var bytes = image.Dtype == ScalarType.UInt8 ? image : ToUInt8(image);
            pixels = (image.Dim == 3 ? bytes.Permute(1, 2, 0) : bytes).ToBytes();   // (H, W, C), interleaved
        }
        return PngEncoder.Encode(pixels, (int)width, (int)height, (int)channels, compressionLevel);
    }

    /// <summary>Writes <paramref name="image"/> to a PNG file; see <see cref="EncodePng"/>.</summary>
    public static void WritePng(string path, Tensor image, int compressionLevel = 6)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, EncodePng(image, compressionLevel));
    }

    /// <summary>A floating-point image in [0, 1] as uint8, exactly as torchvision's save_image converts it:
    /// <c>x.mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8)</c>, computed in the input's dtype (so values round to
    /// nearest and out-of-range ones saturate).</summary>
    public static Tensor ToUInt8(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!image.Dtype.IsFloatingPoint())
            throw new ArgumentException($"ToUInt8 converts floating-point images in [0, 1]; got {image.Dtype.TorchName()}", nameof(image));
        using var scaled = image.Mul(255);
        scaled.Add_(0.5).Clamp_(0, 255);
        return scaled.To(ScalarType.UInt8);
    }
}
