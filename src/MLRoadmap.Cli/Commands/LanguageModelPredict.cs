using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Cli.Runs;
using MLRoadmap.Training;
using MLRoadmap.Training.Checkpoints;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>`mlroadmap predict RUN "PROMPT"...` for a language model (<see cref="ILanguageModelRecipe"/>): each
/// prompt continued by the checkpoint, printed as the prompt followed by its continuation (with --json, one object
/// per prompt). An empty prompt starts a new item of the corpus (a fortune) from nothing.</summary>
internal static class LanguageModelPredict
{
    /// <summary>--max-tokens, --temperature, --top-k (null: every token) and --seed.</summary>
    public sealed record Settings(int MaxTokens, double Temperature, int? TopK, ulong Seed);

    public static int Run(TrainedModel model, ILanguageModelRecipe recipe, string[] prompts, Settings settings, bool json)
    {
        if (prompts.Length == 0)
            throw new UsageException($"no prompt: give the text to continue, e.g. `mlroadmap predict RUN \"The computer\" --max-tokens 200` " +
                                     $"(recipe {recipe.Name} is a language model; \"\" starts from nothing)");
        if (settings.MaxTokens < 0) throw new UsageException($"--max-tokens must be at least 0, not {settings.MaxTokens}");
        if (settings.Temperature < 0 || !double.IsFinite(settings.Temperature))
            throw new UsageException($"--temperature must be a number ≥ 0 (0: always the most likely token), not {settings.Temperature}");
        var trainer = new Trainer(RunSetup.TrainerOptions(model.Config, runDirectory: null));
        Cli.CheckDevice(trainer, model.Config);
        using var module = recipe.CreateModule(model.Config);
        using (var checkpoint = CheckpointStore.Load(model.Checkpoint.Path))
            module.LoadStateDict(checkpoint.Model.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        module.To(trainer.Device);
        module.Eval();
        using var noGrad = Torch.NoGrad();
        foreach (var prompt in prompts)
        {
            Generation g;
            try
            {
                g = recipe.Generate(model.Config, module, prompt, settings.MaxTokens, settings.Temperature, settings.TopK, settings.Seed);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);   // a prompt or a setting the model cannot take
            }
            if (json)
            {
                Console.Out.WriteLine(new JsonObject
                {
                    ["recipe"] = recipe.Name, ["checkpoint"] = model.Checkpoint.Path, ["prompt"] = g.Prompt,
                    ["continuation"] = g.Continuation, ["tokens"] = g.Tokens, ["max_tokens"] = settings.MaxTokens,
                    ["temperature"] = settings.Temperature, ["top_k"] = settings.TopK, ["seed"] = settings.Seed,
                }.ToJsonString());
                continue;
            }
            Console.Out.WriteLine(g.Prompt + g.Continuation);
            if (prompts.Length > 1) Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"---- ({g.Tokens} tokens)"));
        }
        return ExitCodes.Ok;
    }
}
