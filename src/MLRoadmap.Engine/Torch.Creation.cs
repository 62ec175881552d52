using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MLRoadmap.Interop;

namespace MLRoadmap;

public static partial class Torch
{
    /// <summary>The dtype factories use when none is given (PyTorch's default, float32).</summary>
    public static ScalarType DefaultDtype { get; set; } = ScalarType.Float32;

    // ---- from .NET data ----------------------------------------------------------------------------------------

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (1-D when shape is empty).</summary>
    public static unsafe Tensor Tensor<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape = default, Device? device = null,
        bool requiresGrad = false) where T : unmanaged
    {
        Span<long> oneDim = [data.Length];
        var dims = shape.IsEmpty ? oneDim : shape;
        var dev = device ?? Device.CPU;
        fixed (T* p = data)
        fixed (long* s = dims)
        {
            Native.Check(Native.mlr_tensor_from_host(p, (long)data.Length * sizeof(T), s, dims.Length,
                (int)MLRoadmap.Tensor.ElementType<T>(), (int)dev.Type, dev.Index, requiresGrad ? 1 : 0, out var r));
            return new Tensor(r);
        }
    }

    public static Tensor Tensor<T>(T[] data, ReadOnlySpan<long> shape = default, Device? device = null,
        bool requiresGrad = false) where T : unmanaged =>
        Tensor((ReadOnlySpan<T>)data, shape, device, requiresGrad);

    /// <summary>A tensor from a rectangular .NET array of any rank (float[,], long[,,], ...), keeping its shape.</summary>
    public static Tensor Tensor<T>(Array data, Device? device = null, bool requiresGrad = false) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetType().GetElementType() != typeof(T))
            throw new ArgumentException($"array holds {data.GetType().GetElementType()?.Name}, not {typeof(T).Name}");
        var shape = new long[data.Rank];
        for (var i = 0; i < data.Rank; i++) shape[i] = data.GetLength(i);
        var span = MemoryMarshal.CreateReadOnlySpan(
            ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(data)), data.Length);
        return Tensor(span, shape, device, requiresGrad);
    }

    /// <summary>A zero-dimensional tensor holding one value.</summary>
    public static Tensor Scalar<T>(T value, Device? device = null, bool requiresGrad = false) where T : unmanaged =>
        Tensor(new ReadOnlySpan<T>(in value), ReadOnlySpan<long>.Empty, device, requiresGrad, scalar: true);

    private static unsafe Tensor Tensor<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device,
        bool requiresGrad, bool scalar) where T : unmanaged
    {
        var dev = device ?? Device.CPU;
        fixed (T* p = data)
        {
            Native.Check(Native.mlr_tensor_from_host(p, sizeof(T), null, 0, (int)MLRoadmap.Tensor.ElementType<T>(),
                (int)dev.Type, dev.Index, requiresGrad ? 1 : 0, out var r));
            return new Tensor(r);
        }
    }

    // ---- factories ---------------------------------------------------------------------------------------------

    public static unsafe Tensor Empty(ReadOnlySpan<long> shape, ScalarType? dtype = null, Device? device = null,
        bool requiresGrad = false, bool pinMemory = false)
    {
        var dev = device ?? Device.CPU;
        TensorHandle r;
        fixed (long* s = shape)
            Native.Check(Native.mlr_creation_empty(s, shape.Length, (int)(dtype ?? DefaultDtype), (int)dev.Type,
                dev.Index, requiresGrad ? 1 : 0, pinMemory ? 1 : 0, out r));
        return new Tensor(r);
    }

    public static unsafe Tensor Full(ReadOnlySpan<long> shape, Scalar value, ScalarType? dtype = null,
        Device? device = null, bool requiresGrad = false)
    {
        var dev = device ?? Device.CPU;
        TensorHandle r;
        fixed (long* s = shape)
            Native.Check(Native.mlr_creation_full(s, shape.Length, value.ToNative(), (int)(dtype ?? DefaultDtype),
                (int)dev.Type, dev.Index, requiresGrad ? 1 : 0, out r));
        return new Tensor(r);
    }

    public static Tensor Zeros(ReadOnlySpan<long> shape, ScalarType? dtype = null, Device? device = null,
        bool requiresGrad = false) => Full(shape, 0, dtype, device, requiresGrad);

    public static Tensor Ones(ReadOnlySpan<long> shape, ScalarType? dtype = null, Device? device = null,
        bool requiresGrad = false) => Full(shape, 1, dtype, device, requiresGrad);

    /// <summary>Values from start (inclusive) to end (exclusive) by step. The dtype is int64 when all three are
    /// integers and no dtype is given, else the default float dtype, as in PyTorch.</summary>
    public static Tensor Arange(Scalar start, Scalar end, Scalar? step = null, ScalarType? dtype = null,
        Device? device = null, bool requiresGrad = false)
    {
        var dev = device ?? Device.CPU;
        var st = step ?? 1;
        var inferred = dtype ?? (start.IsFloatingPoint || end.IsFloatingPoint || st.IsFloatingPoint
            ? DefaultDtype : ScalarType.Int64);
        Native.Check(Native.mlr_creation_arange(start.ToNative(), end.ToNative(), st.ToNative(), (int)inferred,
            (int)dev.Type, dev.Index, requiresGrad ? 1 : 0, out var r));
        return new Tensor(r);
    }

    public static Tensor Arange(Scalar end, ScalarType? dtype = null, Device? device = null) =>
        Arange(0, end, null, dtype, device);

    public static Tensor Linspace(double start, double end, long steps, ScalarType? dtype = null, Device? device = null,
        bool requiresGrad = false)
    {
        var dev = device ?? Device.CPU;
        Native.Check(Native.mlr_creation_linspace(start, end, steps, (int)(dtype ?? DefaultDtype), (int)dev.Type,
            dev.Index, requiresGrad ? 1 : 0, out var r));
        return new Tensor(r);
    }

    /// <summary>An n x m identity (n x n when m is omitted).</summary>
    public static Tensor Eye(long n, long? m = null, ScalarType? dtype = null, Device? device = null,
        bool requiresGrad = false)
    {
        var dev = device ?? Device.CPU;
        Native.Check(Native.mlr_creation_eye(n, m ?? -1, (int)(dtype ?? DefaultDtype), (int)dev.Type, dev.Index,
            requiresGrad ? 1 : 0, out var r));
        return new Tensor(r);
    }

    private static unsafe Tensor Random(int kind, ReadOnlySpan<long> shape, long low, long high, ScalarType dtype,
        Device? device, bool requiresGrad)
    {
        var dev = device ?? Device.CPU;
        TensorHandle r;
        fixed (long* s = shape)
            Native.Check(Native.mlr_creation_random(kind, s, shape.Length, low, high, (int)dtype, (int)dev.Type,
                dev.Index, requiresGrad ? 1 : 0, out r));
        return new Tensor(r);
    }

    /// <summary>Uniform on [0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, ScalarType? dtype = null, Device? device = null,
        bool requiresGrad = false) => Random(0, shape, 0, 0, dtype ?? DefaultDtype, device, requiresGrad);

    /// <summary>Standard normal.</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, ScalarType? dtype = null, Device? device = null,
        bool requiresGrad = false) => Random(1, shape, 0, 0, dtype ?? DefaultDtype, device, requiresGrad);

    /// <summary>Integers uniform on [low, high).</summary>
    public static Tensor Randint(long low, long high, ReadOnlySpan<long> shape, ScalarType dtype = ScalarType.Int64,
        Device? device = null) => Random(2, shape, low, high, dtype, device, false);

    /// <summary>A random permutation of 0..n-1.</summary>
    public static Tensor Randperm(long n, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var dev = device ?? Device.CPU;
        Native.Check(Native.mlr_creation_randperm(n, (int)dtype, (int)dev.Type, dev.Index, out var r));
        return new Tensor(r);
    }

    // ---- *Like: same shape, dtype and device as another tensor unless told otherwise ---------------------------

    public static Tensor EmptyLike(Tensor other, ScalarType? dtype = null, Device? device = null) =>
        Empty(other.Shape, dtype ?? other.Dtype, device ?? other.Device);

    public static Tensor ZerosLike(Tensor other, ScalarType? dtype = null, Device? device = null) =>
        Zeros(other.Shape, dtype ?? other.Dtype, device ?? other.Device);

    public static Tensor OnesLike(Tensor other, ScalarType? dtype = null, Device? device = null) =>
        Ones(other.Shape, dtype ?? other.Dtype, device ?? other.Device);

    public static Tensor FullLike(Tensor other, Scalar value, ScalarType? dtype = null, Device? device = null) =>
        Full(other.Shape, value, dtype ?? other.Dtype, device ?? other.Device);

    public static Tensor RandLike(Tensor other, ScalarType? dtype = null, Device? device = null) =>
        Rand(other.Shape, dtype ?? other.Dtype, device ?? other.Device);

    public static Tensor RandnLike(Tensor other, ScalarType? dtype = null, Device? device = null) =>
        Randn(other.Shape, dtype ?? other.Dtype, device ?? other.Device);

    public static Tensor RandintLike(Tensor other, long low, long high, ScalarType? dtype = null) =>
        Randint(low, high, other.Shape, dtype ?? other.Dtype, other.Device);
}
