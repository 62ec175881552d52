namespace MLRoadmap.Tests.Support;

/// <summary>
/// The GPU test category. A class of GPU tests carries <c>[Trait("Category", "GPU")]</c> and marks each test
/// <see cref="CudaFactAttribute"/>: it runs where a CUDA device is, and is reported skipped elsewhere (CI, this CPU
/// machine). Select them with <c>dotnet test --filter Category=GPU</c> or the kit's <c>-trait Category=GPU</c>
/// (scripts/host-kit.sh). Tests of what happens without a GPU are <see cref="NoCudaFactAttribute"/>.
/// </summary>
public static class Gpu
{
    public const string Category = "GPU";

    /// <summary>Why a CUDA test is skipped here, or null when a device is available.</summary>
    public static string? SkipReason =>
        Torch.Cuda.IsAvailable ? null
        : Torch.BuiltWithCuda ? "needs a CUDA device: the native library has CUDA, but no device is visible"
        : "needs a CUDA device: the native library is built without CUDA (CPU libtorch)";
}

/// <summary>A fact that needs a CUDA device; skipped, with the reason, where there is none.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute() => Skip = Gpu.SkipReason;
}

/// <summary>A theory that needs a CUDA device; skipped, with the reason, where there is none.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute() => Skip = Gpu.SkipReason;
}

/// <summary>A fact about running without a GPU (the clear error, the CPU fallback); skipped where a CUDA device is.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (Torch.Cuda.IsAvailable) Skip = "checks behaviour without a CUDA device, and this machine has one";
    }
}

/// <summary>Whether the .NET SDK is here (dotnet --list-sdks names one). A host that runs the suite from
/// scripts/host-kit.sh has only the runtime, so tests that build a project skip there.</summary>
public static class DotnetSdk
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--list-sdks")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var sdks = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 && sdks.Trim().Length > 0 ? null : "needs the .NET SDK to build a project; this host has only the runtime";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "needs the .NET SDK to build a project; dotnet is not on PATH";
        }
    });

    /// <summary>Why an SDK test is skipped here, or null when the SDK is present.</summary>
    public static string? SkipReason => Missing.Value;
}

/// <summary>A fact that builds a project with the .NET SDK; skipped where only the runtime is.</summary>
public sealed class SdkFactAttribute : FactAttribute
{
    public SdkFactAttribute() => Skip = DotnetSdk.SkipReason;
}

/// <summary>A theory that builds a project with the .NET SDK; skipped where only the runtime is.</summary>
public sealed class SdkTheoryAttribute : TheoryAttribute
{
    public SdkTheoryAttribute() => Skip = DotnetSdk.SkipReason;
}
