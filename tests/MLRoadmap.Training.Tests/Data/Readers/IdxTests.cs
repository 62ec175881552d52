using System.Buffers.Binary;
using System.IO.Compression;
using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>IDX files of every dtype, raw and gzipped, every malformation named by file and byte offset, the MNIST
/// directory loader, and Debian's real Fashion-MNIST against an independent Python reader.</summary>
public class IdxTests
{
    /// <summary>An IDX image: header, big-endian dims, then <paramref name="data"/> (already big-endian).</summary>
    internal static byte[] IdxFile(byte type, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    internal static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(bytes);
        return ms.ToArray();
    }

    [Fact]
    public void Every_dtype_reads_with_its_shape_and_big_endian_values()
    {
        using var dir = new TempDir();
        using var scope = Torch.NewDisposeScope();
        int[] dims = [2, 3];
        short[] i16 = [-2, 300, 7, short.MinValue, short.MaxValue, 0];
        int[] i32 = [-70000, 1, int.MaxValue, int.MinValue, 5, -1];
        float[] f32 = [1.5f, -0.25f, float.MaxValue, float.Epsilon, 3e-8f, -7f];
        double[] f64 = [Math.PI, -1e300, 0.1, double.Epsilon, 2, -3];
        byte[] u8 = [0, 1, 127, 128, 254, 255];

        byte[] Be<T>(T[] values, int size, Action<Span<byte>, T> write)
        {
            var b = new byte[values.Length * size];
            for (var i = 0; i < values.Length; i++) write(b.AsSpan(i * size), values[i]);
            return b;
        }

        var cases = new (byte Code, byte[] Data, ScalarType Dtype, Func<Tensor, bool> Check)[]
        {
            (0x08, u8, ScalarType.UInt8, t => t.ToArray<byte>().SequenceEqual(u8)),
            (0x09, u8, ScalarType.Int8, t => t.ToArray<sbyte>().SequenceEqual(u8.Select(b => (sbyte)b))),
            (0x0B, Be(i16, 2, BinaryPrimitives.WriteInt16BigEndian), ScalarType.Int16, t => t.ToArray<short>().SequenceEqual(i16)),
            (0x0C, Be(i32, 4, BinaryPrimitives.WriteInt32BigEndian), ScalarType.Int32, t => t.ToArray<int>().SequenceEqual(i32)),
            (0x0D, Be(f32, 4, BinaryPrimitives.WriteSingleBigEndian), ScalarType.Float32, t => t.ToArray<float>().SequenceEqual(f32)),
            (0x0E, Be(f64, 8, BinaryPrimitives.WriteDoubleBigEndian), ScalarType.Float64, t => t.ToArray<double>().SequenceEqual(f64)),
        };
        foreach (var (code, data, dtype, check) in cases)
        {
            foreach (var gz in new[] { false, true })
            {
                var bytes = IdxFile(code, dims, data);
                var path = dir.Write($"t{code:X2}{(gz ? ".gz" : "")}", gz ? Gzip(bytes) : bytes);
                var t = Idx.Read(path);
                Assert.Equal(dtype, t.Dtype);
                Assert.Equal(new long[] { 2, 3 }, t.Shape);
                Assert.True(check(t), $"type 0x{code:X2} (gzip {gz}) read wrong values");
            }
        }
    }

    [Fact]
    public void Gzip_is_recognised_by_its_magic_not_its_name()
    {
        using var dir = new TempDir();
        using var scope = Torch.NewDisposeScope();
        var path = dir.Write("no-extension", Gzip(IdxFile(0x08, [4], [9, 8, 7, 6])));
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, Idx.Read(path).ToArray<byte>());
    }

    public static TheoryData<string, byte[], string> Malformed() => new()
    {
        { "bad magic", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5], "not an IDX file: it starts with bytes 0x01 0x00, IDX files start with 0x00 0x00 (at byte 0" },
        { "unknown type", IdxFile(0x0A, [1], [5]), "unknown IDX type code 0x0A (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) (at byte 2" },
        { "no dims", [0, 0, 0x08, 0], "the header declares 0 dims (at byte 3" },
        { "short header", [0, 0, 0x08], "truncated header: the file has 3 bytes, an IDX header needs at least 4 (at byte 3" },
        { "cut dims", [0, 0, 0x08, 2, 0, 0, 0, 3, 0, 0], "truncated header: 2 dims need 12 header bytes, the file ends after 10 (at byte 10" },
        { "truncated data", IdxFile(0x0C, [2, 3], new byte[4 * 5 + 2]), "truncated data: dims [2, 3] of int32 need 24 data bytes from byte 12, the file ends after 22 (inside element 5) (at byte 34" },
        { "trailing garbage", IdxFile(0x08, [2, 2], [1, 2, 3, 4, 99, 98, 97]), "trailing garbage: 3 bytes after the data of dims [2, 2] (at byte 16" },
        { "dims overflow", IdxFile(0x0E, [-1, -1, -1], []), "dims [4294967295, 4294967295, 4294967295] of float64 overflow a 64-bit byte count at dim 1 (at byte 8" },
        { "too large", IdxFile(0x0E, [65536, 65536], []), "dims [65536, 65536] of float64 hold 34359738368 bytes, more than one array can" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_files_name_the_file_and_byte_offset(string what, byte[] bytes, string message)
    {
        _ = what;  // names the case in test listings
        using var dir = new TempDir();
        foreach (var gz in new[] { false, true })
        {
            var path = dir.Write(gz ? "x.gz" : "x", gz ? Gzip(bytes) : bytes);
            var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
            Assert.StartsWith($"{path}: {message}", e.Message, StringComparison.Ordinal);
            if (gz && message.Contains("(at byte", StringComparison.Ordinal))
                Assert.Contains("of the decompressed data)", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_corrupt_gzip_stream_is_named()
    {
        using var dir = new TempDir();
        var gz = Gzip(IdxFile(0x08, [64], Enumerable.Range(0, 64).Select(i => (byte)(i * 37)).ToArray()));
        for (var i = 10; i < gz.Length - 8; i++) gz[i] ^= 0xA5;
        var path = dir.Write("bad.gz", gz);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mnist_directory_loads_images_as_N_1_H_W_and_labels_as_int64()
    {
        using var dir = new TempDir();
        var pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)i).ToArray();
        dir.Write("train-images-idx3-ubyte.gz", Gzip(IdxFile(0x08, [3, 4, 5], pixels)));
        dir.Write("train-labels-idx1-ubyte", IdxFile(0x08, [3], [7, 0, 9]));
        using var ds = Mnist.Load(dir.Path);
        Assert.Equal(3, ds.Count);
        Assert.Equal(new long[] { 3, 1, 4, 5 }, ds.Tensors[0].Shape);
        Assert.Equal(pixels, ds.Tensors[0].ToArray<byte>());
        Assert.Equal(ScalarType.Int64, ds.Tensors[1].Dtype);
        Assert.Equal(new long[] { 7, 0, 9 }, ds.Tensors[1].ToArray<long>());
    }

    [Fact]
    public void Mnist_counts_that_disagree_and_missing_files_are_named()
    {
        using var dir = new TempDir();
        var images = dir.Write("t10k-images-idx3-ubyte", IdxFile(0x08, [3, 2, 2], new byte[12]));
        var labels = dir.Write("t10k-labels-idx1-ubyte.gz", Gzip(IdxFile(0x08, [2], [1, 2])));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(dir.Path, train: false));
        Assert.Equal($"{images} holds 3 images but {labels} holds 2 labels", e.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => Mnist.Load(dir.Path, train: true));
        Assert.Contains("train-images-idx3-ubyte.gz", missing.Message, StringComparison.Ordinal);
        dir.Write("train-images-idx3-ubyte", IdxFile(0x0C, [1, 1, 1], new byte[4]));
        dir.Write("train-labels-idx1-ubyte", IdxFile(0x08, [1], [0]));
        Assert.Contains("expected uint8 images (N, H, W), found Int32",
            Assert.Throws<InvalidDataException>(() => Mnist.Load(dir.Path)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "train")]
    [InlineData(false, "t10k")]
    public void Debian_fashion_mnist_matches_an_independent_reader(bool train, string split)
    {
        const string root = "/usr/share/datasets/fashion-mnist";
        Assert.True(Directory.Exists(root), $"{root} is missing: scripts/bootstrap.sh installs dataset-fashion-mnist");
        var expected = ReaderFixtures.Get("fashion_mnist").GetProperty(split);
        using var ds = Mnist.Load(root, train);
        using var scope = Torch.NewDisposeScope();
        var (images, labels) = (ds.Tensors[0], ds.Tensors[1]);
        Assert.Equal(expected.GetProperty("count").GetInt32(), ds.Count);
        Assert.Equal(train ? 60000 : 10000, ds.Count);
        Assert.Equal(new long[] { ds.Count, 1, 28, 28 }, images.Shape);
        Assert.Equal(ReaderFixtures.Longs(expected.GetProperty("histogram")), Enumerable.Range(0, 10).Select(k => labels.Eq(k).Sum().Item<long>()).ToArray());
        Assert.Equal(expected.GetProperty("pixel_sum").GetInt64(), images.To(ScalarType.Int64).Sum().Item<long>());
        Assert.Equal(ReaderFixtures.Longs(expected.GetProperty("first_labels")), labels.Narrow(0, 0, 20).ToArray<long>());
        Assert.Equal(expected.GetProperty("first_image_sum").GetInt64(), images.Select(0, 0).To(ScalarType.Int64).Sum().Item<long>());
        Assert.Equal(expected.GetProperty("last_image_sum").GetInt64(), images.Select(0, ds.Count - 1).To(ScalarType.Int64).Sum().Item<long>());
        Assert.Equal(10, Mnist.FashionClasses.Count);
    }
}
