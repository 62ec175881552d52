using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Cli.Commands;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Runs;

/// <summary>One row of `mlroadmap runs`: a run directory read from its files (config.json, metrics.jsonl,
/// summary.md, checkpoints/), without loading any tensor.</summary>
internal sealed record RunSummary(string Name, string Recipe, string Status, int Epochs, long Steps, string Best, string LastCheckpoint)
{
    public static RunSummary Read(string run, RecipeRegistry registry)
    {
        var config = SafeConfig(run);
        var recipeName = config is null ? null : RunFiles.RecipeName(config);
        var rows = RunFiles.ReadMetrics(run);
        var epochs = rows.Count(r => (string?)r["kind"] == "epoch");
        var steps = rows.Select(r => r["step"] is JsonValue v && v.TryGetValue<long>(out var s) ? s : 0).DefaultIfEmpty(0).Max();
        var checkpoints = RunFiles.Checkpoints(run);
        if (checkpoints.Count > 0) steps = Math.Max(steps, checkpoints[^1].GlobalStep);
        var best = "-";
        if (recipeName is not null && registry.TryGet(recipeName, out var recipe) && BestValue(rows, recipe.Monitor, recipe.MonitorMode) is { } b)
            best = string.Create(CultureInfo.InvariantCulture, $"{recipe.Monitor} {b:F4}");
        return new RunSummary(Path.GetFileName(Path.GetFullPath(run)), recipeName ?? "?", ReadStatus(run), epochs, steps, best,
            checkpoints.Count > 0 ? checkpoints[^1].Name : "-");
    }

    private static JsonObject? SafeConfig(string run)
    {
        try
        {
            return RunFiles.ReadRunConfig(run);
        }
        catch (Exception e) when (e is UsageException or IOException)
        {
            return null;
        }
    }

    // RunLogger's summary.md says how the run ended ("- status: completed", "stopped: REASON", "failed: MESSAGE");
    // no summary yet means it is running, or was killed before it could write one.
    private static string ReadStatus(string run)
    {
        var file = Path.Combine(run, RunLogger.SummaryFile);
        if (!File.Exists(file)) return "running/killed";
        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith("- status: ", StringComparison.Ordinal));
        var status = line?["- status: ".Length..] ?? "?";
        if (status.StartsWith("stopped: interrupted", StringComparison.Ordinal)) return "interrupted";
        if (status.StartsWith("stopped: reached MaxSteps", StringComparison.Ordinal)) return "completed";
        if (status.StartsWith("stopped: early stopping", StringComparison.Ordinal)) return "early-stopped";
        if (status.StartsWith("failed", StringComparison.Ordinal)) return "failed";
        return status.Split(':')[0];
    }

    private static double? BestValue(List<JsonObject> rows, string monitor, MonitorMode mode)
    {
        double? best = null;
        foreach (var row in rows)
        {
            if ((string?)row["kind"] != "epoch" || row[monitor] is not JsonValue v || !v.TryGetValue<double>(out var d) || double.IsNaN(d)) continue;
            if (best is null || (mode == MonitorMode.Max ? d > best : d < best)) best = d;
        }
        return best;
    }
}
