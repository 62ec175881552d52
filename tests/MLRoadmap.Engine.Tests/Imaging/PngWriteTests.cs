using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using MLRoadmap.Imaging;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Imaging;

/// <summary>Our PNG writer: what it writes decodes to the same pixels through libpng (Image.Read) and through PIL,
/// at every channel count and compression level; rows are filtered by the smallest-sum heuristic; chunk CRCs
/// match the CRC-32 .NET's zip writer computes; bad shapes and dtypes are refused by name.</summary>
public class PngWriteTests
{
    /// <summary>(C, H, W) uint8 test images: noise, ramps and flat areas, so every filter has rows it wins.</summary>
    private static Tensor Pattern(int channels, int height, int width, int seed)
    {
        var random = new Random(seed);
        var data = new byte[channels * height * width];
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var i = (c * height + y) * width + x;
                    data[i] = (y % 4) switch
                    {
                        0 => (byte)random.Next(256),                // noise
                        1 => (byte)(x * 7 + c * 40),                // horizontal ramp
                        2 => (byte)(y * 5 + c),                     // flat row
                        _ => (byte)((x + y) * 3 + random.Next(4)),  // diagonal ramp with a little noise
                    };
                }
        return Torch.Tensor(data, [channels, height, width]);
    }

    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach (var channels in new[] { 1, 2, 3, 4 })
            foreach (var (h, w) in new[] { (1, 1), (3, 7), (17, 33), (40, 5) })
                foreach (var level in new[] { 0, 1, 6, 9 })
                    data.Add(channels, h, w, level);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void What_we_write_libpng_reads_back_exactly(int channels, int height, int width, int level)
    {
        using var scope = Torch.NewDisposeScope();
        var image = Pattern(channels, height, width, seed: channels * 1000 + height * 10 + width);
        var png = Image.EncodePng(image, level);
        Compare.Exact(Image.Decode(png), image, $"{channels}x{height}x{width} at level {level}");
    }

    [Fact]
    public void A_two_dimensional_image_is_gray()
    {
        using var scope = Torch.NewDisposeScope();
        var image = Pattern(1, 9, 11, seed: 3);
        Compare.Exact(Image.Decode(Image.EncodePng(image.Squeeze(0))), image, "(H, W) as gray");
    }

    [Fact]
    public void Non_contiguous_images_are_written_as_they_read()
    {
        using var scope = Torch.NewDisposeScope();
        var hwc = Pattern(1, 12, 6 * 3, seed: 4).View(12, 6, 3);
        var chw = hwc.Permute(2, 0, 1);                       // a strided view, channels first
        Compare.Exact(Image.Decode(Image.EncodePng(chw)), chw.Contiguous(), "permuted view");
    }

    [PilFact]
    public void PIL_reads_what_we_write_identically()
    {
        var dir = Directory.CreateTempSubdirectory("mlr-png-");
        try
        {
            using var scope = Torch.NewDisposeScope();
            var written = new Dictionary<string, Tensor>();
            foreach (var channels in new[] { 1, 2, 3, 4 })
                foreach (var (h, w, level) in new[] { (1, 1, 6), (17, 33, 6), (40, 5, 9), (8, 300, 0), (64, 64, 1) })
                {
                    var name = $"c{channels}_{h}x{w}_l{level}.png";
                    var image = Pattern(channels, h, w, seed: h * w + channels);
                    Image.WritePng(Path.Combine(dir.FullName, name), image, level);
                    written[name] = image;
                }
            var (code, output) = Repo.Run("/usr/bin/python3",
                $"\"{Path.Combine(Repo.Root, "tests", "MLRoadmap.Engine.Tests", "Imaging", "pil_decode.py")}\" \"{dir.FullName}\"");
            Assert.True(code == 0, output);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(written.Count, lines.Length);
            foreach (var line in lines)
            {
                var parts = line.Split(' ');
                var image = written[parts[0]];
                var channels = (int)image.Size(0);
                Assert.Equal(channels switch { 1 => "L", 2 => "LA", 3 => "RGB", _ => "RGBA" }, parts[1]);
                Assert.Equal(image.Size(2), long.Parse(parts[2], CultureInfo.InvariantCulture));
                Assert.Equal(image.Size(1), long.Parse(parts[3], CultureInfo.InvariantCulture));
                var pil = File.ReadAllBytes(Path.Combine(dir.FullName, parts[0][..^4] + ".raw"));
                Assert.True(pil.AsSpan().SequenceEqual(image.Permute(1, 2, 0).ToBytes()), $"{parts[0]}: PIL decodes different pixels");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(1, 50, 97)]
    [InlineData(3, 40, 61)]
    [InlineData(4, 12, 300)]
    public void Each_row_gets_the_filter_with_the_smallest_sum(int channels, int height, int width)
    {
        using var scope = Torch.NewDisposeScope();
        var image = Pattern(channels, height, width, seed: width);
        var raw = image.Permute(1, 2, 0).ToBytes();
        var stride = channels * width;
        var chosen = FilterTypes(Image.EncodePng(image), stride);
        Assert.Equal(height, chosen.Count);
        var used = new HashSet<int>();
        for (var y = 0; y < height; y++)
        {
            var row = raw.AsSpan(y * stride, stride).ToArray();
            var prior = y == 0 ? new byte[stride] : raw.AsSpan((y - 1) * stride, stride).ToArray();
            var scores = Enumerable.Range(0, 5).Select(f => ReferenceScore(f, row, prior, channels)).ToList();
            Assert.True(chosen[y] == scores.IndexOf(scores.Min()), $"row {y}: filter {chosen[y]} chosen, sums {string.Join(", ", scores)}");
            used.Add(chosen[y]);
        }
        Assert.True(used.Count >= 3, $"only filters {string.Join(", ", used)} were chosen");

        // Level 0 stores: no filtering at all.
        Assert.All(FilterTypes(Image.EncodePng(image, compressionLevel: 0), stride), f => Assert.Equal(0, f));
    }

    /// <summary>The PNG specification's filters (section 9), byte by byte, scored by Σ |signed byte|.</summary>
    private static long ReferenceScore(int filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        long sum = 0;
        for (var i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            var predictor = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                _ => pa <= pb && pa <= pc ? a : pb <= pc ? b : c,
            };
            var value = (sbyte)(byte)(row[i] - predictor);
            sum += Math.Abs((int)value);
        }
        return sum;
    }

    /// <summary>The filter-type byte of each scanline, from the concatenated, inflated IDAT data.</summary>
    private static List<int> FilterTypes(byte[] png, int stride)
    {
        using var idat = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            if (png.AsSpan(at + 4, 4).SequenceEqual("IDAT"u8)) idat.Write(png, at + 8, length);
            at += 12 + length;
        }
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var bytes = raw.ToArray();
        return Enumerable.Range(0, bytes.Length / (stride + 1)).Select(r => (int)bytes[r * (stride + 1)]).ToList();
    }

    [Fact]
    public void Every_chunk_CRC_matches_the_zip_writer_s_CRC_32()
    {
        using var scope = Torch.NewDisposeScope();
        var png = Image.EncodePng(Pattern(3, 20, 20, seed: 6));
        var chunks = 0;
        for (var at = 8; at < png.Length; chunks++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var typeAndData = png.AsSpan(at + 4, 4 + length).ToArray();
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(ZipCrc32(typeAndData), crc);
            at += 12 + length;
        }
        Assert.True(chunks >= 3);   // IHDR, IDAT, IEND
    }

    // .NET's ZipArchive computes the CRC-32 of each entry it writes: an independent implementation.
    private static uint ZipCrc32(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        using (var s = zip.CreateEntry("x", CompressionLevel.NoCompression).Open())
            s.Write(data);
        buffer.Position = 0;
        using var read = new ZipArchive(buffer, ZipArchiveMode.Read);
        return read.Entries[0].Crc32;
    }

    [Fact]
    public void Bad_shapes_dtypes_and_levels_are_refused_by_name()
    {
        using var scope = Torch.NewDisposeScope();
        Assert.Contains("(C, H, W) or (H, W)", Assert.Throws<ArgumentException>(() => Image.EncodePng(Torch.Zeros([1, 3, 4, 4], ScalarType.UInt8))).Message, StringComparison.Ordinal);
        Assert.Contains("1, 2, 3 or 4 channels", Assert.Throws<ArgumentException>(() => Image.EncodePng(Torch.Zeros([8, 8, 3], ScalarType.UInt8))).Message, StringComparison.Ordinal);
        Assert.Contains("uint8, or floating point", Assert.Throws<ArgumentException>(() => Image.EncodePng(Torch.Zeros([3, 4, 4], ScalarType.Int32))).Message, StringComparison.Ordinal);
        Assert.Contains("0 x 4 pixels", Assert.Throws<ArgumentException>(() => Image.EncodePng(Torch.Zeros([3, 0, 4], ScalarType.UInt8))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.EncodePng(Torch.Zeros([3, 4, 4], ScalarType.UInt8), compressionLevel: 10));
        Assert.Throws<ArgumentException>(() => Image.ToUInt8(Torch.Zeros([3, 4, 4], ScalarType.Int64)));
    }
}

/// <summary>A fact that needs the system Python with PIL and numpy (present on the project's machines); skipped,
/// not passed, where they are missing.</summary>
public sealed class PilFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        if (!File.Exists("/usr/bin/python3")) return false;
        try
        {
            return Repo.Run("/usr/bin/python3", "-c \"import PIL, numpy\"", timeoutMs: 60_000).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public PilFactAttribute()
    {
        if (!Available.Value) Skip = "/usr/bin/python3 with PIL and numpy is not installed";
    }
}
