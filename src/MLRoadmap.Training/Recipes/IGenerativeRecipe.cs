namespace MLRoadmap.Training.Recipes;

/// <summary>
/// A recipe whose model makes new examples instead of labelling inputs (a GAN, a VAE): <c>mlroadmap predict RUN
/// --samples N</c> draws N of them. Sampling is prediction over latent codes, as in Lightning's GAN examples: the
/// trainer runs the module's <see cref="TrainingModule.PredictStep"/> (weights loaded, on its device, in eval mode,
/// without gradients) over the rows <see cref="SampleInputs"/> makes, and <see cref="WriteSamples"/> saves the
/// outputs. Derive from <see cref="GenerativeRecipe{TConfig}"/> rather than implementing this.
/// </summary>
public interface IGenerativeRecipe : IRecipe
{
    /// <summary>Rows for <see cref="TrainingModule.PredictStep"/> that make <paramref name="count"/> samples, e.g.
    /// latent codes drawn from the default generator (the caller seeds it, so a seed gives the same samples).</summary>
    PredictionInputs SampleInputs(RunConfig config, int count);

    /// <summary>Saves the outputs of <see cref="TrainingModule.PredictStep"/> (one row per sample) into
    /// <paramref name="directory"/> (which exists) and says which files it wrote.</summary>
    GeneratedFiles WriteSamples(RunConfig config, Tensor outputs, string directory);
}

/// <summary>The files a generative recipe wrote: one per sample, in order, and a grid of them all (or null).</summary>
public sealed record GeneratedFiles(IReadOnlyList<string> Samples, string? Grid);

/// <summary>A generative recipe with a typed configuration. <c>predict</c> takes no input files for it, so
/// <see cref="Recipe{TConfig}.ReadInputs"/> and <see cref="Recipe{TConfig}.Decode"/> refuse with the way to sample.</summary>
public abstract class GenerativeRecipe<TConfig> : Recipe<TConfig>, IGenerativeRecipe where TConfig : RunConfig, new()
{
    public abstract PredictionInputs SampleInputs(TConfig config, int count);

    public abstract GeneratedFiles WriteSamples(TConfig config, Tensor outputs, string directory);

    public sealed override PredictionInputs ReadInputs(TConfig config, IReadOnlyList<string> inputs) => throw NotAClassifier();

    public sealed override IReadOnlyList<Prediction> Decode(TConfig config, PredictionInputs inputs, Tensor outputs, int topK) =>
        throw NotAClassifier();

    private NotSupportedException NotAClassifier() =>
        new($"recipe {Name} generates new examples rather than predicting from inputs: sample with `mlroadmap predict RUN --samples N`");

    PredictionInputs IGenerativeRecipe.SampleInputs(RunConfig config, int count) => SampleInputs(Typed(config), count);

    GeneratedFiles IGenerativeRecipe.WriteSamples(RunConfig config, Tensor outputs, string directory) =>
        WriteSamples(Typed(config), outputs, directory);

    private TConfig Typed(RunConfig config) => config as TConfig ??
        throw new ArgumentException($"recipe {Name} takes a {typeof(TConfig).Name}, not a {config?.GetType().Name ?? "null"}", nameof(config));
}
