namespace MLRoadmap.Training.Recipes;

/// <summary>
/// A recipe whose model continues text (a language model): <c>mlroadmap predict RUN "prompt" --max-tokens N
/// --temperature T --top-k K --seed S</c> prints a continuation. The caller creates the module, loads its weights,
/// puts it on its device in eval mode and turns gradients off; <see cref="Generate"/> tokenizes, samples and decodes.
/// Derive from <see cref="Recipe{TConfig}"/> and implement this too.
/// </summary>
public interface ILanguageModelRecipe : IRecipe
{
    /// <summary>Continues <paramref name="prompt"/> by up to <paramref name="maxTokens"/> tokens, drawn at
    /// <paramref name="temperature"/> (0: always the most likely) from the <paramref name="topK"/> most likely
    /// (null: all), repeatably for a given <paramref name="seed"/>. Throws <see cref="ArgumentException"/> for a
    /// prompt the model cannot read (characters outside a character vocabulary), naming them.</summary>
    Generation Generate(RunConfig config, TrainingModule model, string prompt, int maxTokens, double temperature, int? topK, ulong seed);
}

/// <summary>A prompt and the text generated after it (the continuation alone), with its length in tokens.</summary>
public sealed record Generation(string Prompt, string Continuation, int Tokens);
