using System.Text.Json;
using MLRoadmap.Imaging;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Imaging;

/// <summary>PNG and JPEG decoding against PIL (tests/fixtures/images, decoded by PIL into
/// tests/fixtures/torch/images.safetensors): bit for bit, in every channel conversion; and corrupt, truncated and
/// unsupported files, which must fail with a clear exception and never crash.</summary>
public class ImageDecodeTests
{
    private const string Fixture = "images.safetensors";

    private static string ImagePath(string name) => Path.Combine(Repo.Fixtures, "images", name);

    private static IEnumerable<string> Names() =>
        TorchFixtures.Open(Fixture).Metadata.Keys.Where(k => k != "_about").Order(StringComparer.Ordinal);

    private static bool Refused(string name) => TorchFixtures.Meta(Fixture, name).GetProperty("refused").GetBoolean();

    public static TheoryData<string, string> Decodable()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Names().Where(n => !Refused(n)))
            foreach (var mode in new[] { "native", "L", "RGB", "RGBA" }) data.Add(name, mode);
        return data;
    }

    // Same libpng and libjpeg-turbo as PIL here, same conversions: exact, JPEG included.
    [Theory]
    [MemberData(nameof(Decodable))]
    public void Decoding_matches_PIL_exactly(string name, string mode)
    {
        var channels = mode switch { "L" => 1, "RGB" => 3, "RGBA" => 4, _ => 0 };
        var expected = TorchFixtures.Open(Fixture)[$"{name}/{mode}"];  // (H, W, C)
        using var scope = Torch.NewDisposeScope();
        var bytes = File.ReadAllBytes(ImagePath(name));
        Compare.Exact(Image.DecodeHwc(bytes, channels), expected, $"{name} as {mode} (H, W, C)");
        Compare.Exact(Image.Read(ImagePath(name), channels), expected.Permute(2, 0, 1).Contiguous(), $"{name} as {mode} (C, H, W)");
    }

    [Fact]
    public void Every_fixture_image_is_covered()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.Fixtures, "images")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        var cases = Names();
        Assert.Equal(cases, files);
    }

    [Fact]
    public void A_16_bit_png_is_refused_by_name()
    {
        Assert.True(Refused("gray16.png"));
        var path = ImagePath("gray16.png");
        var e = Assert.Throws<InvalidDataException>(() => Image.Read(path));
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains("16-bit", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rgb.png")]
    [InlineData("palette.png")]
    [InlineData("rgb.jpg")]
    [InlineData("progressive.jpg")]
    [InlineData("gray.jpg")]
    public void Every_truncation_fails_cleanly(string name)
    {
        var bytes = File.ReadAllBytes(ImagePath(name));
        var format = name.EndsWith(".png", StringComparison.Ordinal) ? "PNG" : "JPEG";
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<InvalidDataException>(() => Image.Decode(bytes.AsSpan(0, length)));
            Assert.StartsWith("image data: ", e.Message, StringComparison.Ordinal);
            // Cut inside the signature, the format is unknown; past it, the decoder's own message names the format.
            if (length >= 8) Assert.Contains(format, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_truncated_file_names_the_file_and_the_libraries_reason()
    {
        var dir = Directory.CreateTempSubdirectory("mlr-image-");
        try
        {
            var jpg = Path.Combine(dir.FullName, "cut.jpg");
            var bytes = File.ReadAllBytes(ImagePath("rgb.jpg"));
            File.WriteAllBytes(jpg, bytes[..(bytes.Length * 2 / 3)]);
            var e = Assert.Throws<InvalidDataException>(() => Image.Read(jpg));
            Assert.Equal($"{jpg}: JPEG: Premature end of JPEG file", e.Message);

            var png = Path.Combine(dir.FullName, "cut.png");
            bytes = File.ReadAllBytes(ImagePath("rgb.png"));
            File.WriteAllBytes(png, bytes[..(bytes.Length / 2)]);
            e = Assert.Throws<InvalidDataException>(() => Image.Read(png));
            Assert.StartsWith($"{png}: PNG: ", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Garbage_and_other_formats_are_named()
    {
        var random = new byte[500];
        new Random(7).NextBytes(random);
        random[0] = 0x00;
        Assert.Contains("neither a PNG nor a JPEG image (it starts with bytes 00 ",
            Assert.Throws<InvalidDataException>(() => Image.Decode(random)).Message, StringComparison.Ordinal);
        Assert.Contains("a GIF image, which is not supported",
            Assert.Throws<InvalidDataException>(() => Image.Decode("GIF89a......"u8)).Message, StringComparison.Ordinal);
        Assert.Contains("the image data is empty",
            Assert.Throws<InvalidDataException>(() => Image.Decode([])).Message, StringComparison.Ordinal);

        // A valid signature followed by noise reaches the decoders, which must refuse it.
        var png = new byte[500];
        new Random(8).NextBytes(png);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        Assert.StartsWith("image data: PNG: ", Assert.Throws<InvalidDataException>(() => Image.Decode(png)).Message, StringComparison.Ordinal);
        var jpg = new byte[500];
        new Random(9).NextBytes(jpg);
        jpg[0] = 0xFF; jpg[1] = 0xD8; jpg[2] = 0xFF;
        Assert.StartsWith("image data: JPEG: ", Assert.Throws<InvalidDataException>(() => Image.Decode(jpg)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_png_chunks_are_refused()
    {
        var original = File.ReadAllBytes(ImagePath("rgb.png"));
        var bytes = (byte[])original.Clone();
        bytes[19] ^= 0x01;  // the image height, inside IHDR: its checksum no longer matches
        Assert.Equal("image data: PNG: IHDR: CRC error", Assert.Throws<InvalidDataException>(() => Image.Decode(bytes)).Message);
        bytes = (byte[])original.Clone();
        bytes[original.Length / 2] ^= 0x55;  // inside the compressed IDAT data: zlib or the row filters fail first
        Assert.StartsWith("image data: PNG: ", Assert.Throws<InvalidDataException>(() => Image.Decode(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flipped_bytes_anywhere_in_a_jpeg_never_crash()
    {
        // libjpeg treats some damage as recoverable (a warning and a damaged image) and some as fatal; either way
        // the call must return or throw InvalidDataException.
        var original = File.ReadAllBytes(ImagePath("rgb.jpg"));
        var rng = new Random(11);
        for (var trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var k = 0; k < 4; k++) bytes[rng.Next(3, bytes.Length)] = (byte)rng.Next(256);
            try
            {
                using var img = Image.Decode(bytes);
                Assert.Equal(ScalarType.UInt8, img.Dtype);
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith("image data: JPEG: ", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Channels_other_than_0_1_3_4_are_refused()
    {
        var bytes = File.ReadAllBytes(ImagePath("rgb.png"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.Decode(bytes, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.Decode(bytes, 5));
    }

    [Fact]
    public void Metadata_records_PIL_modes()
    {
        Assert.Equal("CMYK", TorchFixtures.Meta(Fixture, "cmyk.jpg").GetProperty("mode").GetString());
        Assert.Equal("P", TorchFixtures.Meta(Fixture, "palette_trns.png").GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Array, TorchFixtures.Meta(Fixture, "rgb.png").GetProperty("size").ValueKind);
    }
}
