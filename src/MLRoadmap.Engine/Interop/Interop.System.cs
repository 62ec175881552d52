using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/system.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial byte* mlr_system_torch_version();

    [LibraryImport(Library)]
    internal static partial int mlr_system_built_with_cuda();

    [LibraryImport(Library)]
    internal static partial int mlr_system_config(out byte* text);

    [LibraryImport(Library)]
    internal static partial int mlr_system_blas(out byte* name, out byte* path);

    [LibraryImport(Library)]
    internal static partial int mlr_system_available_cores();

    [LibraryImport(Library)]
    internal static partial int mlr_system_set_num_threads(int threads);

    [LibraryImport(Library)]
    internal static partial int mlr_system_get_num_threads(out int threads);

    [LibraryImport(Library)]
    internal static partial int mlr_system_cuda_device_count(out int count);

    [LibraryImport(Library)]
    internal static partial int mlr_system_cuda_device_info(int index, out byte* name, out int major, out int minor,
        out long totalBytes, out long freeBytes);

    [LibraryImport(Library)]
    internal static partial int mlr_system_cuda_memory(int index, out long allocated, out long reserved, out long peak);

    [LibraryImport(Library)]
    internal static partial int mlr_system_cuda_empty_cache();

    [LibraryImport(Library)]
    internal static partial int mlr_system_cuda_synchronize(int index);

    [LibraryImport(Library)]
    internal static partial int mlr_system_get_flag(int flag, out int value);

    [LibraryImport(Library)]
    internal static partial int mlr_system_set_flag(int flag, int value);

    [LibraryImport(Library)]
    internal static partial int mlr_system_blas_pool(out int pool);

    [LibraryImport(Library)]
    internal static partial int mlr_system_get_blas_threads(out int threads);

    [LibraryImport(Library)]
    internal static partial int mlr_system_set_blas_threads(int threads);
}
