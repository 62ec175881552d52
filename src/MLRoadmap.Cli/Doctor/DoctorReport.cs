using System.Runtime.InteropServices;

namespace MLRoadmap.Cli.Doctor;

// What `mlroadmap doctor` finds, gathered once and then printed as text or JSON. The records' property names are the
// JSON keys in snake_case (see DoctorJson), so renaming a property here changes the documented --json output:
//   torch_version, native_library, blas {name, path, is_reference},
//   threads {intra_op, blas, blas_pool (shared, own, mkl, none, unknown), available_cores},
//   cuda {built_with, available, tf32_matmul, tf32_cudnn, devices [{index, name, capability, total_bytes, free_bytes}]},
//   dotnet, os, kernel, architecture, warnings [string].
// When the native library can't be loaded, the JSON is instead {error, tried [string]} (see DoctorFailure).

internal sealed record DoctorReport(
    string TorchVersion,
    string NativeLibrary,
    BlasInfo Blas,
    ThreadInfo Threads,
    CudaInfo Cuda,
    string Dotnet,
    string Os,
    string Kernel,
    string Architecture,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Asks the engine for everything; the first native call loads the library and may throw
    /// <see cref="NativeLibraryMissingException"/>.</summary>
    public static DoctorReport Collect()
    {
        var nativeLibrary = Torch.NativeLibraryPath;
        var warnings = new List<string>();

        var (blasName, blasPath) = Torch.Blas;
        var blas = new BlasInfo(blasName, blasPath, blasName.StartsWith("reference BLAS", StringComparison.Ordinal));
        if (blas.IsReference)
        {
            warnings.Add($"the slow reference BLAS ({blasPath}) does the matrix products: expect CPU training to be " +
                         "many times slower. Install libopenblas0-openmp (scripts/bootstrap.sh does) or use a " +
                         "libtorch with MKL.");
        }
        else if (blasName == "none found")
        {
            warnings.Add("no BLAS library was found in this process; matrix products may be slow.");
        }

        var pool = Torch.BlasPool;
        var threads = new ThreadInfo(Torch.NumThreads, Torch.BlasThreads, pool.ToString().ToLowerInvariant(), Torch.AvailableCores);
        if (pool == BlasPool.Own && threads.IntraOp > 1 && threads.Blas > 1)
            warnings.Add($"{threads.IntraOp} intra-op threads and {threads.Blas} threads of OpenBLAS's own pool compete for " +
                         $"{threads.AvailableCores} cores; set MLROADMAP_BLAS_THREADS=1 (or unset OPENBLAS_NUM_THREADS)");
        if (pool == BlasPool.Own)
            warnings.Add("OpenBLAS's pthread build keeps a thread pool apart from libtorch's, so matrix products get one " +
                         "thread; OpenBLAS built on OpenMP shares libtorch's pool and trained 1.1-1.8x faster on 2 cores: " +
                         "install libopenblas0-openmp and rebuild the native shim (scripts/bootstrap.sh does both).");
        if (threads.IntraOp > threads.AvailableCores)
        {
            warnings.Add($"{threads.IntraOp} intra-op threads on {threads.AvailableCores} cores oversubscribes " +
                         "the CPU; lower MLROADMAP_NUM_THREADS.");
        }

        var cuda = CollectCuda(warnings);
        return new DoctorReport(Torch.Version, nativeLibrary, blas, threads, cuda,
            RuntimeInformation.FrameworkDescription, OsName(), KernelRelease(),
            RuntimeInformation.OSArchitecture.ToString(), warnings);
    }

    private static CudaInfo CollectCuda(List<string> warnings)
    {
        var builtWith = Torch.BuiltWithCuda;
        var count = Torch.Cuda.DeviceCount;
        var devices = new List<CudaDevice>();
        for (var i = 0; builtWith && i < count; i++)
        {
            try
            {
                var d = Torch.Cuda.GetDeviceInfo(i);
                devices.Add(new CudaDevice(d.Index, d.Name, $"{d.Major}.{d.Minor}", d.TotalBytes, d.FreeBytes));
            }
            catch (TorchException e)
            {
                warnings.Add($"CUDA device {i} could not be queried: {e.Message}");
            }
        }
        if (builtWith && count == 0)
        {
            warnings.Add("the native library was built with CUDA but no CUDA device is visible " +
                         "(driver not loaded, or CUDA_VISIBLE_DEVICES hides them).");
        }
        return new CudaInfo(builtWith, count > 0, Torch.Backends.AllowTF32Matmul, Torch.Backends.AllowTF32Cudnn, devices);
    }

    // The running kernel's release (uname -r), else the runtime's version number for the OS.
    private static string KernelRelease()
    {
        const string file = "/proc/sys/kernel/osrelease";
        return File.Exists(file) ? File.ReadAllText(file).Trim() : Environment.OSVersion.Version.ToString();
    }

    // The distribution's own name (PRETTY_NAME in /etc/os-release), else what the runtime reports.
    private static string OsName()
    {
        const string file = "/etc/os-release";
        if (File.Exists(file))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                    return line["PRETTY_NAME=".Length..].Trim('"');
            }
        }
        return RuntimeInformation.OSDescription;
    }
}

internal sealed record BlasInfo(string Name, string Path, bool IsReference);

internal sealed record ThreadInfo(int IntraOp, int Blas, string BlasPool, int AvailableCores);

internal sealed record CudaInfo(bool BuiltWith, bool Available, bool Tf32Matmul, bool Tf32Cudnn, IReadOnlyList<CudaDevice> Devices);

internal sealed record CudaDevice(int Index, string Name, string Capability, long TotalBytes, long FreeBytes);

/// <summary>doctor's JSON when the native library can't be loaded: the loader's message and each path it tried.</summary>
internal sealed record DoctorFailure(string Error, IReadOnlyList<string> Tried);
