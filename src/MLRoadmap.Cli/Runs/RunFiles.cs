using System.Text.Json;
using System.Text.Json.Nodes;
using MLRoadmap.Cli.Commands;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Checkpoints;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Runs;

/// <summary>Reading run directories and checkpoints (the layout is in src/MLRoadmap.Training/README.md): which is
/// which, their configuration, and which checkpoint to use.</summary>
internal static class RunFiles
{
    public const string CheckpointsDirectory = "checkpoints";

    public static bool IsCheckpoint(string directory) => File.Exists(Path.Combine(directory, CheckpointStore.ManifestFile));

    public static bool IsRun(string directory) =>
        File.Exists(Path.Combine(directory, RunLogger.ConfigFile)) || Directory.Exists(Path.Combine(directory, CheckpointsDirectory));

    /// <summary>The run a checkpoint belongs to (RUN/checkpoints/NAME), or null.</summary>
    public static string? RunOf(string checkpoint)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(checkpoint));
        return parent is not null && Path.GetFileName(parent) == CheckpointsDirectory ? Path.GetDirectoryName(parent) : null;
    }

    /// <summary>The checkpoints of a run that have a readable manifest, oldest first.</summary>
    public static IReadOnlyList<CheckpointInfo> Checkpoints(string run) => CheckpointStore.List(Path.Combine(run, CheckpointsDirectory));

    /// <summary>A run's effective configuration: its config.json, else the newest checkpoint's; null if neither.</summary>
    public static JsonObject? ReadRunConfig(string run)
    {
        var file = Path.Combine(run, RunLogger.ConfigFile);
        if (File.Exists(file)) return ReadObject(file);
        var all = Checkpoints(run);
        return all.Count == 0 ? null : ReadCheckpointConfig(all[^1].Path);
    }

    /// <summary>The configuration a checkpoint was trained with (the <c>config</c> key of its trainer state).</summary>
    public static JsonObject? ReadCheckpointConfig(string checkpoint) =>
        ReadObject(Path.Combine(checkpoint, CheckpointStore.TrainerStateFile))["config"] as JsonObject;

    /// <summary>The recipe a configuration names.</summary>
    public static string? RecipeName(JsonObject config) =>
        config[ConfigBinder.RecipeKey] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The project an out-of-tree recipe was built from, when the run recorded one.</summary>
    public static string? RecipeProjectPath(JsonObject config) =>
        config[RecipeProject.ProjectKey] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The best checkpoint of a run by its monitored score (the newest among equals), or the newest when
    /// none has a score.</summary>
    public static CheckpointInfo? Best(string run, MonitorMode mode)
    {
        var all = Checkpoints(run);
        var scored = all.Where(c => c.Score is not null).ToList();
        if (scored.Count == 0) return all.Count == 0 ? null : all[^1];
        return mode == MonitorMode.Max
            ? scored.OrderByDescending(c => c.Score).ThenByDescending(c => c.GlobalStep).First()
            : scored.OrderBy(c => c.Score).ThenByDescending(c => c.GlobalStep).First();
    }

    public static JsonObject ReadObject(string file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new UsageException($"{file} does not hold a JSON object");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{file} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The rows of a run's metrics.jsonl (empty when it has none).</summary>
    public static List<JsonObject> ReadMetrics(string run)
    {
        var file = Path.Combine(run, RunLogger.JsonlFile);
        var rows = new List<JsonObject>();
        if (!File.Exists(file)) return rows;
        foreach (var line in File.ReadLines(file))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonNode.Parse(line) is JsonObject o) rows.Add(o);
            }
            catch (JsonException)
            {
                // A line cut short by a crash: the rows before it still count.
            }
        }
        return rows;
    }
}
