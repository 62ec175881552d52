namespace MLRoadmap.Tests;

/// <summary>Locations in the checkout the tests read (native sources, fixtures, the built library).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string NativeSources => Path.Combine(Root, "src", "Native");

    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLRoadmap.sln"))) return dir.FullName;
        throw new InvalidOperationException("tests must run inside the MLRoadmap checkout");
    }

    /// <summary>Runs a process and returns its exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string file, string arguments, string? workingDirectory = null,
        int timeoutMs = 600_000)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Root,
        };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in {timeoutMs} ms");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
