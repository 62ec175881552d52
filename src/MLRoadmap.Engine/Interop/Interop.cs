using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

/// <summary>
/// The managed side of the native shim. Each src/Native/&lt;area&gt;.cpp has one Interop.&lt;Area&gt;.cs here whose
/// methods carry the export names unchanged, so grep finds both halves and a test proves the two lists agree.
/// </summary>
internal static partial class Native
{
    internal const string Library = "mlroadmap_native";
    internal const string FileName = "libmlroadmap_native.so";

    /// <summary>The one error-translation helper: every guarded export's status goes through here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status)
    {
        if (status != 0) Throw(status);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Throw(int status)
    {
        var message = Marshal.PtrToStringUTF8((IntPtr)mlr_errors_message()) ?? "";
        var detail = Marshal.PtrToStringUTF8((IntPtr)mlr_errors_detail()) ?? message;
        throw TorchException.FromNative((TorchErrorKind)status, message, detail);
    }

    internal static unsafe string? Utf8(byte* text) => text == null ? null : Marshal.PtrToStringUTF8((IntPtr)text);
}

/// <summary>Finds and loads libmlroadmap_native.so, listing every place it looked when it can't.</summary>
internal static class NativeLoader
{
    private static IntPtr _handle;
    private static string? _loadedFrom;
    private static readonly Lock Gate = new();

    /// <summary>Environment variable naming the native library file, which then wins over every other place.</summary>
    public const string PathVariable = "MLROADMAP_NATIVE";

    /// <summary>Where the library was loaded from, or null before the first native call.</summary>
    public static string? LoadedFrom => _loadedFrom;

#pragma warning disable CA2255 // A module initializer is the only hook that runs before the first P/Invoke resolves.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLoader).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Native.Library) return IntPtr.Zero;
        return Load();
    }

    internal static IntPtr Load()
    {
        if (_handle != IntPtr.Zero) return _handle;
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return _handle;
            var tried = new List<string>();
            foreach (var candidate in Candidates())
            {
                if (!File.Exists(candidate))
                {
                    tried.Add($"{candidate} (not found)");
                    continue;
                }
                IntPtr handle;
                try
                {
                    handle = NativeLibrary.Load(candidate);
                }
                catch (DllNotFoundException e)
                {
                    // Usually a dependency (libtorch) that the dynamic loader can't find; its text says which.
                    tried.Add($"{candidate} (found, but failed to load: {e.Message})");
                    continue;
                }
                Initialize(handle);
                _loadedFrom = candidate;
                _handle = handle;
                return handle;
            }
            throw new NativeLibraryMissingException(tried);
        }
    }

    /// <summary>Every path probed, in order. Public through Torch.NativeLibraryCandidates for doctor.</summary>
    internal static IEnumerable<string> Candidates()
    {
        var fromEnv = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(fromEnv)) yield return Path.GetFullPath(fromEnv);
        var baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, Native.FileName);
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native", Native.FileName);
        // A development checkout: the bootstrap builds into <repo>/artifacts/native.
        var seen = new HashSet<string>();
        foreach (var start in new[] { baseDir, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "artifacts", "native", Native.FileName);
                if (seen.Add(path) && (File.Exists(path) || File.Exists(Path.Combine(dir.FullName, "MLRoadmap.sln"))))
                    yield return path;
            }
        }
    }

    // Debian's libtorch starts with one intra-op thread; use every core this process may run on, unless told
    // (MLROADMAP_NUM_THREADS). Setting it also sets the BLAS's threads (see mlr_system_set_num_threads: OpenBLAS on
    // OpenMP shares libtorch's pool and gets the same count; OpenBLAS's pthread pool gets one thread, because the two
    // pools spin against each other). MLROADMAP_BLAS_THREADS, or OpenBLAS's own OPENBLAS_NUM_THREADS, overrides that.
    private static unsafe void Initialize(IntPtr library)
    {
        var cores = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "mlr_system_available_cores");
        var setThreads = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(library, "mlr_system_set_num_threads");
        var setBlas = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(library, "mlr_system_set_blas_threads");
        var threads = cores();
        if (int.TryParse(Environment.GetEnvironmentVariable("MLROADMAP_NUM_THREADS"), out var requested) && requested > 0)
            threads = requested;
        setThreads(threads);
        if ((int.TryParse(Environment.GetEnvironmentVariable("MLROADMAP_BLAS_THREADS"), out var blas) ||
             int.TryParse(Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS"), out blas)) && blas > 0)
            setBlas(blas); // fails harmlessly (non-zero status, ignored) when the BLAS has no such control

        // TF32 tensor cores for float32 matmuls and convolutions on CUDA (Ampere and later), unless MLROADMAP_TF32=0.
        // PyTorch leaves matmul TF32 off by default; TorchSharp users trailed PyTorch until they found the switch.
        var setFlag = (delegate* unmanaged<int, int, int>)NativeLibrary.GetExport(library, "mlr_system_set_flag");
        var tf32 = Environment.GetEnvironmentVariable("MLROADMAP_TF32") == "0" ? 0 : 1;
        setFlag(1, tf32);
        setFlag(2, tf32);

        // The CPU caching allocator (src/Native/allocator.cpp), unless MLROADMAP_CPU_CACHE=0.
        var caching = (delegate* unmanaged<int, long, int>)NativeLibrary.GetExport(library, "mlr_allocator_set_cpu_caching");
        var limit = long.TryParse(Environment.GetEnvironmentVariable("MLROADMAP_CPU_CACHE_MB"), out var mb) && mb >= 0
            ? mb * 1024 * 1024
            : -1;
        caching(Environment.GetEnvironmentVariable("MLROADMAP_CPU_CACHE") == "0" ? 0 : 1, limit);

        // The fused CPU LSTM (src/Native/nn_lstm_cpu.cpp, backend flag 5), unless MLROADMAP_FUSED_LSTM=0.
        if (Environment.GetEnvironmentVariable("MLROADMAP_FUSED_LSTM") == "0") setFlag(5, 0);
    }
}
