using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MLRoadmap.Cli.Progress;
using MLRoadmap.Cli.Runs;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>
/// `mlroadmap train RECIPE [options]`: trains a recipe into a run directory. The configuration is the recipe's
/// defaults, then --config FILE, then each --set key=value, then the dedicated flags (--epochs, --batch-size, --lr,
/// --seed, --device, --weights); it is checked completely before anything loads. --resume RUN continues a run exactly where
/// its newest checkpoint was taken, with the run's own configuration (flags and --set may still change keys, e.g.
/// trainer.max_epochs to train longer). Ctrl-C writes a checkpoint and exits with 130.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var recipe = new Argument<string>("recipe") { Description = "The recipe to train (see `mlroadmap recipes`)." };
        var device = Cli.Device();
        var epochs = new Option<string?>("--epochs") { Description = "Epochs to train (trainer.max_epochs).", HelpName = "n" };
        var batchSize = new Option<string?>("--batch-size") { Description = "Examples per batch (data.batch_size).", HelpName = "n" };
        var lr = new Option<string?>("--lr") { Description = "Learning rate (optim.lr).", HelpName = "rate" };
        var seed = new Option<string?>("--seed") { Description = "Seed of the weights, dropout and shuffling (seed).", HelpName = "n" };
        var config = new Option<string?>("--config") { Description = "A YAML or JSON file of config keys.", HelpName = "file" };
        var set = Cli.Set();
        var runDir = new Option<string?>("--run-dir") { Description = "Where the run goes (default runs/RECIPE-yyyyMMdd-HHmmss).", HelpName = "dir" };
        var resume = new Option<string?>("--resume") { Description = "Continue this run directory (or checkpoint) from its newest checkpoint.", HelpName = "run" };
        var weights = new Option<string?>("--weights")
        {
            Description = "Pretrained weights to start from, a .pth or .safetensors state dict (model.weights; recipes that fine-tune).",
            HelpName = "file",
        };
        var command = new Command("train", "Train a recipe.") { recipe, device, epochs, batchSize, lr, seed, weights, config, set, runDir, resume };
        command.SetAction(parse => Cli.Guard(parse, () =>
        {
            var flags = new List<ConfigEntry>();
            void Flag(Option<string?> option, string key)
            {
                if (parse.GetValue(option) is { } v) flags.Add(new ConfigEntry(key, v, option.Name));
            }
            Flag(epochs, "trainer.max_epochs");
            Flag(batchSize, "data.batch_size");
            Flag(lr, "optim.lr");
            Flag(seed, "seed");
            Flag(device, "trainer.device");
            // An absolute path, so the run's config.json names the file whatever directory it is read from.
            if (parse.GetValue(weights) is { } w) flags.Add(new ConfigEntry(WeightsKey, w == "none" ? w : Path.GetFullPath(w), weights.Name));
            return Run(parse.GetValue(recipe)!, parse.GetValue(config), parse.GetValue(set) ?? [], flags,
                parse.GetValue(runDir), parse.GetValue(resume));
        }));
        return command;
    }

    private static int Run(string recipeName, string? configFile, string[] sets, List<ConfigEntry> flags, string? runDir, string? resume)
    {
        var recipe = Cli.Recipe(Cli.Recipes(), recipeName);
        if (flags.Any(f => f.Key == WeightsKey) && !ConfigSchema.For(recipe.ConfigType).TryGetKey(WeightsKey, out _))
            throw new UsageException($"recipe {recipe.Name} takes no pretrained weights (it has no {WeightsKey} key); " +
                                     "--weights is for recipes that fine-tune, such as transfer-resnet");
        var entries = new List<ConfigEntry>();
        string? resumeFrom = null;
        if (resume is not null)
        {
            (runDir, resumeFrom) = ResumeTarget(resume, runDir);
            var saved = RunFiles.ReadRunConfig(runDir) ?? throw new UsageException($"{runDir} has no config.json and no checkpoint to resume");
            if (RunFiles.RecipeName(saved) is { } savedRecipe && savedRecipe != recipe.Name)
                throw new UsageException($"{runDir} is a run of recipe '{savedRecipe}', not '{recipe.Name}'");
            entries.AddRange(ConfigSources.FromJson(saved, Path.Combine(runDir, "config.json")));
        }
        if (configFile is not null) entries.AddRange(ConfigSources.FromFile(configFile));
        entries.AddRange(sets.Select(s => ConfigSources.FromAssignment(s)));
        entries.AddRange(flags);
        var config = ConfigBinder.Bind(recipe.CreateDefaultConfig(), entries, recipe.Name);

        if (resume is null)
        {
            runDir ??= DefaultRunDirectory(recipe.Name);
            if (Directory.Exists(runDir) && Directory.EnumerateFileSystemEntries(runDir).Any())
                throw new UsageException($"{runDir} already holds a run; continue it with --resume {runDir}, or choose another --run-dir");
        }
        Debug.Assert(runDir is not null);

        var progress = new ProgressDisplay(Console.Out, recipe.Monitor, interactive: !Console.IsOutputRedirected);
        var trainer = RunSetup.CreateTrainer(recipe, config, runDir, [progress]);
        Cli.CheckDevice(trainer, config);

        Trainer.SeedEverything(config.Seed);   // the initial weights come from the seed (a resume overwrites them)
        using var module = recipe.CreateModule(config);
        using var data = recipe.LoadData(config, DataSplits.Fit);
        if (data.Train is null) throw new InvalidOperationException($"recipe {recipe.Name} loaded no training data");
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(inv, $"{recipe.Name}: {(resumeFrom is null ? "new run" : "resuming")} {runDir} on {trainer.Device}, " +
                                                 $"{config.Trainer.Precision}, {data.Train.Length} batches of {data.Train.Options.BatchSize} per epoch, " +
                                                 $"{config.Trainer.MaxEpochs} epochs"));

        var clock = Stopwatch.StartNew();
        FitResult result;
        using (new Interrupts(trainer)) result = trainer.Fit(module, data.Train, data.Val, resumeFrom);
        Report(recipe, trainer, result, runDir, clock.Elapsed);
        return result.Status == FitStatus.Interrupted ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    /// <summary>The key --weights sets.</summary>
    private const string WeightsKey = "model.weights";

    // --resume RUN or --resume RUN/checkpoints/NAME: the run directory, and what Fit resumes from.
    private static (string RunDir, string ResumeFrom) ResumeTarget(string resume, string? runDir)
    {
        if (!Directory.Exists(resume)) throw new UsageException($"nothing to resume: {resume} does not exist");
        var run = RunFiles.IsCheckpoint(resume)
            ? RunFiles.RunOf(resume) ?? throw new UsageException($"checkpoint {resume} is not inside a run's checkpoints/ directory")
            : resume;
        if (!RunFiles.IsRun(run)) throw new UsageException($"{resume} is not a run directory (no config.json, no checkpoints/)");
        if (runDir is not null && Path.GetFullPath(runDir) != Path.GetFullPath(run))
            throw new UsageException($"--run-dir {runDir} and --resume {resume} name different runs; a resumed run stays in its directory");
        return (run, resume);
    }

    private static string DefaultRunDirectory(string recipe)
    {
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var dir = Path.Combine("runs", $"{recipe}-{stamp}");
        for (var i = 2; Directory.Exists(dir); i++) dir = Path.Combine("runs", $"{recipe}-{stamp}-{i}");
        return dir;
    }

    private static void Report(IRecipe recipe, Trainer trainer, FitResult result, string runDir, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var what = result.Status switch
        {
            FitStatus.Interrupted => "interrupted",
            FitStatus.Stopped => $"stopped ({result.StopReason})",
            _ => "completed",
        };
        // Epochs count from 1 here, as in the progress lines.
        var where = trainer.BatchInEpoch == 0
            ? $"after epoch {result.Epoch}/{trainer.Options.MaxEpochs}"
            : $"in epoch {result.Epoch + 1}/{trainer.Options.MaxEpochs} (batch {trainer.BatchInEpoch}/{trainer.TrainBatches})";
        Console.Out.WriteLine(string.Create(inv, $"{what} {where}, step {result.GlobalStep}, this session {ProgressDisplay.Duration(elapsed)}"));
        if (result.BestCheckpoint is { } best)
            Console.Out.WriteLine(string.Create(inv, $"best checkpoint: {best.Path}{(best.Score is { } s ? $" ({recipe.Monitor} {s:F4})" : "")}"));
        if (result.LastCheckpoint is { } last) Console.Out.WriteLine($"last checkpoint: {last.Path}");
        Console.Out.WriteLine(result.Status == FitStatus.Interrupted
            ? $"resume with: mlroadmap train {recipe.Name} --resume {runDir}"
            : $"run directory: {runDir} (evaluate with: mlroadmap eval {runDir})");
    }
}
