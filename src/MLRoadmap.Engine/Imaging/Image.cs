using MLRoadmap.Interop;

namespace MLRoadmap.Imaging;

/// <summary>
/// PNG and JPEG decoding into uint8 tensors, through the system's libpng and libjpeg-turbo (the libraries PIL uses
/// here, so pixels match PIL's). The format is read from the data's signature, not from a file name.
/// </summary>
/// <remarks>
/// <para><c>channels</c>: 0 keeps the image's own (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA); 1, 3 or 4 converts: gray is
/// repeated into RGB, RGB becomes gray by ITU-R 601-2 luma (PIL's <c>convert("L")</c>), alpha is dropped (not
/// composited) or added opaque. CMYK JPEGs are converted to RGB.</para>
/// <para>16-bit PNGs are refused. PNGs whose gAMA chunk differs clearly from sRGB's are converted to sRGB by libpng
/// (PIL leaves them as stored). Corrupt, truncated and unsupported files raise <see cref="InvalidDataException"/>
/// naming the file and libpng's or libjpeg's message.</para>
/// </remarks>
public static partial class Image
{
    /// <summary>Decodes a PNG or JPEG into a (C, H, W) uint8 tensor.</summary>
    public static Tensor Decode(ReadOnlySpan<byte> data, int channels = 0) => Decode(data, channels, chw: true, "image data");

    /// <summary>Decodes a PNG or JPEG into an (H, W, C) uint8 tensor (PIL's and NumPy's layout).</summary>
    public static Tensor DecodeHwc(ReadOnlySpan<byte> data, int channels = 0) => Decode(data, channels, chw: false, "image data");

    /// <summary>Reads and decodes the PNG or JPEG file at <paramref name="path"/> into a (C, H, W) uint8 tensor.</summary>
    public static Tensor Read(string path, int channels = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Decode(File.ReadAllBytes(path), channels, chw: true, path);
    }

    private static unsafe Tensor Decode(ReadOnlySpan<byte> data, int channels, bool chw, string what)
    {
        if (channels is not (0 or 1 or 3 or 4))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 0 (as stored), 1, 3 or 4");
        TensorHandle r;
        try
        {
            fixed (byte* p = data) Native.Check(Native.mlr_image_decode(p, data.Length, channels, chw ? 1 : 0, out r));
        }
        catch (TorchException e) when (e.Kind == TorchErrorKind.Value)
        {
            throw new InvalidDataException($"{what}: {e.Message}", e);
        }
        return new Tensor(r);
    }
}
