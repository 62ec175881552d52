using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MLRoadmap.Cli.Runs;
using MLRoadmap.Data;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>`mlroadmap predict CHECKPOINT INPUT...`: the recipe's predictions for input files (what a recipe reads is
/// in its README; fashion-mlp takes IDX image files, with FILE:I-J selections, and CSV rows of pixels).</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("checkpoint") { Description = "A checkpoint directory, or a run directory (its best checkpoint)." };
        var inputs = new Argument<string[]>("inputs") { Description = "Input files (the recipe says which kinds).", Arity = ArgumentArity.OneOrMore };
        var topK = new Option<int>("--top-k") { Description = "How many classes to show per input.", DefaultValueFactory = _ => 3, HelpName = "k" };
        var device = Cli.Device();
        var json = new Option<bool>("--json") { Description = "One JSON object per input." };
        var command = new Command("predict", "Predict with a trained checkpoint.") { target, inputs, topK, device, json };
        command.SetAction(parse => Cli.Guard(parse, () =>
        {
            List<ConfigEntry> overrides = parse.GetValue(device) is { } d ? [new ConfigEntry("trainer.device", d, "--device")] : [];
            var k = parse.GetValue(topK);
            if (k < 1) throw new UsageException($"--top-k must be at least 1, not {k}");
            return Run(parse.GetValue(target)!, parse.GetValue(inputs)!, k, overrides, parse.GetValue(json));
        }));
        return command;
    }

    private static int Run(string path, string[] files, int topK, List<ConfigEntry> overrides, bool json)
    {
        var model = TrainedModel.Resolve(path, Cli.Recipes(), overrides);
        var recipe = model.Recipe;
        var trainer = new Trainer(RunSetup.TrainerOptions(model.Config, runDirectory: null));
        Cli.CheckDevice(trainer, model.Config);
        using var module = recipe.CreateModule(model.Config);
        using var inputs = recipe.ReadInputs(model.Config, files);
        using var loader = new DataLoader(inputs.Rows, new DataLoaderOptions { BatchSize = BatchSize(model.Config), Workers = 0 });
        using var outputs = trainer.Predict(module, loader, model.Checkpoint.Path);
        var predictions = recipe.Decode(model.Config, inputs, outputs, topK);
        var inv = CultureInfo.InvariantCulture;
        var width = predictions.Select(p => p.Input.Length).DefaultIfEmpty(0).Max();
        var labelWidth = predictions.Select(p => p.Label.Length).DefaultIfEmpty(0).Max();
        foreach (var p in predictions)
        {
            if (json)
            {
                var top = new JsonArray();
                foreach (var (label, score) in p.Top) top.Add(new JsonObject { ["label"] = label, ["score"] = score });
                Console.Out.WriteLine(new JsonObject { ["input"] = p.Input, ["label"] = p.Label, ["score"] = p.Score, ["top"] = top }.ToJsonString());
                continue;
            }
            var sb = new StringBuilder();
            sb.Append(inv, $"{p.Input.PadRight(width)}  {p.Label.PadRight(labelWidth)}  {p.Score:F4}");
            if (p.Top.Count > 1) sb.Append("   (").AppendJoin(", ", p.Top.Skip(1).Select(t => string.Create(inv, $"{t.Label} {t.Score:F4}"))).Append(')');
            Console.Out.WriteLine(sb.ToString());
        }
        return ExitCodes.Ok;
    }

    // The data.batch_size key, when the recipe's config has one (every RunConfig<TData, TModel> does).
    private static int BatchSize(RunConfig config) =>
        ConfigSchema.For(config.GetType()).TryGetKey("data.batch_size", out var key) && key.Get(config) is int b ? b : 256;
}
