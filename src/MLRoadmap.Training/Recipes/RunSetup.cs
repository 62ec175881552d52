using MLRoadmap.Training.Callbacks;

namespace MLRoadmap.Training.Recipes;

/// <summary>
/// Turns a recipe and its bound configuration into a <see cref="Trainer"/>: the trainer options from the
/// <c>seed</c> and <c>trainer.*</c> keys, checkpoints from <c>checkpoint.*</c> ranked by the recipe's monitored value,
/// early stopping from <c>early_stopping.*</c>, the recipe's own callbacks, and the effective configuration stored in
/// every checkpoint and in the run's config.json.
/// </summary>
public static class RunSetup
{
    /// <summary>The trainer options a configuration asks for; <paramref name="runDirectory"/> null keeps the run in memory.</summary>
    public static TrainerOptions TrainerOptions(RunConfig config, string? runDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        var t = config.Trainer;
        return new TrainerOptions
        {
            MaxEpochs = t.MaxEpochs,
            MaxSteps = t.MaxSteps ?? -1,
            Device = ParseDevice(t.Device),
            Precision = ParsePrecision(t.Precision),
            AccumulateGradBatches = t.AccumulateGradBatches,
            GradientClipValue = t.GradientClipVal,
            GradientClipAlgorithm = t.GradientClipAlgorithm == "value" ? GradientClipAlgorithm.Value : GradientClipAlgorithm.Norm,
            Seed = config.Seed,
            Deterministic = t.Deterministic,
            Tf32 = t.Tf32,
            CudnnBenchmark = t.CudnnBenchmark,
            ChannelsLast = t.ChannelsLast,
            RunDirectory = runDirectory,
            LogEveryNSteps = t.LogEveryNSteps,
            CheckValEveryNEpochs = t.CheckValEveryNEpochs,
            LimitTrainBatches = t.LimitTrainBatches,
            LimitValBatches = t.LimitValBatches,
        };
    }

    /// <summary>The standard callbacks (checkpoints when there is a run directory, early stopping when patience is
    /// set), then the recipe's.</summary>
    public static List<Callback> Callbacks(IRecipe recipe, RunConfig config, string? runDirectory)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(config);
        var list = new List<Callback>();
        if (runDirectory is not null)
        {
            var c = config.Checkpoint;
            list.Add(new ModelCheckpoint(Path.Combine(runDirectory, "checkpoints"), recipe.Monitor, recipe.MonitorMode,
                saveTopK: c.SaveTopK, everyNSteps: c.EveryNSteps, everyNEpochs: c.EveryNEpochs));
        }
        if (config.EarlyStopping.Patience is > 0 and var patience)
            list.Add(new EarlyStopping(recipe.Monitor, recipe.MonitorMode, patience, config.EarlyStopping.MinDelta));
        list.AddRange(recipe.CreateCallbacks(config));
        return list;
    }

    /// <summary>A trainer for the run, with <see cref="Trainer.Config"/> set to the effective configuration.
    /// <paramref name="extra"/> callbacks (a progress display) come after all others.</summary>
    public static Trainer CreateTrainer(IRecipe recipe, RunConfig config, string? runDirectory, IEnumerable<Callback>? extra = null)
    {
        var callbacks = Callbacks(recipe, config, runDirectory);
        callbacks.AddRange(extra ?? []);
        var json = ConfigBinder.ToJson(config, recipe.Name);
        if (RecipeProject.ProjectOf(recipe) is { } project) json[RecipeProject.ProjectKey] = project;
        return new Trainer(TrainerOptions(config, runDirectory), callbacks) { Config = json };
    }

    /// <summary>"auto" is null (the trainer picks CUDA when there is one); "cpu", "cuda", "cuda:N" as they say.</summary>
    public static Device? ParseDevice(string text) => text == "auto" ? null : Device.Parse(text);

    /// <summary>"fp32", "bf16-mixed", "fp16-mixed" (Lightning's names).</summary>
    public static Precision ParsePrecision(string text) => text switch
    {
        "fp32" => Precision.Float32,
        "bf16-mixed" => Precision.BFloat16Mixed,
        "fp16-mixed" => Precision.Float16Mixed,
        _ => throw new ArgumentException($"unknown precision '{text}'; expected fp32, bf16-mixed or fp16-mixed", nameof(text)),
    };
}
