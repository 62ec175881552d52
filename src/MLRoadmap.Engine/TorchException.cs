namespace MLRoadmap;

/// <summary>What kind of native failure an exception carries. Mirrors mlr_error_kind in src/Native/mlr.h.</summary>
public enum TorchErrorKind
{
    /// <summary>libtorch's RuntimeError: shape mismatches, bad dtypes, invalid arguments to ops.</summary>
    Torch = 1,
    OutOfMemory = 2,
    Index = 3,
    Value = 4,
    Type = 5,
    NotImplemented = 6,
    LinAlg = 7,
    /// <summary>An argument the shim refused before reaching libtorch (disposed tensor, unknown dtype code).</summary>
    Argument = 8,
    /// <summary>A C++ standard-library exception.</summary>
    Std = 9,
    /// <summary>A C++ throw of a non-exception type, caught by <c>catch (...)</c>.</summary>
    Unknown = 10,
}

/// <summary>A failure inside libtorch or the shim, with libtorch's own message.</summary>
public class TorchException : Exception
{
    public TorchException(string message) : this(TorchErrorKind.Torch, message, message) { }

    public TorchException(string message, Exception inner) : base(message, inner)
    {
        Kind = TorchErrorKind.Torch;
        NativeDetail = message;
    }

    public TorchException() : this("libtorch error") { }

    internal TorchException(TorchErrorKind kind, string message, string detail) : base(message)
    {
        Kind = kind;
        NativeDetail = detail;
    }

    public TorchErrorKind Kind { get; }

    /// <summary>libtorch's full text: the message plus its C++ source location and backtrace, for logs.</summary>
    public string NativeDetail { get; }

    internal static TorchException FromNative(TorchErrorKind kind, string message, string detail) => kind switch
    {
        TorchErrorKind.OutOfMemory => new TorchOutOfMemoryException(message, detail),
        TorchErrorKind.Index => new TorchIndexException(message, detail),
        TorchErrorKind.Argument => new TorchArgumentException(message, detail),
        _ => new TorchException(kind, message, detail),
    };
}

/// <summary>An allocation failed: CUDA out of memory, or the host allocator refused.</summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    internal TorchOutOfMemoryException(string message, string detail) : base(TorchErrorKind.OutOfMemory, message, detail) { }
}

/// <summary>An index out of range (libtorch's IndexError).</summary>
public sealed class TorchIndexException : TorchException
{
    internal TorchIndexException(string message, string detail) : base(TorchErrorKind.Index, message, detail) { }
}

/// <summary>An argument the native shim refused before it reached libtorch.</summary>
public sealed class TorchArgumentException : TorchException
{
    internal TorchArgumentException(string message, string detail) : base(TorchErrorKind.Argument, message, detail) { }
}
