using System.Buffers.Binary;
using System.IO.Compression;

namespace MLRoadmap.Recipes.FashionMlp;

// TODO(readers): replace with MLRoadmap.Data.Idx when merged.
/// <summary>A minimal reader of IDX files of unsigned bytes (MNIST's format), gzipped or not: the header (magic
/// 0x0000080N, N dimensions as big-endian int32) and the first <c>limit</c> items.</summary>
internal static class IdxFile
{
    /// <summary>The dimensions (the first one cut to the items read) and the bytes of those items.</summary>
    public static (int[] Dims, byte[] Data) Read(string path, int? limit = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file {path} does not exist", path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            Span<byte> word = stackalloc byte[4];
            ReadExactly(stream, word, path, "the magic number");
            if (word[0] != 0 || word[1] != 0 || word[2] != 0x08 || word[3] is < 1 or > 4)
                throw new InvalidDataException($"{path}: not an IDX file of unsigned bytes (magic {Convert.ToHexString(word)}, expected 000008 and 1-4 dimensions)");
            var dims = new int[word[3]];
            long itemBytes = 1;
            for (var i = 0; i < dims.Length; i++)
            {
                ReadExactly(stream, word, path, $"dimension {i}");
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
                if (dims[i] < 0) throw new InvalidDataException($"{path}: dimension {i} is {dims[i]}");
                if (i > 0) itemBytes *= dims[i];
            }
            var items = Math.Min(dims[0], limit ?? int.MaxValue);
            var total = items * itemBytes;
            if (total > Array.MaxLength) throw new InvalidDataException($"{path}: {total} bytes of data is more than one array holds");
            var data = new byte[total];
            ReadExactly(stream, data, path, $"{items} items of {itemBytes} bytes");
            dims[0] = items;
            return (dims, data);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message} (a corrupt gzip stream?)", e);
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length) throw new InvalidDataException($"{path}: the file ends inside {what} (truncated)");
    }
}
