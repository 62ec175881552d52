using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/reduction.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_reduction_reduce(int op, TensorHandle a, long* dims, int ndim, int keepdim,
        int dtype, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_var_std(int kind, TensorHandle a, long* dims, int ndim, long correction,
        int keepdim, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_norm(TensorHandle a, double p, long* dims, int ndim, int keepdim,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_max_dim(TensorHandle a, long dim, int keepdim, int isMin,
        out TensorHandle values, out TensorHandle indices);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_argmax(TensorHandle a, long dim, int hasDim, int keepdim, int isMin,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_softmax(TensorHandle a, long dim, int log, int dtype,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_cumulative(int kind, TensorHandle a, long dim, int dtype,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_sort(TensorHandle a, long dim, int descending, int stable,
        out TensorHandle values, out TensorHandle indices);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_argsort(TensorHandle a, long dim, int descending, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_topk(TensorHandle a, long k, long dim, int largest, int sorted,
        out TensorHandle values, out TensorHandle indices);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_compare_all(int kind, TensorHandle a, TensorHandle b, double rtol,
        double atol, int equalNan, out int result);

    [LibraryImport(Library)]
    internal static partial int mlr_reduction_unique(TensorHandle a, int returnInverse, int returnCounts,
        out TensorHandle values, out IntPtr inverse, out IntPtr counts);
}
