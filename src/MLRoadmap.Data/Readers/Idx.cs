using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace MLRoadmap.Data;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: two zero bytes, a type code, the number of dims, each dim as a
/// big-endian 32-bit integer, then the elements, big-endian, row-major. Files may be gzipped (recognised by the gzip
/// magic, not the name). A malformed file raises <see cref="InvalidDataException"/> naming the file and the byte
/// offset (of the decompressed data, for a gzipped file) where it broke.
/// </summary>
public static class Idx
{
    /// <summary>Reads an IDX file into a CPU tensor of its dtype (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    /// 0x0D float32, 0x0E float64) and shape.</summary>
    public static Tensor Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        var gzipped = file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        using var stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        var where = gzipped ? " of the decompressed data" : "";
        try
        {
            return Read(stream, path, where);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            // GZipStream's own complaint about the compressed stream.
            throw new InvalidDataException($"{path}: the gzip stream is corrupt: {e.Message}", e);
        }
    }

    private static Tensor Read(Stream stream, string path, string where)
    {
        InvalidDataException Error(long offset, string message) => new($"{path}: {message} (at byte {offset}{where})");

        Span<byte> head = stackalloc byte[4];
        var got = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (got < 4) throw Error(got, $"truncated header: the file has {got} bytes, an IDX header needs at least 4");
        if (head[0] != 0 || head[1] != 0)
            throw Error(0, $"not an IDX file: it starts with bytes 0x{head[0]:X2} 0x{head[1]:X2}, IDX files start with 0x00 0x00");
        var (dtype, typeName) = head[2] switch
        {
            0x08 => (ScalarType.UInt8, "uint8"),
            0x09 => (ScalarType.Int8, "int8"),
            0x0B => (ScalarType.Int16, "int16"),
            0x0C => (ScalarType.Int32, "int32"),
            0x0D => (ScalarType.Float32, "float32"),
            0x0E => (ScalarType.Float64, "float64"),
            _ => throw Error(2, $"unknown IDX type code 0x{head[2]:X2} (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)"),
        };
        int rank = head[3];
        if (rank == 0) throw Error(3, "the header declares 0 dims");

        var dimBytes = new byte[4 * rank];
        got = stream.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (got < dimBytes.Length)
            throw Error(4 + got, $"truncated header: {rank} dims need {4 + dimBytes.Length} header bytes, the file ends after {4 + got}");
        var shape = new long[rank];
        for (var i = 0; i < rank; i++) shape[i] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
        var size = dtype.ElementSize();
        long bytes = size;
        for (var i = 0; i < rank; i++)
        {
            try
            {
                bytes = checked(bytes * shape[i]);
            }
            catch (OverflowException)
            {
                throw Error(4 + 4 * i, $"dims [{string.Join(", ", shape)}] of {typeName} overflow a 64-bit byte count at dim {i}");
            }
        }
        if (bytes > Array.MaxLength)
            throw Error(4, $"dims [{string.Join(", ", shape)}] of {typeName} hold {bytes} bytes, more than one array can (at most {Array.MaxLength})");

        var dataStart = 4L + dimBytes.Length;
        var data = new byte[bytes];
        got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < data.Length)
            throw Error(dataStart + got, $"truncated data: dims [{string.Join(", ", shape)}] of {typeName} need {bytes} data bytes from byte {dataStart}, " +
                $"the file ends after {got} (inside element {got / size})");
        Span<byte> probe = stackalloc byte[4096];
        long trailing = 0;
        for (int n; (n = stream.Read(probe)) > 0;) trailing += n;
        if (trailing > 0)
            throw Error(dataStart + bytes, $"trailing garbage: {trailing} bytes after the data of dims [{string.Join(", ", shape)}]");

        // IDX is big-endian; tensors are little-endian. ReverseEndianness over a span is vectorised.
        switch (size)
        {
            case 2: Swap(MemoryMarshal.Cast<byte, short>(data.AsSpan())); break;
            case 4: Swap(MemoryMarshal.Cast<byte, int>(data.AsSpan())); break;
            case 8: Swap(MemoryMarshal.Cast<byte, long>(data.AsSpan())); break;
        }
        return Torch.FromBytes(data, shape, dtype);
    }

    private static void Swap(Span<short> values) => BinaryPrimitives.ReverseEndianness(values, values);

    private static void Swap(Span<int> values) => BinaryPrimitives.ReverseEndianness(values, values);

    private static void Swap(Span<long> values) => BinaryPrimitives.ReverseEndianness(values, values);
}
