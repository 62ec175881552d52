using System.Runtime.InteropServices;

namespace MLRoadmap.Training.Checkpoints;

/// <summary>
/// fsync for files and directories. .NET flushes a file to disk (<c>FileStream.Flush(true)</c>) but has no call for
/// a directory, and a rename is only durable once its directory is synced: without it a power cut after "saving" can
/// leave neither the old nor the new name on disk.
/// </summary>
internal static partial class Durable
{
    private const int ReadOnly = 0;           // O_RDONLY
    private const int Directory = 0x10000;    // O_DIRECTORY on Linux x64/arm64

    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/> and syncs it to disk; returns the
    /// SHA-256 (lower-case hex) and length of what was written.</summary>
    public static (string Sha256, long Bytes) WriteFile(string path, Action<Stream> write)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var hashing = new HashingStream(file);
        write(hashing);
        hashing.Flush();
        file.Flush(flushToDisk: true);
        return (hashing.HexDigest(), file.Length);
    }

    /// <summary>Syncs a directory's entries (after files were created, renamed or deleted in it).</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;   // Windows has no directory fsync
        var fd = open(path, ReadOnly | (OperatingSystem.IsLinux() ? Directory : 0));
        if (fd < 0) throw new IOException($"could not open directory {path} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            // EINVAL: the file system can't sync directories (some network and FUSE mounts); nothing more to do.
            if (fsync(fd) != 0 && Marshal.GetLastPInvokeError() != 22)
                throw new IOException($"fsync of directory {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}

/// <summary>A write-only pass-through stream that hashes what goes through it.</summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    private readonly System.Security.Cryptography.IncrementalHash _hash =
        System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    private long _length;

    public string HexDigest() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        inner.Write(buffer);
        _length += buffer.Length;
    }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
