using MLRoadmap.Data;
using MLRoadmap.Training.Callbacks;

namespace MLRoadmap.Training.Recipes;

/// <summary>Which of a recipe's data splits to load.</summary>
[Flags]
public enum DataSplits
{
    None = 0,
    Train = 1,
    Val = 2,
    Test = 4,
    Fit = Train | Val,
}

/// <summary>
/// A whole training run in one place (a "recipe"): its configuration with defaults, its model, its data, and how to
/// turn input files into a batch and outputs into labels. <c>mlroadmap train NAME</c> runs one; the
/// <see cref="RecipeRegistry"/> finds them. Derive from <see cref="Recipe{TConfig}"/> rather than implementing this.
/// </summary>
public interface IRecipe
{
    /// <summary>The name on the command line, e.g. "fashion-mlp": lower case, digits and dashes.</summary>
    string Name { get; }

    /// <summary>One line: what it trains on what.</summary>
    string Description { get; }

    /// <summary>The configuration type (a <see cref="RunConfig{TData, TModel}"/>).</summary>
    Type ConfigType { get; }

    /// <summary>The logged value that ranks checkpoints and drives early stopping, e.g. "val_acc".</summary>
    string Monitor { get; }

    /// <summary>Whether a larger (<see cref="MonitorMode.Max"/>) or smaller value of <see cref="Monitor"/> is better.</summary>
    MonitorMode MonitorMode { get; }

    /// <summary>A new configuration holding the defaults.</summary>
    RunConfig CreateDefaultConfig();

    /// <summary>The training module, freshly initialised (seed the generators first for reproducible weights).</summary>
    TrainingModule CreateModule(RunConfig config);

    /// <summary>This recipe bound to a checkpoint's artifacts (<see cref="TrainingModule.CheckpointArtifacts"/>: its
    /// tokenizer, its class names): its modules, data and predictions are then built with what the checkpoint was
    /// trained with, and whatever needs only those (predict) runs without the training data. <c>eval</c> and
    /// <c>predict</c> use it. A recipe without artifacts returns itself.</summary>
    IRecipe ForCheckpoint(IReadOnlyDictionary<string, byte[]> artifacts);

    /// <summary>Loads the splits asked for. The result owns its datasets and loaders.</summary>
    RecipeData LoadData(RunConfig config, DataSplits splits);

    /// <summary>Callbacks the recipe wants besides the standard ones (checkpoints, early stopping, logging).</summary>
    IReadOnlyList<Callback> CreateCallbacks(RunConfig config);

    /// <summary>Reads input files (paths, with a recipe-specific selector syntax) into rows for
    /// <see cref="TrainingModule.PredictStep"/>, naming each row.</summary>
    PredictionInputs ReadInputs(RunConfig config, IReadOnlyList<string> inputs);

    /// <summary>Turns the outputs of <see cref="TrainingModule.PredictStep"/> (one row per input) into predictions:
    /// for a classifier, the <paramref name="topK"/> most likely labels with their probabilities.</summary>
    IReadOnlyList<Prediction> Decode(RunConfig config, PredictionInputs inputs, Tensor outputs, int topK);
}

/// <summary>A recipe with a typed configuration: implement the typed members, the rest is done.</summary>
public abstract class Recipe<TConfig> : IRecipe where TConfig : RunConfig, new()
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public Type ConfigType => typeof(TConfig);
    public abstract string Monitor { get; }
    public abstract MonitorMode MonitorMode { get; }

    public RunConfig CreateDefaultConfig() => new TConfig();

    public abstract TrainingModule CreateModule(TConfig config);

    /// <summary>A recipe whose module carries artifacts returns a copy bound to them; by default none are needed.</summary>
    public virtual IRecipe ForCheckpoint(IReadOnlyDictionary<string, byte[]> artifacts) => this;

    public abstract RecipeData LoadData(TConfig config, DataSplits splits);
    public virtual IReadOnlyList<Callback> CreateCallbacks(TConfig config) => [];
    public abstract PredictionInputs ReadInputs(TConfig config, IReadOnlyList<string> inputs);
    public abstract IReadOnlyList<Prediction> Decode(TConfig config, PredictionInputs inputs, Tensor outputs, int topK);

    TrainingModule IRecipe.CreateModule(RunConfig config) => CreateModule(Typed(config));
    RecipeData IRecipe.LoadData(RunConfig config, DataSplits splits) => LoadData(Typed(config), splits);
    IReadOnlyList<Callback> IRecipe.CreateCallbacks(RunConfig config) => CreateCallbacks(Typed(config));
    PredictionInputs IRecipe.ReadInputs(RunConfig config, IReadOnlyList<string> inputs) => ReadInputs(Typed(config), inputs);
    IReadOnlyList<Prediction> IRecipe.Decode(RunConfig config, PredictionInputs inputs, Tensor outputs, int topK) =>
        Decode(Typed(config), inputs, outputs, topK);

    private TConfig Typed(RunConfig config) => config as TConfig ??
        throw new ArgumentException($"recipe {Name} takes a {typeof(TConfig).Name}, not a {config?.GetType().Name ?? "null"}", nameof(config));

    public override string ToString() => Name;
}

/// <summary>The loaders of a run's data splits (null when not loaded or not there), and what they read from. Owns
/// both: <see cref="Dispose"/> frees the loaders and then the datasets.</summary>
public sealed class RecipeData(DataLoader? train, DataLoader? val, DataLoader? test, IEnumerable<IDisposable> owned) : IDisposable
{
    private readonly List<IDisposable> _owned = [.. owned];

    public DataLoader? Train { get; } = train;
    public DataLoader? Val { get; } = val;
    public DataLoader? Test { get; } = test;

    public void Dispose()
    {
        Train?.Dispose();
        Val?.Dispose();
        Test?.Dispose();
        foreach (var o in _owned) o.Dispose();
        _owned.Clear();
    }
}

/// <summary>
/// Collects what a <c>LoadData</c> makes (the loaders, and the datasets they read, by <see cref="Own{T}"/>) and hands
/// it all to a <see cref="RecipeData"/> in <see cref="Build"/>. Disposed without <see cref="Build"/> (the load threw
/// halfway), it frees everything made so far, so a failed load never leaves native memory to the GC:
/// <code>
/// using var data = new RecipeDataBuilder();
/// if (splits.HasFlag(DataSplits.Train)) data.Train = new DataLoader(data.Own(LoadTrainingSet()), options);
/// return data.Build();
/// </code>
/// </summary>
public sealed class RecipeDataBuilder : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private bool _done;

    public DataLoader? Train { get; set; }
    public DataLoader? Val { get; set; }
    public DataLoader? Test { get; set; }

    /// <summary>Takes <paramref name="resource"/> (a dataset the loaders read) into the result; returns it.</summary>
    public T Own<T>(T resource) where T : IDisposable
    {
        ArgumentNullException.ThrowIfNull(resource);
        ObjectDisposedException.ThrowIf(_done, this);
        _owned.Add(resource);
        return resource;
    }

    /// <summary>The loaders and everything owned, now owned by the result.</summary>
    public RecipeData Build()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        return new RecipeData(Train, Val, Test, _owned);
    }

    public void Dispose()
    {
        if (_done) return;
        _done = true;
        using var data = new RecipeData(Train, Val, Test, _owned);   // frees the loaders, then the datasets
    }
}

/// <summary>Inputs read for prediction: a dataset of one row per input (in the order of <see cref="Names"/>), owned
/// by this object; <see cref="TrainingModule.PredictStep"/> gets its rows as batches.</summary>
public sealed class PredictionInputs(TensorDataset rows, IReadOnlyList<string> names) : IDisposable
{
    public TensorDataset Rows { get; } = rows;

    /// <summary>What each row is, e.g. "t10k-images-idx3-ubyte.gz[3]".</summary>
    public IReadOnlyList<string> Names { get; } = names;

    public void Dispose() => Rows.Dispose();
}

/// <summary>One input's prediction: the best label first, each with its probability (or score).</summary>
public sealed record Prediction(string Input, IReadOnlyList<(string Label, double Score)> Top)
{
    public string Label => Top[0].Label;
    public double Score => Top[0].Score;
}
