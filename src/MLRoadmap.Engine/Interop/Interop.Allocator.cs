using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/allocator.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_allocator_set_cpu_caching(int enabled, long limitBytes);

    [LibraryImport(Library)]
    internal static partial int mlr_allocator_cpu_stats(out long inUse, out long cached, out long peak, out long hits,
        out long misses, out int enabled);

    [LibraryImport(Library)]
    internal static partial int mlr_allocator_cpu_empty_cache(out long freed);
}
