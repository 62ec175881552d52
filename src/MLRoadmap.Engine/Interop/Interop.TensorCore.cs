using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/tensor_core.cpp
internal static unsafe partial class Native
{
    // No GC transition: a handle delete is short, never blocks on the runtime and never throws. Every tensor pays it.
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial void mlr_tensor_free(IntPtr handle);

    [LibraryImport(Library)]
    internal static partial void mlr_tensor_array_free(IntPtr* array);

    [LibraryImport(Library)]
    internal static partial long mlr_tensor_live_count();

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_alias(TensorHandle h, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_defined(TensorHandle h, out int defined);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_dim(TensorHandle h, out int dim);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_sizes(TensorHandle h, long* buffer, int capacity, out int ndim);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_strides(TensorHandle h, long* buffer, int capacity, out int ndim);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_numel(TensorHandle h, out long numel);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_dtype(TensorHandle h, out int dtype);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_device(TensorHandle h, out int type, out int index);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_flags(TensorHandle h, out int flags);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_from_host(void* data, long bytes, long* shape, int ndim, int dtype,
        int deviceType, int deviceIndex, int requiresGrad, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_to_host(TensorHandle h, void* buffer, long bytes);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_item(TensorHandle h, out NativeScalar value);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_to(TensorHandle h, int dtype, int deviceType, int deviceIndex,
        int nonBlocking, int copy, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_copy_(TensorHandle dst, TensorHandle src, int nonBlocking);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_clone(TensorHandle h, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_contiguous(TensorHandle h, int format, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_is_contiguous(TensorHandle h, int format, out int result);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_pin_memory(TensorHandle h, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_set_data(TensorHandle h, TensorHandle data);

    [LibraryImport(Library)]
    internal static partial int mlr_tensor_to_string(TensorHandle h, out byte* text);
}
