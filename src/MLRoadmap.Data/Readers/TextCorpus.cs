using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace MLRoadmap.Data;

/// <summary>Plain-text corpora (language-model training text): one file, or every file of a directory tree, as
/// one string. Text must be valid UTF-8; a byte-order mark at the start of a file is dropped.</summary>
public static class TextCorpus
{
    /// <summary>
    /// The text of <paramref name="path"/>: a file, or every file under a directory matching
    /// <paramref name="searchPattern"/>, in ordinal order of their relative paths, joined with a line break where a
    /// file does not already end with one. Invalid UTF-8 raises <see cref="InvalidDataException"/> naming the file
    /// and byte offset.
    /// </summary>
    public static string Read(string path, string searchPattern = "*")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path)) return DecodeUtf8(File.ReadAllBytes(path), path);
        if (!Directory.Exists(path)) throw new FileNotFoundException($"{path} is neither a file nor a directory", path);
        var files = Directory.EnumerateFiles(path, searchPattern, SearchOption.AllDirectories)
            .OrderBy(f => Path.GetRelativePath(path, f), StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"{path} holds no files matching '{searchPattern}'", path);
        var text = new StringBuilder();
        foreach (var file in files)
        {
            if (text.Length > 0 && text[^1] != '\n') text.Append('\n');
            text.Append(DecodeUtf8(File.ReadAllBytes(file), file));
        }
        return text.ToString();
    }

    /// <summary>Strict UTF-8 decoding: a leading BOM is dropped; an invalid sequence raises an error naming
    /// <paramref name="file"/> and its byte offset.</summary>
    internal static string DecodeUtf8(ReadOnlySpan<byte> bytes, string file)
    {
        var start = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        var source = bytes[start..];
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(source.Length, 1));
        try
        {
            var status = Utf8.ToUtf16(source, chars, out var read, out var written, replaceInvalidSequences: false);
            if (status != System.Buffers.OperationStatus.Done)
            {
                var offset = start + read;
                var bad = string.Join(" ", bytes.Slice(offset, Math.Min(4, bytes.Length - offset)).ToArray().Select(b => $"0x{b:X2}"));
                throw new InvalidDataException($"{file}: invalid UTF-8 at byte {offset} (bytes {bad})");
            }
            return new string(chars, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
