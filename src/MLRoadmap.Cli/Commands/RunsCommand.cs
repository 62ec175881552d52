using System.CommandLine;
using System.Globalization;
using MLRoadmap.Cli.Runs;

namespace MLRoadmap.Cli.Commands;

/// <summary>`mlroadmap runs [--root DIR]`: a table of the runs under DIR (default runs/): recipe, status, epochs,
/// steps, the best monitored value, the last checkpoint.</summary>
internal static class RunsCommand
{
    private static readonly string[] Header = ["run", "recipe", "status", "epochs", "steps", "best", "last checkpoint"];

    public static Command Create()
    {
        var root = new Option<string>("--root") { Description = "The directory holding run directories.", DefaultValueFactory = _ => "runs", HelpName = "dir" };
        var command = new Command("runs", "List past runs with their best metrics.") { root };
        command.SetAction(parse => Cli.Guard(parse, () => Run(parse.GetValue(root)!)));
        return command;
    }

    private static int Run(string root)
    {
        if (!Directory.Exists(root))
        {
            Console.Out.WriteLine($"no runs: {root} does not exist");
            return ExitCodes.Ok;
        }
        var registry = Cli.Recipes();
        var runs = Directory.EnumerateDirectories(root).Where(RunFiles.IsRun).Order(StringComparer.Ordinal)
            .Select(d => RunSummary.Read(d, registry)).ToList();
        if (runs.Count == 0)
        {
            Console.Out.WriteLine($"no runs in {root}");
            return ExitCodes.Ok;
        }
        var inv = CultureInfo.InvariantCulture;
        var table = new List<string[]> { Header };
        table.AddRange(runs.Select(r => new[] { r.Name, r.Recipe, r.Status, r.Epochs.ToString(inv), r.Steps.ToString(inv), r.Best, r.LastCheckpoint }));
        var widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(row => row[c].Length)).ToArray();
        foreach (var row in table)
            Console.Out.WriteLine(string.Join("  ", row.Select((cell, c) => c is 3 or 4 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        return ExitCodes.Ok;
    }
}
