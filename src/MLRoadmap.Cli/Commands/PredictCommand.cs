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
/// in its README; fashion-mlp takes IDX image files, with FILE:I-J selections, and CSV rows of pixels).
/// `mlroadmap predict CHECKPOINT --samples N [--out DIR] [--seed S]`: N new examples from a generative recipe
/// (<see cref="IGenerativeRecipe"/>), written as files. `mlroadmap predict CHECKPOINT "PROMPT"... [--max-tokens N]
/// [--temperature T] [--top-k K] [--seed S]`: a language model's continuation of each prompt (<see cref="LanguageModelPredict"/>).</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("checkpoint") { Description = "A checkpoint directory, or a run directory (its best checkpoint)." };
        var inputs = new Argument<string[]>("inputs") { Description = "Input files (the recipe says which kinds); none with --samples.", Arity = ArgumentArity.ZeroOrMore };
        var topK = new Option<int?>("--top-k") { Description = "Classifiers: how many classes to show per input (default 3). Language models: draw each token from the k most likely only (default: from all).", HelpName = "k" };
        var samples = new Option<int?>("--samples") { Description = "Generative recipes: draw this many new examples instead of reading inputs.", HelpName = "n" };
        var output = new Option<string?>("--out") { Description = "With --samples: the directory to write them to (default samples/RECIPE-yyyyMMdd-HHmmss).", HelpName = "dir" };
        var seed = new Option<ulong>("--seed") { Description = "With --samples: the seed of the latent codes; with a language model: of the draws (the same seed, the same output).", HelpName = "n" };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Language models: how many tokens to generate after the prompt (default 200).", HelpName = "n" };
        var temperature = new Option<double?>("--temperature") { Description = "Language models: divides the logits before sampling; below 1 is more conservative, 0 always takes the most likely token (default 0.8).", HelpName = "t" };
        var device = Cli.Device();
        var json = new Option<bool>("--json") { Description = "One JSON object per input (with --samples: one object naming the files)." };
        var command = new Command("predict", "Predict with a trained checkpoint, or sample from a generative one.") { target, inputs, topK, samples, output, seed, maxTokens, temperature, device, json };
        command.SetAction(parse => Cli.Guard(parse, () =>
        {
            List<ConfigEntry> overrides = parse.GetValue(device) is { } d ? [new ConfigEntry("trainer.device", d, "--device")] : [];
            var files = parse.GetValue(inputs) ?? [];
            if (parse.GetValue(samples) is { } n)
            {
                if (n < 1) throw new UsageException($"--samples must be at least 1, not {n}");
                if (files.Length > 0) throw new UsageException($"--samples draws new examples and reads no inputs; drop {string.Join(" ", files)}");
                return Sample(parse.GetValue(target)!, n, parse.GetValue(output), parse.GetValue(seed), overrides, parse.GetValue(json));
            }
            var model = TrainedModel.Resolve(parse.GetValue(target)!, Cli.Recipes(), overrides);
            var k = parse.GetValue(topK);
            if (k < 1) throw new UsageException($"--top-k must be at least 1, not {k}");
            if (model.Recipe is ILanguageModelRecipe lm)
            {
                if (parse.GetValue(output) is not null) throw new UsageException("--out goes with --samples N (sampling from a generative recipe)");
                return LanguageModelPredict.Run(model, lm, files, new LanguageModelPredict.Settings(parse.GetValue(maxTokens) ?? 200,
                    parse.GetValue(temperature) ?? 0.8, k, parse.GetValue(seed)), parse.GetValue(json));
            }
            if (parse.GetValue(maxTokens) is not null || parse.GetValue(temperature) is not null)
                throw new UsageException($"--max-tokens and --temperature are for language models; recipe {model.Recipe.Name} is not one");
            if (parse.GetValue(output) is not null || parse.GetResult(seed) is not null)
                throw new UsageException("--out and --seed go with --samples N (sampling from a generative recipe) or a language model's prompt");
            return Run(model, files, k ?? 3, parse.GetValue(json));
        }));
        return command;
    }

    private static int Run(TrainedModel model, string[] files, int topK, bool json)
    {
        var recipe = model.Recipe;
        if (recipe is IGenerativeRecipe)
            throw new UsageException($"recipe {recipe.Name} generates new examples rather than predicting from inputs: " +
                                     "sample with `mlroadmap predict RUN --samples N [--out DIR] [--seed S]`");
        if (files.Length == 0) throw new UsageException($"no inputs: give the files to predict (recipe {recipe.Name}'s README says which kinds)");
        var trainer = new Trainer(RunSetup.TrainerOptions(model.Config, runDirectory: null));
        Cli.CheckDevice(trainer, model.Config);
        using var module = recipe.CreateModule(model.Config);
        using var inputs = recipe.ReadInputs(model.Config, files);
        using var loader = new DataLoader(inputs.Rows, new DataLoaderOptions { BatchSize = BatchSize(model.Config), Workers = 0 });
        using var outputs = trainer.Predict(module, loader, model.Checkpoint.Path);
        if (recipe is IForecastRecipe forecaster)
        {
            ForecastOutput.Print(forecaster.DecodeForecasts(model.Config, inputs, outputs), json);
            return ExitCodes.Ok;
        }
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

    private static int Sample(string path, int count, string? directory, ulong seed, List<ConfigEntry> overrides, bool json)
    {
        var model = TrainedModel.Resolve(path, Cli.Recipes(), overrides);
        if (model.Recipe is not IGenerativeRecipe recipe)
            throw new UsageException($"recipe {model.Recipe.Name} is not generative: --samples is for recipes that make new examples " +
                                     $"(a GAN, a VAE); predict with `mlroadmap predict {path} INPUT...`");
        directory ??= Path.Combine("samples", $"{recipe.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new UsageException($"{directory} is not empty; choose another --out");
        var trainer = new Trainer(RunSetup.TrainerOptions(model.Config, runDirectory: null));
        Cli.CheckDevice(trainer, model.Config);
        using var module = recipe.CreateModule(model.Config);
        Trainer.SeedEverything(seed);   // the latent codes, and any sampling noise in PredictStep
        using var inputs = recipe.SampleInputs(model.Config, count);
        using var loader = new DataLoader(inputs.Rows, new DataLoaderOptions { BatchSize = BatchSize(model.Config), Workers = 0 });
        using var outputs = trainer.Predict(module, loader, model.Checkpoint.Path);
        Directory.CreateDirectory(directory);
        var written = recipe.WriteSamples(model.Config, outputs, directory);
        if (json)
        {
            var files = new JsonArray();
            foreach (var f in written.Samples) files.Add(f);
            Console.Out.WriteLine(new JsonObject
            {
                ["recipe"] = recipe.Name, ["checkpoint"] = model.Checkpoint.Path, ["seed"] = seed, ["samples"] = files, ["grid"] = written.Grid,
            }.ToJsonString());
            return ExitCodes.Ok;
        }
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{recipe.Name}: {written.Samples.Count} samples from {model.Checkpoint.Path} (seed {seed}) in {directory}"));
        if (written.Grid is not null) Console.Out.WriteLine($"grid: {written.Grid}");
        return ExitCodes.Ok;
    }

    // The data.batch_size key, when the recipe's config has one (every RunConfig<TData, TModel> does).
    private static int BatchSize(RunConfig config) =>
        ConfigSchema.For(config.GetType()).TryGetKey("data.batch_size", out var key) && key.Get(config) is int b ? b : 256;
}
