using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace MLRoadmap.Imaging;

/// <summary>
/// An 8-bit PNG writer (the PNG specification, ISO/IEC 15948): signature, IHDR, the scanlines filtered and
/// deflated through .NET's zlib into IDAT chunks, IEND, each chunk with its CRC-32. Each row gets the filter whose
/// output has the smallest sum of absolute (signed) bytes, the heuristic the specification suggests and libpng uses.
/// </summary>
internal static class PngEncoder
{
    private const int MaxIdatChunk = 1 << 20;

    /// <summary>Encodes interleaved (H, W, C) bytes; C = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels, int compressionLevel)
    {
        var stride = checked(width * channels);
        if (pixels.Length != (long)stride * height) throw new ArgumentException("pixel buffer size does not match the image");
        using var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                                              // bits per sample
        header[9] = channels switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 }; // colour type
        // compression method 0 (deflate), filter method 0 (adaptive), interlace 0 (none): already zero.
        WriteChunk(png, "IHDR"u8, header);

        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, new ZLibCompressionOptions { CompressionLevel = compressionLevel }, leaveOpen: true))
            WriteScanlines(zlib, pixels, stride, height, channels, adaptive: compressionLevel > 0);
        var data = idat.GetBuffer().AsSpan(0, (int)idat.Length);
        for (var at = 0; at < data.Length; at += MaxIdatChunk)
            WriteChunk(png, "IDAT"u8, data.Slice(at, Math.Min(MaxIdatChunk, data.Length - at)));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void WriteScanlines(Stream output, ReadOnlySpan<byte> pixels, int stride, int height, int bpp, bool adaptive)
    {
        var prior = new byte[stride];                       // the row above the first is all zeros
        var candidates = new byte[5][];
        for (var f = 0; f < 5; f++) candidates[f] = new byte[stride + 1];
        for (var y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * stride, stride);
            var best = 0;
            if (adaptive)
            {
                var bestScore = long.MaxValue;
                for (var f = 0; f < 5; f++)
                {
                    var score = Filter(f, row, prior, candidates[f], bpp);
                    if (score < bestScore)
                    {
                        bestScore = score;
                        best = f;
                    }
                }
            }
            else
            {
                Filter(0, row, prior, candidates[0], bpp);
            }
            output.Write(candidates[best]);
            row.CopyTo(prior);
        }
    }

    /// <summary>Writes filter type <paramref name="type"/> and the filtered row into <paramref name="output"/>;
    /// returns the row's sum of |signed byte|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Filter(int type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, Span<byte> output, int bpp)
    {
        output[0] = (byte)type;
        var o = output[1..];
        switch (type)
        {
            case 0:
                row.CopyTo(o);
                break;
            case 1: // Sub: minus the byte one pixel left (0 for the first pixel)
                row[..bpp].CopyTo(o);
                Subtract(row[bpp..], row[..^bpp], o[bpp..]);
                break;
            case 2: // Up: minus the byte above
                Subtract(row, prior, o);
                break;
            case 3: // Average: minus floor((left + up) / 2)
                for (var i = 0; i < bpp; i++) o[i] = (byte)(row[i] - (prior[i] >> 1));
                SubtractAverage(row[bpp..], row[..^bpp], prior[bpp..], o[bpp..]);
                break;
            default: // Paeth; for the first pixel left and up-left are 0, so it predicts up
                for (var i = 0; i < bpp; i++) o[i] = (byte)(row[i] - prior[i]);
                for (var i = bpp; i < row.Length; i++) o[i] = (byte)(row[i] - Paeth(row[i - bpp], prior[i], prior[i - bpp]));
                break;
        }
        return Score(o);
    }

    private static void Subtract(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> result)
    {
        var i = 0;
        for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            (new Vector<byte>(a[i..]) - new Vector<byte>(b[i..])).CopyTo(result[i..]);
        for (; i < a.Length; i++) result[i] = (byte)(a[i] - b[i]);
    }

    // floor((l + u) / 2) without widening: (l & u) + ((l ^ u) >> 1).
    private static void SubtractAverage(ReadOnlySpan<byte> row, ReadOnlySpan<byte> left, ReadOnlySpan<byte> up, Span<byte> result)
    {
        var i = 0;
        for (; i <= row.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            Vector<byte> l = new(left[i..]), u = new(up[i..]);
            (new Vector<byte>(row[i..]) - ((l & u) + Vector.ShiftRightLogical(l ^ u, 1))).CopyTo(result[i..]);
        }
        for (; i < row.Length; i++) result[i] = (byte)(row[i] - ((left[i] + up[i]) >> 1));
    }

    /// <summary>Σ min(b, 256 − b): the magnitude of each byte read as signed.</summary>
    private static long Score(ReadOnlySpan<byte> bytes)
    {
        long total = 0;
        var i = 0;
        // Each lane gains at most 2 x 128 per step; flushing every 128 steps keeps ushort lanes from overflowing.
        while (i <= bytes.Length - Vector<byte>.Count)
        {
            var sum = Vector<ushort>.Zero;
            for (var steps = 0; steps < 128 && i <= bytes.Length - Vector<byte>.Count; steps++, i += Vector<byte>.Count)
            {
                var v = new Vector<byte>(bytes[i..]);
                Vector.Widen(Vector.Min(v, Vector<byte>.Zero - v), out var low, out var high);
                sum += low + high;
            }
            Vector.Widen(sum, out var a, out var b);
            total += (long)Vector.Sum(a + b);
        }
        for (; i < bytes.Length; i++) total += bytes[i] < 128 ? bytes[i] : 256 - bytes[i];
        return total;
    }

    // The neighbour (left, up, up-left) closest to left + up - upLeft; ties prefer left, then up.
    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(type, data));
        png.Write(word);
    }
}

/// <summary>CRC-32 (ISO 3309, reflected polynomial 0xEDB88320) as PNG chunks use it; System.IO.Hashing is not part
/// of the shared framework.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>The CRC of <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in first) c = Table[(c ^ b) & 0xff] ^ (c >> 8);
        foreach (var b in second) c = Table[(c ^ b) & 0xff] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
