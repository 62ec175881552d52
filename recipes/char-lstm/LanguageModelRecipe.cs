using System.Text.Json;
using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>
/// What the language-model recipes share: the corpus (<see cref="TextCorpus"/>, split by item), the tokenizer built
/// from its training split (<see cref="CreateVocabulary"/>), the chunks the loaders serve, and text generation for
/// <c>predict</c>. A recipe adds its name, its tokenizer and its module. The vocabulary depends on the training text,
/// and every checkpoint carries it (<see cref="LmArtifacts"/>): <c>eval</c> and <c>predict</c> use the checkpoint's
/// (<see cref="ForCheckpoint"/>), so predict needs no data, and eval encodes the data as training did. char-lstm and
/// gpt are the two.
/// </summary>
public abstract class LanguageModelRecipe<TConfig, TModel> : Recipe<TConfig>, ILanguageModelRecipe
    where TConfig : LmConfig<TModel>, new()
    where TModel : class, new()
{
    private (string Key, Prepared Value)? _prepared;
    private (LmVocabulary Vocabulary, string Boundary)? _checkpoint;

    /// <summary>The tokenizer for <paramref name="config"/>, learned from the training items.</summary>
    protected abstract LmVocabulary CreateVocabulary(TConfig config, IReadOnlyList<string> trainItems);

    /// <summary>A cache key of what <see cref="CreateVocabulary"/> reads from the model section.</summary>
    protected abstract string VocabularyKey(TConfig config);

    protected abstract LanguageModelModule CreateModule(TConfig config, LmVocabulary vocabulary, string boundary);

    /// <summary>Whether the module carries its state from one batch into the next, so the loaders serve contiguous
    /// streams in order (<see cref="TokenChunks.Streams"/>) rather than shuffled independent chunks.</summary>
    protected virtual bool CarriesState(TConfig config) => false;

    public override TrainingModule CreateModule(TConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (_checkpoint is { } c) return CreateModule(config, c.Vocabulary, c.Boundary);
        var p = Prepare(config);
        return CreateModule(config, p.Vocabulary, p.Corpus.Boundary);
    }

    /// <summary>This recipe with the checkpoint's tokenizer and corpus boundary (<see cref="LmArtifacts"/>); a
    /// checkpoint written before checkpoints carried them gets the recipe as it is (the tokenizer rebuilt from
    /// <c>data.*</c>, its fingerprint checked against the weights').</summary>
    public override IRecipe ForCheckpoint(IReadOnlyDictionary<string, byte[]> artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        if (!artifacts.TryGetValue(LmArtifacts.Tokenizer, out var tokenizer) || !artifacts.TryGetValue(LmArtifacts.Corpus, out var corpus))
            return this;
        var (kind, boundary) = LmArtifacts.ReadCorpus(corpus);
        var bound = (LanguageModelRecipe<TConfig, TModel>)MemberwiseClone();
        bound._prepared = null;
        bound._checkpoint = (LmVocabulary.FromJson(tokenizer, kind, $"the checkpoint's {LmArtifacts.Tokenizer}"), boundary);
        return bound;
    }

    /// <summary>The corpus read, split and tokenized once per data settings (train, eval and predict each ask more
    /// than once).</summary>
    public Prepared Prepare(TConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var key = $"{config.Data with { BatchSize = 0, Workers = 0, SeqLen = 0 }}|{VocabularyKey(config)}";
        if (_prepared is { } cached && cached.Key == key) return cached.Value;
        var corpus = TextCorpus.Read(config.Data.Path!, config.Data.Limit);
        var (train, val, test) = corpus.Split(config.Data.ValFraction, config.Data.TestFraction, config.Data.SplitSeed);
        if (_checkpoint is { } c && c.Boundary != corpus.Boundary)
            throw new InvalidDataException($"{corpus.Source} separates its items with {Quote(corpus.Boundary)}, but the checkpoint was trained on " +
                                           $"text whose items end in {Quote(c.Boundary)} (fortunes with '%' lines, or paragraphs): give text of the same kind");
        var vocabulary = _checkpoint?.Vocabulary ?? CreateVocabulary(config, train);
        var prepared = new Prepared(corpus, vocabulary, train, val, test);
        _prepared = (key, prepared);
        return prepared;
    }

    public override RecipeData LoadData(TConfig config, DataSplits splits)
    {
        ArgumentNullException.ThrowIfNull(config);
        var p = Prepare(config);
        using var data = new RecipeDataBuilder();
        if (splits.HasFlag(DataSplits.Train)) data.Train = Loader(p.Train, shuffle: true);
        if (splits.HasFlag(DataSplits.Val)) data.Val = Loader(p.Val, shuffle: false);
        if (splits.HasFlag(DataSplits.Test))
        {
            if (p.Test.Count == 0) throw new InvalidOperationException("data.test_fraction is 0: this run has no test split");
            data.Test = Loader(p.Test, shuffle: false);
        }
        return data.Build();

        DataLoader Loader(IReadOnlyList<string> items, bool shuffle)
        {
            // Read after the boundary, as the corpus has it: every character of the split is then predicted once.
            var ids = p.Vocabulary.Encode(p.Corpus.Boundary + string.Concat(items));
            var stateful = CarriesState(config);
            var crop = shuffle && !stateful && config.Data.RandomOffsets;
            var set = data.Own(stateful ? TokenChunks.Streams(ids, config.Data.SeqLen, config.Data.BatchSize)
                : !shuffle && config.Data.EvalStride is { } stride ? TokenChunks.Windows(ids, config.Data.SeqLen, Math.Min(stride, config.Data.SeqLen))
                : crop ? TokenChunks.Spans(ids, config.Data.SeqLen)
                : TokenChunks.Create(ids, config.Data.SeqLen));
            return new DataLoader(set, new DataLoaderOptions
            {
                BatchSize = config.Data.BatchSize,
                Shuffle = shuffle && !stateful,
                Seed = config.Seed,
                Workers = config.Data.Workers,
                PinMemory = !config.Trainer.Device.StartsWith("cpu", StringComparison.Ordinal),
                Transform = crop ? new RandomSequenceCrop(config.Data.SeqLen) : null,
            });
        }
    }

    public Generation Generate(RunConfig config, TrainingModule model, string prompt, int maxTokens, double temperature, int? topK, ulong seed)
    {
        if (model is not LanguageModelModule lm)
            throw new ArgumentException($"recipe {Name} generates with its own module, not a {model?.GetType().Name ?? "null"}", nameof(model));
        return lm.Generate(prompt, maxTokens, temperature, topK, seed);
    }

    public sealed override PredictionInputs ReadInputs(TConfig config, IReadOnlyList<string> inputs) => throw NotAClassifier();

    public sealed override IReadOnlyList<Prediction> Decode(TConfig config, PredictionInputs inputs, Tensor outputs, int topK) =>
        throw NotAClassifier();

    private NotSupportedException NotAClassifier() =>
        new($"recipe {Name} continues text: `mlroadmap predict RUN \"a prompt\" --max-tokens N --temperature T --top-k K`");

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    /// <summary>A corpus, its tokenizer and its split.</summary>
    public sealed record Prepared(TextCorpus Corpus, LmVocabulary Vocabulary, IReadOnlyList<string> Train,
        IReadOnlyList<string> Val, IReadOnlyList<string> Test);
}

/// <summary>What a language model's checkpoint carries besides its weights (<see cref="TrainingModule.CheckpointArtifacts"/>).</summary>
public static class LmArtifacts
{
    /// <summary>The tokenizer, as Hugging Face's tokenizer.json.</summary>
    public const string Tokenizer = "tokenizer.json";

    /// <summary><c>{"tokenizer": "char"|"bpe", "boundary": "%\n"}</c>: the tokenizer's kind, and the text that
    /// precedes an item in the corpus (generation starts after it).</summary>
    public const string Corpus = "language-model.json";

    /// <summary>Reads <see cref="Corpus"/>; a malformed one is an <see cref="InvalidDataException"/> naming the key.</summary>
    public static (string Kind, string Boundary) ReadCorpus(byte[] json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var o = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"the checkpoint's {Corpus} is empty");
            var kind = (string?)o["tokenizer"] ?? throw new InvalidDataException($"the checkpoint's {Corpus} has no \"tokenizer\"");
            var boundary = (string?)o["boundary"] ?? throw new InvalidDataException($"the checkpoint's {Corpus} has no \"boundary\"");
            return (kind, boundary);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"the checkpoint's {Corpus} is not valid: {e.Message}", e);
        }
    }
}
