using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace MLRoadmap.Tests.Cli;

/// <summary>Runs the built `mlroadmap` CLI (artifacts/bin/MLRoadmap.Cli/CONFIG/mlroadmap.dll, built before this test
/// project by its project reference) as a process, the way a user does.</summary>
public static class CliProcess
{
    /// <summary>The CLI of the same configuration (release/debug) as this test assembly: the folder of the assembly
    /// itself, which is not the process's base folder under xunit's console runner (scripts/host-kit.sh).</summary>
    public static string Dll { get; } = Path.Combine(Repo.Root, "artifacts", "bin", "MLRoadmap.Cli",
        new DirectoryInfo(Path.GetDirectoryName(typeof(CliProcess).Assembly.Location)!).Name, "mlroadmap.dll");

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;

        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>Runs `mlroadmap ARGS` in <paramref name="workingDirectory"/> to completion; <paramref name="environment"/>
    /// sets variables (a null value removes one).</summary>
    public static Result Run(string arguments, string workingDirectory, int timeoutMs = 120_000,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        Start(arguments, workingDirectory, environment).Finish(timeoutMs);

    /// <summary>Starts `mlroadmap ARGS`, collecting its output as it comes.</summary>
    public static Running Start(string arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        Assert.True(File.Exists(Dll), $"{Dll} is missing: build the solution first");
        var psi = new ProcessStartInfo("dotnet", $"\"{Dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }
        return new Running(Process.Start(psi)!);
    }

    public sealed class Running : IDisposable
    {
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();

        public Running(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
            process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        /// <summary>Sends a signal the way a terminal's Ctrl-C (INT) or a service manager (TERM) does, by the kill(2)
        /// call itself, without starting a kill(1) process. A test run started in the background by a non-interactive shell (`./test.sh &`) passes SIGINT on as ignored, which .NET honours, so
        /// the CLI never sees the interrupt there: run the suite in the foreground.</summary>
        public void Signal(string name)
        {
            var number = name switch { "INT" => 2, "TERM" => 15, "KILL" => 9, _ => throw new ArgumentException($"unknown signal {name}", nameof(name)) };
            Assert.True(PosixKill.Kill(Process.Id, number) == 0, $"kill({Process.Id}, SIG{name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        public Result Finish(int timeoutMs = 120_000)
        {
            if (!Process.WaitForExit(timeoutMs))
            {
                Process.Kill(entireProcessTree: true);
                throw new TimeoutException($"mlroadmap did not finish in {timeoutMs} ms; output so far:\n{_stdout}\n{_stderr}");
            }
            Process.WaitForExit();   // drains the asynchronous output readers
            lock (_stdout) lock (_stderr) return new Result(Process.ExitCode, _stdout.ToString(), _stderr.ToString());
        }

        private static void Append(StringBuilder sb, string? line)
        {
            if (line is null) return;
            lock (sb) sb.Append(line).Append('\n');
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}

internal static partial class PosixKill
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
