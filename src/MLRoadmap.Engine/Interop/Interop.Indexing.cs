using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

/// <summary>One element of an index expression; layout matches mlr_index in src/Native/indexing.cpp.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeIndex
{
    public int Kind;   // 0 int, 1 slice, 2 tensor, 3 ellipsis, 4 none, 5 bool
    public int Flags;  // slice: bit0 no start, bit1 no stop
    public long Start;
    public long Stop;
    public long Step;
    public IntPtr Tensor;
}

// src/Native/indexing.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_indexing_index(TensorHandle a, NativeIndex* spec, int count, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_index_put_(TensorHandle a, NativeIndex* spec, int count, IntPtr value,
        NativeScalar scalar);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_select(int kind, TensorHandle a, long dim, TensorHandle index,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_scatter(TensorHandle a, long dim, TensorHandle index, IntPtr src,
        NativeScalar value, int reduce, int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_masked_fill(TensorHandle a, TensorHandle mask, IntPtr value,
        NativeScalar scalar, int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_masked_select(TensorHandle a, TensorHandle mask, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_where(TensorHandle cond, IntPtr a, NativeScalar sa, IntPtr b,
        NativeScalar sb, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_nonzero(TensorHandle a, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_one_hot(TensorHandle a, long numClasses, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_indexing_index_put_tensors(TensorHandle a, IntPtr* indices, int count,
        TensorHandle values, int accumulate, int inplace, out IntPtr result);
}
