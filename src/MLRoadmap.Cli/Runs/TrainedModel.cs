using System.Text.Json.Nodes;
using MLRoadmap.Cli.Commands;
using MLRoadmap.Training.Checkpoints;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Runs;

/// <summary>A trained model to evaluate or predict with: the recipe, bound to the checkpoint's artifacts (its
/// tokenizer, its classes: <see cref="IRecipe.ForCheckpoint"/>), the configuration it was trained with (plus any
/// overrides) and the checkpoint holding its weights.</summary>
internal sealed record TrainedModel(IRecipe Recipe, RunConfig Config, CheckpointInfo Checkpoint)
{
    /// <summary>Resolves a run directory (its best checkpoint by the recipe's monitored value, else its newest) or a
    /// checkpoint directory. The configuration comes from the run's config.json, or the checkpoint's own.</summary>
    public static TrainedModel Resolve(string path, RecipeRegistry registry, IEnumerable<ConfigEntry> overrides)
    {
        if (!Directory.Exists(path)) throw new UsageException($"{path} does not exist (expected a run directory or a checkpoint)");
        JsonObject? saved;
        string source;
        string? checkpoint = null;
        if (RunFiles.IsCheckpoint(path))
        {
            checkpoint = path;
            saved = RunFiles.ReadCheckpointConfig(path);
            source = Path.Combine(path, CheckpointStore.TrainerStateFile);
            if (saved is null && RunFiles.RunOf(path) is { } run && RunFiles.ReadRunConfig(run) is { } runConfig)
            {
                saved = runConfig;
                source = Path.Combine(run, "config.json");
            }
        }
        else if (RunFiles.IsRun(path))
        {
            saved = RunFiles.ReadRunConfig(path);
            source = Path.Combine(path, "config.json");
        }
        else
        {
            throw new UsageException($"{path} is neither a run directory (config.json, checkpoints/) nor a checkpoint (manifest.json)");
        }
        if (saved is null) throw new UsageException($"{path} holds no configuration (no config.json, and no checkpoint with one)");
        var recipe = Commands.Cli.Recipe(registry, RunFiles.RecipeName(saved), RunFiles.RecipeProjectPath(saved));
        var config = ConfigBinder.Bind(recipe.CreateDefaultConfig(), [.. ConfigSources.FromJson(saved, source), .. overrides], recipe.Name);
        CheckpointInfo info;
        if (checkpoint is not null)
        {
            info = CheckpointStore.ReadInfo(checkpoint);
        }
        else
        {
            info = RunFiles.Best(path, recipe.MonitorMode)
                   ?? throw new UsageException($"run {path} has no checkpoint yet (it was stopped before its first one)");
        }
        return new TrainedModel(recipe.ForCheckpoint(CheckpointStore.ReadArtifacts(info.Path)), config, info);
    }
}
