using System.Runtime.InteropServices;
using MLRoadmap.Training;

namespace MLRoadmap.Cli.Runs;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM during a fit: the first asks the trainer to stop at the next step boundary and write
/// a checkpoint (<see cref="Trainer.RequestStop"/> with interrupt), so <c>--resume</c> continues exactly there; a
/// second one is not intercepted, so the process dies at once without a checkpoint.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly Trainer _trainer;
    private readonly PosixSignalRegistration? _sigterm;
    private int _count;

    public Interrupts(Trainer trainer)
    {
        _trainer = trainer;
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows()) _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigterm);
    }

    /// <summary>Whether a stop was requested by a signal.</summary>
    public bool Requested => Volatile.Read(ref _count) > 0;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Request("Ctrl-C");

    private void OnSigterm(PosixSignalContext context) => context.Cancel = Request("SIGTERM");

    // Returns whether to keep the process alive (the first signal) or let the default action end it.
    private bool Request(string what)
    {
        if (Interlocked.Increment(ref _count) > 1)
        {
            Console.Error.WriteLine($"\n{what} again: aborting without a checkpoint");
            return false;
        }
        _trainer.RequestStop($"interrupted ({what})", interrupt: true);
        Console.Error.WriteLine($"\n{what}: stopping at the next step and writing a checkpoint (again to abort at once)");
        return true;
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
    }
}
