using MLRoadmap.Data;
using MLRoadmap.Models;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>
/// What the text classification recipes share: the data (<c>data.*</c>, <see cref="TextData"/>), its tokenizer
/// and loaders, the baseline, reading texts for <c>predict</c> and naming the classes. A recipe adds its name and
/// its zoo model; text-lstm and text-transformer are the two.
/// </summary>
public abstract class TextRecipe<TConfig, TModel> : Recipe<TConfig>
    where TConfig : RunConfig<TextData, TModel>, new()
    where TModel : class, new()
{
    public override string Monitor => "val_acc";

    public override MonitorMode MonitorMode => MonitorMode.Max;

    /// <summary>The network for <paramref name="task"/>'s vocabulary and classes.</summary>
    protected abstract TextClassifier CreateNet(TConfig config, TextTask task);

    /// <summary>Cross-entropy's label smoothing in training.</summary>
    protected abstract double LabelSmoothing(TConfig config);

    private IReadOnlyDictionary<string, byte[]>? _artifacts;
    private (TextData Data, TextTask Task)? _checkpointTask;

    /// <summary>This recipe with a checkpoint's tokenizer and classes (<see cref="TextTask.FromCheckpoint"/>).</summary>
    public override IRecipe ForCheckpoint(IReadOnlyDictionary<string, byte[]> artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        var bound = (TextRecipe<TConfig, TModel>)MemberwiseClone();
        bound._artifacts = artifacts;
        bound._checkpointTask = null;
        return bound;
    }

    // The checkpoint's task when bound to one that carries it (built once per data settings), else the one built
    // from the data.
    private TextTask Task(TConfig config)
    {
        if (_artifacts is null) return TextTask.For(config.Data);
        if (_checkpointTask is { } c && c.Data == config.Data) return c.Task;
        if (TextTask.FromCheckpoint(config.Data, _artifacts) is not { } task) return TextTask.For(config.Data);
        _checkpointTask = (config.Data, task);
        return task;
    }

    public override TrainingModule CreateModule(TConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var task = Task(config);
        return new TextClassifierModule(CreateNet(config, task), task, config.Optim.Lr, config.Optim.WeightDecay, LabelSmoothing(config));
    }

    public override RecipeData LoadData(TConfig config, DataSplits splits)
    {
        ArgumentNullException.ThrowIfNull(config);
        var task = Task(config);
        using var data = new RecipeDataBuilder();
        if (splits.HasFlag(DataSplits.Train)) data.Train = Loader(task.Encode(task.Splits.Train), shuffle: true);
        if (splits.HasFlag(DataSplits.Val)) data.Val = Loader(task.Encode(task.Splits.Val), shuffle: false);
        if (splits.HasFlag(DataSplits.Test)) data.Test = Loader(task.Encode(task.Splits.Test), shuffle: false);
        return data.Build();

        DataLoader Loader(TensorDataset set, bool shuffle)
        {
            data.Own(set);
            return new DataLoader(set, new DataLoaderOptions
            {
                BatchSize = config.Data.BatchSize,
                Shuffle = shuffle,
                Seed = config.Seed,
                Workers = config.Data.Workers,
            });
        }
    }

    /// <summary>Each input that is an existing file gives one text per non-empty line (named FILE:LINE); any other
    /// argument is itself a text.</summary>
    public override PredictionInputs ReadInputs(TConfig config, IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("no inputs to predict", nameof(inputs));
        var texts = new List<string>();
        var names = new List<string>();
        foreach (var input in inputs)
        {
            if (!File.Exists(input))
            {
                texts.Add(input);
                names.Add(input.Length <= 40 ? input : input[..37] + "...");
                continue;
            }
            var lineNumber = 0;
            foreach (var line in File.ReadLines(input))
            {
                lineNumber++;
                if (line.Trim().Length == 0) continue;
                texts.Add(line);
                names.Add(FormattableString.Invariant($"{input}:{lineNumber}"));
            }
        }
        if (texts.Count == 0) throw new InvalidDataException($"no text to predict: {string.Join(", ", inputs)} hold only empty lines");
        var (tokens, lengths) = Task(config).EncodeTexts(texts);
        return new PredictionInputs(new TensorDataset(tokens, lengths), names);
    }

    public override IReadOnlyList<Prediction> Decode(TConfig config, PredictionInputs inputs, Tensor outputs, int topK)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputs);
        return ClassifierOutputs.TopK(outputs, inputs.Names, Task(config).Classes, topK);
    }
}
