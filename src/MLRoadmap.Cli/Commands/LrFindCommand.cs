using System.CommandLine;
using System.Globalization;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>
/// `mlroadmap lr-find RECIPE [options]`: the learning-rate range test on the recipe's model and training data (the
/// recipe's configuration, like `train`). Prints the loss along the sweep and the suggested rate, to pass back as
/// `train --lr`. The sweep trains a throwaway copy of the start: nothing is saved.
/// </summary>
internal static class LrFindCommand
{
    public static Command Create()
    {
        var recipe = new Argument<string>("recipe") { Description = "The recipe whose model and data to sweep." };
        var device = Cli.Device();
        var config = new Option<string?>("--config") { Description = "A YAML or JSON file of config keys.", HelpName = "file" };
        var set = Cli.Set();
        var minLr = new Option<double>("--min-lr") { Description = "Where the sweep starts.", DefaultValueFactory = _ => 1e-7 };
        var maxLr = new Option<double>("--max-lr") { Description = "Where it ends.", DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps in the sweep.", DefaultValueFactory = _ => 100 };
        var command = new Command("lr-find", "Sweep the learning rate and suggest one (the range test).") { recipe, device, config, set, minLr, maxLr, steps };
        command.SetAction(parse => Cli.Guard(parse, () =>
        {
            var r = Cli.Recipe(Cli.Recipes(), parse.GetValue(recipe));
            var entries = new List<ConfigEntry>();
            if (parse.GetValue(config) is { } file) entries.AddRange(ConfigSources.FromFile(file));
            entries.AddRange((parse.GetValue(set) ?? []).Select(s => ConfigSources.FromAssignment(s)));
            if (parse.GetValue(device) is { } d) entries.Add(new ConfigEntry("trainer.device", d, "--device"));
            var cfg = ConfigBinder.Bind(r.CreateDefaultConfig(), entries, r.Name);
            var (lo, hi, n) = (parse.GetValue(minLr), parse.GetValue(maxLr), parse.GetValue(steps));
            if (!(lo > 0) || !(hi > lo)) throw new UsageException($"need 0 < --min-lr < --max-lr, not {lo} and {hi}");
            if (n < 5) throw new UsageException($"--steps must be at least 5, not {n}");

            Trainer.SeedEverything(cfg.Seed);
            using var module = r.CreateModule(cfg);
            using var data = r.LoadData(cfg, DataSplits.Train);
            if (data.Train is null) throw new InvalidOperationException($"recipe {r.Name} loaded no training data");
            var options = RunSetup.TrainerOptions(cfg, runDirectory: null);
            var result = LRFinder.Run(module, data.Train, options, lo, hi, n);
            Print(result, r.Name);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(LRFinderResult result, string recipe)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine("lr          loss (smoothed)");
        var count = result.LearningRates.Count;
        var every = Math.Max(1, count / 15);
        for (var i = 0; i < count; i += every)
            Console.Out.WriteLine(string.Create(inv, $"{result.LearningRates[i],-10:G3}  {result.SmoothedLosses[i]:F4}"));
        if (result.Diverged) Console.Out.WriteLine(string.Create(inv, $"the loss diverged at lr {result.LearningRates[^1]:G3}; the sweep stopped there"));
        Console.Out.WriteLine(result.Suggestion is { } s
            ? string.Create(inv, $"suggested lr: {s:G3} (steepest fall of the loss); train with: mlroadmap train {recipe} --lr {s:G3}")
            : "no suggestion: the sweep was too short or the loss never fell; widen --min-lr/--max-lr or add --steps");
    }
}
