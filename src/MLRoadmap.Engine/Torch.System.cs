using MLRoadmap.Interop;

namespace MLRoadmap;

/// <summary>The engine's entry point: tensor factories, global state (seeds, threads, grad mode) and runtime facts.
/// Split over Torch.*.cs files by area, each matching one native file.</summary>
public static partial class Torch
{
    /// <summary>libtorch's version, e.g. "1.13.0".</summary>
    public static unsafe string Version => Native.Utf8(Native.mlr_system_torch_version()) ?? "unknown";

    /// <summary>Whether the native library was compiled against a CUDA libtorch.</summary>
    public static bool BuiltWithCuda => Native.mlr_system_built_with_cuda() != 0;

    /// <summary>Full path of the native library in use (loads it if needed).</summary>
    public static string NativeLibraryPath
    {
        get
        {
            NativeLoader.Load();
            return NativeLoader.LoadedFrom!;
        }
    }

    /// <summary>Every place the loader looks for the native library, in order.</summary>
    public static IReadOnlyList<string> NativeLibraryCandidates => NativeLoader.Candidates().ToList();

    /// <summary>libtorch's build summary (at::show_config).</summary>
    public static unsafe string BuildConfig
    {
        get
        {
            Native.Check(Native.mlr_system_config(out var text));
            return Native.Utf8(text) ?? "";
        }
    }

    /// <summary>The BLAS library actually mapped into this process and its file.</summary>
    public static unsafe (string Name, string Path) Blas
    {
        get
        {
            Native.Check(Native.mlr_system_blas(out var name, out var path));
            return (Native.Utf8(name) ?? "", Native.Utf8(path) ?? "");
        }
    }

    /// <summary>Cores this process may use (CPU affinity), the default intra-op thread count.</summary>
    public static int AvailableCores => Native.mlr_system_available_cores();

    /// <summary>libtorch's intra-op thread count. Starts at <see cref="AvailableCores"/> (or MLROADMAP_NUM_THREADS).
    /// Setting it also sets <see cref="BlasThreads"/> by <see cref="BlasPool"/>.</summary>
    public static int NumThreads
    {
        get
        {
            Native.Check(Native.mlr_system_get_num_threads(out var n));
            return n;
        }
        set => Native.Check(Native.mlr_system_set_num_threads(value));
    }

    /// <summary>Where the BLAS in use runs its threads, which decides how <see cref="NumThreads"/> sets
    /// <see cref="BlasThreads"/> (README "Threads").</summary>
    public static BlasPool BlasPool
    {
        get
        {
            Native.Check(Native.mlr_system_blas_pool(out var pool));
            return (BlasPool)pool;
        }
    }

    /// <summary>Threads of the BLAS library (OpenBLAS, MKL), or -1 when it has no such control. Setting
    /// <see cref="NumThreads"/> sets it too: the same count when the BLAS shares libtorch's OpenMP pool, 1 when it
    /// keeps a pool of its own (MLROADMAP_BLAS_THREADS overrides at load). With a shared pool a count above 1 follows
    /// <see cref="NumThreads"/> at the next matrix product; 1 keeps products on one thread.</summary>
    public static int BlasThreads
    {
        get
        {
            Native.Check(Native.mlr_system_get_blas_threads(out var n));
            return n;
        }
        set => Native.Check(Native.mlr_system_set_blas_threads(value));
    }

    /// <summary>Native tensor handles alive now, across all threads. What memory tests hold at baseline.</summary>
    public static long LiveTensorCount
    {
        get
        {
            TensorHandle.DrainOrphans();
            return Native.mlr_tensor_live_count();
        }
    }

    /// <summary>Frees tensors whose finalizers ran (tensors nobody disposed). Returns how many were waiting.</summary>
    public static int CollectGarbage()
    {
        var waiting = TensorHandle.OrphanCount;
        TensorHandle.DrainOrphans();
        return waiting;
    }

    /// <summary>Opens a scope that frees every tensor created inside it when disposed. See <see cref="DisposeScope"/>.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>CUDA devices, memory and caching-allocator control.</summary>
    public static class Cuda
    {
        public static int DeviceCount
        {
            get
            {
                Native.Check(Native.mlr_system_cuda_device_count(out var n));
                return n;
            }
        }

        public static bool IsAvailable => DeviceCount > 0;

        public static unsafe CudaDeviceInfo GetDeviceInfo(int index)
        {
            Native.Check(Native.mlr_system_cuda_device_info(index, out var name, out var major, out var minor,
                out var total, out var free));
            return new CudaDeviceInfo(index, Native.Utf8(name) ?? "", major, minor, total, free);
        }

        /// <summary>Bytes held by live tensors, reserved by the caching allocator, and the peak of the former.</summary>
        public static (long Allocated, long Reserved, long Peak) MemoryStats(int index = 0)
        {
            Native.Check(Native.mlr_system_cuda_memory(index, out var allocated, out var reserved, out var peak));
            return (allocated, reserved, peak);
        }

        /// <summary>Returns cached, unused blocks to the driver (torch.cuda.empty_cache). No-op without CUDA.</summary>
        public static void EmptyCache() => Native.Check(Native.mlr_system_cuda_empty_cache());

        public static void Synchronize(int index = -1) => Native.Check(Native.mlr_system_cuda_synchronize(index));
    }

    /// <summary>Backend switches, as torch.backends.* in Python.</summary>
    public static class Backends
    {
        private static bool Get(int flag)
        {
            Native.Check(Native.mlr_system_get_flag(flag, out var v));
            return v != 0;
        }

        private static void Set(int flag, bool value) => Native.Check(Native.mlr_system_set_flag(flag, value ? 1 : 0));

        /// <summary>cuDNN autotuning of conv algorithms for fixed input shapes.</summary>
        public static bool CudnnBenchmark { get => Get(0); set => Set(0, value); }

        /// <summary>TF32 tensor cores for float32 matmul on Ampere and later.</summary>
        public static bool AllowTF32Matmul { get => Get(1); set => Set(1, value); }

        /// <summary>TF32 tensor cores for float32 convolutions.</summary>
        public static bool AllowTF32Cudnn { get => Get(2); set => Set(2, value); }

        /// <summary>Refuse nondeterministic kernels (torch.use_deterministic_algorithms).</summary>
        public static bool DeterministicAlgorithms { get => Get(3); set => Set(3, value); }

        public static bool CudnnEnabled { get => Get(4); set => Set(4, value); }

        /// <summary>CPU LSTMs (float32/float64) through the engine's fused kernel instead of libtorch's op-by-op
        /// at::lstm: same results within rounding, 2-3x faster to train. First-order gradients only; turn it
        /// off to differentiate LSTM gradients again. On by default; MLROADMAP_FUSED_LSTM=0 turns it off at load.</summary>
        public static bool FusedCpuLstm { get => Get(5); set => Set(5, value); }
    }
}

/// <summary>One CUDA device as doctor reports it.</summary>
public sealed record CudaDeviceInfo(int Index, string Name, int Major, int Minor, long TotalBytes, long FreeBytes);

/// <summary>Where the BLAS library runs its threads (values mirror src/Native/system.cpp's mlr_blas_pool).</summary>
public enum BlasPool
{
    /// <summary>No BLAS with a threading query: the reference BLAS, or none found.</summary>
    Unknown = 0,

    /// <summary>A single-threaded build (OpenBLAS serial).</summary>
    None = 1,

    /// <summary>A pool of its own beside libtorch's (OpenBLAS pthread): given one thread, or the two pools spin
    /// against each other.</summary>
    Own = 2,

    /// <summary>libtorch's own OpenMP pool (OpenBLAS openmp): the same count as libtorch's, the fastest on CPU.</summary>
    Shared = 3,

    /// <summary>MKL, whose threads libtorch sets itself.</summary>
    Mkl = 4,
}
