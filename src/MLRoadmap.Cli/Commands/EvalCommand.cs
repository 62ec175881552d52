using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Cli.Runs;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>`mlroadmap eval RUN|CHECKPOINT [--split test|val]`: rebuilds the recipe from the run's configuration,
/// loads the run's best checkpoint (or the one given) and prints the metrics of the split.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("run-or-checkpoint") { Description = "A run directory (its best checkpoint is used) or a checkpoint directory." };
        var split = new Option<string>("--split") { Description = "test or val.", DefaultValueFactory = _ => "test", HelpName = "split" };
        split.AcceptOnlyFromAmong("test", "val");
        var device = Cli.Device();
        var set = Cli.Set();
        var json = new Option<bool>("--json") { Description = "Print the metrics as one JSON object." };
        var command = new Command("eval", "Evaluate a trained run or checkpoint on its test (or validation) data.") { target, split, device, set, json };
        command.SetAction(parse => Cli.Guard(parse, () =>
        {
            var overrides = (parse.GetValue(set) ?? []).Select(s => ConfigSources.FromAssignment(s)).ToList();
            if (parse.GetValue(device) is { } d) overrides.Add(new ConfigEntry("trainer.device", d, "--device"));
            return Run(parse.GetValue(target)!, parse.GetValue(split) == "val", overrides, parse.GetValue(json));
        }));
        return command;
    }

    private static int Run(string path, bool validation, List<ConfigEntry> overrides, bool json)
    {
        var model = TrainedModel.Resolve(path, Cli.Recipes(), overrides);
        var recipe = model.Recipe;
        var trainer = new Trainer(RunSetup.TrainerOptions(model.Config, runDirectory: null));
        Cli.CheckDevice(trainer, model.Config);
        using var module = recipe.CreateModule(model.Config);
        using var data = recipe.LoadData(model.Config, validation ? DataSplits.Val : DataSplits.Test);
        var loader = (validation ? data.Val : data.Test)
                     ?? throw new UsageException($"recipe {recipe.Name} has no {(validation ? "validation" : "test")} data");
        var metrics = validation
            ? trainer.Validate(module, loader, model.Checkpoint.Path)
            : trainer.Test(module, loader, model.Checkpoint.Path);
        var inv = CultureInfo.InvariantCulture;
        if (json)
        {
            var o = new JsonObject
            {
                ["recipe"] = recipe.Name,
                ["checkpoint"] = model.Checkpoint.Path,
                ["epoch"] = model.Checkpoint.Epoch,
                ["global_step"] = model.Checkpoint.GlobalStep,
                ["split"] = validation ? "val" : "test",
            };
            foreach (var (k, v) in metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal)) o[k] = v;
            Console.Out.WriteLine(o.ToJsonString());
            return ExitCodes.Ok;
        }
        // Epochs count from 1 in text, as in training's progress lines (checkpoint names and JSON count from 0).
        Console.Out.WriteLine(string.Create(inv, $"{recipe.Name}: {model.Checkpoint.Path} (epoch {model.Checkpoint.Epoch + 1}, step {model.Checkpoint.GlobalStep}) " +
                                                 $"on {(validation ? "validation" : "test")} data, {trainer.Device}"));
        var width = metrics.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max();
        foreach (var (k, v) in metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.Out.WriteLine(string.Create(inv, $"  {k.PadRight(width)}  {v:F4}"));
        return ExitCodes.Ok;
    }
}
