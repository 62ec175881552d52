using System.Globalization;

namespace MLRoadmap.Cli.Doctor;

/// <summary>doctor's human-readable form: one aligned line per fact, then the warnings.</summary>
internal static class DoctorText
{
    public static void Write(DoctorReport r, TextWriter o)
    {
        o.WriteLine("MLRoadmap doctor");
        Line(o, "libtorch", r.TorchVersion);
        Line(o, "native library", r.NativeLibrary);
        Line(o, "BLAS", r.Blas.Path.Length > 0 ? $"{r.Blas.Name} ({r.Blas.Path})" : r.Blas.Name);
        Line(o, "threads", $"{r.Threads.IntraOp} intra-op threads, " +
            $"{(r.Threads.Blas < 0 ? "BLAS threads not controllable" : $"{r.Threads.Blas} BLAS thread(s)")}" +
            $"{PoolText(r.Threads.BlasPool)}, {r.Threads.AvailableCores} cores available");
        var build = r.Cuda.BuiltWith ? "native library built with CUDA" : "native library built without CUDA (CPU only)";
        Line(o, "CUDA", $"{build}; {(r.Cuda.Available ? $"{r.Cuda.Devices.Count} device(s) available" : "not available")}");
        Line(o, "TF32", $"matmul {OnOff(r.Cuda.Tf32Matmul)}, convolutions {OnOff(r.Cuda.Tf32Cudnn)} (MLROADMAP_TF32=0 turns both off)");
        foreach (var d in r.Cuda.Devices)
        {
            Line(o, $"  cuda:{d.Index}", $"{d.Name}, capability {d.Capability}, " +
                                         $"{GiB(d.TotalBytes)} total, {GiB(d.FreeBytes)} free");
        }
        Line(o, ".NET", r.Dotnet);
        Line(o, "OS", $"{r.Os}, {r.Architecture}, kernel {r.Kernel}");
        if (r.Warnings.Count == 0) return;
        o.WriteLine();
        foreach (var w in r.Warnings) o.WriteLine($"warning: {w}");
    }

    private static string PoolText(string pool) => pool switch
    {
        "shared" => " on libtorch's OpenMP pool",
        "own" => " in OpenBLAS's own pool",
        _ => "",
    };

    private static string OnOff(bool on) => on ? "on" : "off";

    private static void Line(TextWriter o, string label, string value) => o.WriteLine($"  {label,-16}{value}");

    private static string GiB(long bytes) =>
        (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
}
