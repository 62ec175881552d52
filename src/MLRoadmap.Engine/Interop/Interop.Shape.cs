using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/shape.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_shape_sized(int kind, TensorHandle a, long* sizes, int n, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_dims(int kind, TensorHandle a, long d0, long d1, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_dims_(int kind, TensorHandle a, long d0, long d1);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_unflatten(TensorHandle a, long dim, long* sizes, int n, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_join(int kind, IntPtr* list, int count, long dim, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_split(int kind, TensorHandle a, long* sizes, int n, long dim, out IntPtr* result,
        out int count);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_narrow(TensorHandle a, long dim, long start, long length, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_select(TensorHandle a, long dim, long index, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_shape_as_strided(TensorHandle a, long* sizes, long* strides, int n, long offset,
        out TensorHandle result);
}
