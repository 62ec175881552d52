using MLRoadmap.Interop;

namespace MLRoadmap;

// The CPU caching allocator. Native side: src/Native/allocator.cpp.
public static partial class Torch
{
    /// <summary>
    /// Reuse of freed CPU tensor memory (blocks of 256 KiB and more) instead of handing it back to the system, so a
    /// training step does not page-fault its activations in again every step. On by default; MLROADMAP_CPU_CACHE=0
    /// turns it off at start-up and MLROADMAP_CPU_CACHE_MB sets the cap on cached bytes (default 2048).
    /// </summary>
    public static class CpuCache
    {
        public static bool Enabled
        {
            get => Stats().Enabled;
            set => Native.Check(Native.mlr_allocator_set_cpu_caching(value ? 1 : 0, -1));
        }

        /// <summary>Cap on the bytes kept cached; blocks freed beyond it go back to the system at once.</summary>
        public static void SetLimit(long bytes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bytes);
            Native.Check(Native.mlr_allocator_set_cpu_caching(Enabled ? 1 : 0, bytes));
        }

        public static CpuCacheStats Stats()
        {
            Native.Check(Native.mlr_allocator_cpu_stats(out var inUse, out var cached, out var peak, out var hits,
                out var misses, out var enabled));
            return new CpuCacheStats(enabled != 0, inUse, cached, peak, hits, misses);
        }

        /// <summary>Returns every cached block to the system; the bytes freed.</summary>
        public static long EmptyCache()
        {
            Native.Check(Native.mlr_allocator_cpu_empty_cache(out var freed));
            return freed;
        }
    }

    /// <summary>Returns cached memory of every device (CPU cache and CUDA caching allocator) to the system.</summary>
    public static void EmptyCache()
    {
        CpuCache.EmptyCache();
        Cuda.EmptyCache();
    }
}

/// <summary>The CPU cache's figures: bytes of cached-size blocks in live tensors, bytes held for reuse, the peak of
/// the first, and how many allocations reused a block (hits) or needed a new one (misses).</summary>
public sealed record CpuCacheStats(bool Enabled, long InUseBytes, long CachedBytes, long PeakInUseBytes, long Hits,
    long Misses);
