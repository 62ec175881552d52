using MLRoadmap.Interop;

namespace MLRoadmap;

/// <summary>One element of an index expression: an integer, a slice, a tensor (mask or indices), Ellipsis or None.
/// C# ints, ranges and tensors convert implicitly, so <c>x[1..3, TensorIndex.Ellipsis, mask]</c> reads as in Python.</summary>
public readonly struct TensorIndex
{
    internal readonly int Kind;
    internal readonly int Flags;
    internal readonly long Start;
    internal readonly long Stop;
    internal readonly long Step;
    internal readonly Tensor? Tensor;

    private TensorIndex(int kind, int flags = 0, long start = 0, long stop = 0, long step = 1, Tensor? tensor = null)
    {
        Kind = kind;
        Flags = flags;
        Start = start;
        Stop = stop;
        Step = step;
        Tensor = tensor;
    }

    /// <summary>Python's <c>...</c>.</summary>
    public static TensorIndex Ellipsis { get; } = new(3);

    /// <summary>Python's <c>None</c>: a new size-1 axis.</summary>
    public static TensorIndex None { get; } = new(4);

    /// <summary>Python's <c>:</c>.</summary>
    public static TensorIndex Colon { get; } = new(1, 3);

    public static TensorIndex Single(long index) => new(0, start: index);

    /// <summary>start:stop:step, with null meaning "from the beginning" / "to the end".</summary>
    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1) =>
        new(1, (start is null ? 1 : 0) | (stop is null ? 2 : 0), start ?? 0, stop ?? 0, step);

    public static TensorIndex Bool(bool value) => new(5, start: value ? 1 : 0);

    public static TensorIndex FromTensor(Tensor index) => new(2, tensor: index ?? throw new ArgumentNullException(nameof(index)));

    public static implicit operator TensorIndex(long index) => Single(index);
    public static implicit operator TensorIndex(int index) => Single(index);
    public static implicit operator TensorIndex(Tensor index) => FromTensor(index);

    /// <summary>A C# range: 1..3, ..^1 (end-relative indices become negative, as in Python's -1).</summary>
    public static implicit operator TensorIndex(Range range)
    {
        long? start = range.Start.IsFromEnd ? (range.Start.Value == 0 ? null : -range.Start.Value) : range.Start.Value;
        long? stop = range.End.IsFromEnd ? (range.End.Value == 0 ? null : -range.End.Value) : range.End.Value;
        if (!range.Start.IsFromEnd && range.Start.Value == 0) start = null;
        return Slice(start, stop);
    }

    /// <summary>A C# Index: ^1 is the last element.</summary>
    public static implicit operator TensorIndex(Index index) => Single(index.IsFromEnd ? -index.Value : index.Value);

    internal NativeIndex ToNative() => new()
    {
        Kind = Kind, Flags = Flags, Start = Start, Stop = Stop, Step = Step,
        Tensor = Tensor is null ? IntPtr.Zero : Tensor.Handle.DangerousGetHandle(),
    };
}

// Indexing, gather/scatter, masks and where. Native side: src/Native/indexing.cpp.
public partial class Tensor
{
    /// <summary>x[i, j, ...] as in Python: ints, ranges, tensors (bool masks or int64 indices), Ellipsis, None.
    /// The setter assigns a tensor (broadcast) into the selected elements.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")] // "Item" is taken by Item(), the scalar read.
    public Tensor this[params TensorIndex[] indices]
    {
        get => Index(indices);
        set => IndexPut_(indices, value);
    }

    public unsafe Tensor Index(ReadOnlySpan<TensorIndex> indices)
    {
        var spec = ToNative(indices);
        TensorHandle r;
        fixed (NativeIndex* p = spec) Native.Check(Native.mlr_indexing_index(Handle, p, spec.Length, out r));
        KeepAlive(indices);
        return new Tensor(r);
    }

    /// <summary>x[indices] = value, in place.</summary>
    public unsafe Tensor IndexPut_(ReadOnlySpan<TensorIndex> indices, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var spec = ToNative(indices);
        fixed (NativeIndex* p = spec)
            Native.Check(Native.mlr_indexing_index_put_(Handle, p, spec.Length, value.Handle.DangerousGetHandle(), default));
        KeepAlive(indices);
        GC.KeepAlive(value);
        return this;
    }

    /// <summary>x[indices] = scalar, in place.</summary>
    public unsafe Tensor IndexPut_(ReadOnlySpan<TensorIndex> indices, Scalar value)
    {
        var spec = ToNative(indices);
        fixed (NativeIndex* p = spec)
            Native.Check(Native.mlr_indexing_index_put_(Handle, p, spec.Length, IntPtr.Zero, value.ToNative()));
        KeepAlive(indices);
        return this;
    }

    /// <summary>torch.index_put with a tuple of index tensors (null = the whole dim). With accumulate, values at
    /// duplicate indices add up instead of the last one winning.</summary>
    public Tensor IndexPut(ReadOnlySpan<Tensor?> indices, Tensor values, bool accumulate = false) =>
        IndexPutTensors(indices, values, accumulate, false);

    public Tensor IndexPut_(ReadOnlySpan<Tensor?> indices, Tensor values, bool accumulate = false) =>
        IndexPutTensors(indices, values, accumulate, true);

    private unsafe Tensor IndexPutTensors(ReadOnlySpan<Tensor?> indices, Tensor values, bool accumulate, bool inplace)
    {
        var raw = new IntPtr[indices.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            if (indices[i] is { IsDisposed: true }) throw new ObjectDisposedException(nameof(Tensor), $"index {i} is disposed");
            raw[i] = indices[i]?.Handle.DangerousGetHandle() ?? IntPtr.Zero;
        }
        IntPtr r;
        fixed (IntPtr* p = raw)
            Native.Check(Native.mlr_indexing_index_put_tensors(Handle, p, raw.Length, values.Handle, accumulate ? 1 : 0,
                inplace ? 1 : 0, out r));
        foreach (var t in indices) GC.KeepAlive(t);
        return inplace ? this : Wrap(r)!;
    }

    private static NativeIndex[] ToNative(ReadOnlySpan<TensorIndex> indices)
    {
        var spec = new NativeIndex[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            if (indices[i].Tensor is { IsDisposed: true } t) throw new ObjectDisposedException(nameof(Tensor), $"index {i} is a disposed tensor");
            spec[i] = indices[i].ToNative();
        }
        return spec;
    }

    private static void KeepAlive(ReadOnlySpan<TensorIndex> indices)
    {
        foreach (var i in indices) GC.KeepAlive(i.Tensor);
    }

    private Tensor SelectKind(int kind, long dim, Tensor index)
    {
        Native.Check(Native.mlr_indexing_select(kind, Handle, dim, index.Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>Entries of dim at the given int64 indices.</summary>
    public Tensor IndexSelect(long dim, Tensor index) => SelectKind(0, dim, index);

    /// <summary>out[i][j] = this[i][index[i][j]] for dim 1 (torch.gather).</summary>
    public Tensor Gather(long dim, Tensor index) => SelectKind(1, dim, index);

    public Tensor TakeAlongDim(Tensor indices, long dim) => SelectKind(2, dim, indices);

    private Tensor ScatterCore(long dim, Tensor index, Tensor? src, Scalar value, int reduce, bool inplace)
    {
        var s = src is null ? IntPtr.Zero : src.Handle.DangerousGetHandle();
        Native.Check(Native.mlr_indexing_scatter(Handle, dim, index.Handle, s, value.ToNative(), reduce,
            inplace ? 1 : 0, out var r));
        GC.KeepAlive(src);
        return inplace ? this : Wrap(r)!;
    }

    /// <summary>The inverse of Gather: writes src's values at index along dim.</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor src) => ScatterCore(dim, index, src, 0, 0, false);
    public Tensor Scatter(long dim, Tensor index, Scalar value) => ScatterCore(dim, index, null, value, 0, false);
    public Tensor Scatter_(long dim, Tensor index, Tensor src) => ScatterCore(dim, index, src, 0, 0, true);
    public Tensor Scatter_(long dim, Tensor index, Scalar value) => ScatterCore(dim, index, null, value, 0, true);

    /// <summary>Adds src's values at index along dim (duplicates accumulate).</summary>
    public Tensor ScatterAdd(long dim, Tensor index, Tensor src) => ScatterCore(dim, index, src, 0, 1, false);
    public Tensor ScatterAdd_(long dim, Tensor index, Tensor src) => ScatterCore(dim, index, src, 0, 1, true);

    private Tensor MaskedFillCore(Tensor mask, Tensor? value, Scalar scalar, bool inplace)
    {
        var v = value is null ? IntPtr.Zero : value.Handle.DangerousGetHandle();
        Native.Check(Native.mlr_indexing_masked_fill(Handle, mask.Handle, v, scalar.ToNative(), inplace ? 1 : 0, out var r));
        GC.KeepAlive(value);
        return inplace ? this : Wrap(r)!;
    }

    /// <summary>Copy with the value written where mask is true (mask broadcasts).</summary>
    public Tensor MaskedFill(Tensor mask, Scalar value) => MaskedFillCore(mask, null, value, false);
    public Tensor MaskedFill(Tensor mask, Tensor value) => MaskedFillCore(mask, value, 0, false);
    public Tensor MaskedFill_(Tensor mask, Scalar value) => MaskedFillCore(mask, null, value, true);
    public Tensor MaskedFill_(Tensor mask, Tensor value) => MaskedFillCore(mask, value, 0, true);

    /// <summary>The elements where mask is true, as a 1-D tensor.</summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        Native.Check(Native.mlr_indexing_masked_select(Handle, mask.Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>Treating this as the condition: a where true, b where false.</summary>
    public Tensor WhereSelect(Tensor a, Tensor b) => WhereCore(a, 0, b, 0);
    public Tensor WhereSelect(Tensor a, Scalar b) => WhereCore(a, 0, null, b);
    public Tensor WhereSelect(Scalar a, Tensor b) => WhereCore(null, a, b, 0);
    public Tensor WhereSelect(Scalar a, Scalar b) => WhereCore(null, a, null, b);

    private Tensor WhereCore(Tensor? a, Scalar sa, Tensor? b, Scalar sb)
    {
        Native.Check(Native.mlr_indexing_where(Handle, a is null ? IntPtr.Zero : a.Handle.DangerousGetHandle(),
            sa.ToNative(), b is null ? IntPtr.Zero : b.Handle.DangerousGetHandle(), sb.ToNative(), out var r));
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return new Tensor(r);
    }

    /// <summary>Indices of the non-zero elements, shape (n, Dim).</summary>
    public Tensor Nonzero()
    {
        Native.Check(Native.mlr_indexing_nonzero(Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>One-hot int64 encoding of class indices; numClasses -1 infers max + 1.</summary>
    public Tensor OneHot(long numClasses = -1)
    {
        Native.Check(Native.mlr_indexing_one_hot(Handle, numClasses, out var r));
        return new Tensor(r);
    }
}

public static partial class Torch
{
    public static Tensor Where(Tensor condition, Tensor a, Scalar b) => condition.WhereSelect(a, b);
    public static Tensor Where(Tensor condition, Scalar a, Tensor b) => condition.WhereSelect(a, b);
}
