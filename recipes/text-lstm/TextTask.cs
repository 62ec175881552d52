using System.Collections.Concurrent;
using System.Text.Json;
using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.Text.Tokenizers;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>
/// Everything a text run derives from its <c>data.*</c> settings before training: the split texts, the tokenizer
/// trained on the training split, the classes, and the bag-of-words baseline's scores. Deterministic (the split by
/// data.split_seed, BPE training has no randomness). A trained run's checkpoints carry the tokenizer and classes
/// (<see cref="Artifacts"/>), and <see cref="FromCheckpoint"/> rebuilds the task from them: the texts are then read
/// only when a split is asked for (eval), never for predict. Built once per process and settings.
/// </summary>
public sealed class TextTask
{
    /// <summary>The padding token, id 0.</summary>
    public const string PadToken = "<pad>";

    /// <summary>The checkpoint artifact holding the tokenizer (Hugging Face's tokenizer.json).</summary>
    public const string TokenizerArtifact = "tokenizer.json";

    /// <summary>The checkpoint artifact holding the class names in label order (a JSON array of strings).</summary>
    public const string ClassesArtifact = "classes.json";

    private static readonly ConcurrentDictionary<string, Lazy<TextTask>> Cache = new(StringComparer.Ordinal);
    private readonly Lazy<TextSplits> _splits;
    private readonly Lazy<BaselineScores> _baseline;

    private TextTask(TextData data)
    {
        Data = data;
        var splits = TextSplits.Load(data);
        _splits = new(splits);
        Classes = splits.Classes;
        var trainer = new BpeTrainer { VocabSize = data.VocabSize, SpecialTokens = [PadToken] };
        INormalizer? normalizer = data.Lowercase ? new LowercaseNormalizer() : null;
        var model = trainer.Train(splits.Train.Select(t => t.Text), new ByteLevelPreTokenizer(false), normalizer);
        Tokenizer = ByteLevelBpe.Create(model);
        Tokenizer.Normalizer = normalizer;
        // <pad> is in the vocabulary (id 0) but not an added token, so a text that spells "<pad>" is encoded as bytes.
        if (Tokenizer.TokenToId(PadToken) != 0) throw new InvalidOperationException("the BPE trainer did not give <pad> id 0");
        TokenizerJson = TokenizerJsonText(Tokenizer);
        Fingerprint = StableHash(TokenizerJson);
        _baseline = new(() => BaselineScores.Measure(Splits));
    }

    private TextTask(TextData data, string tokenizerJson, IReadOnlyList<string> classes)
    {
        Data = data;
        TokenizerJson = tokenizerJson;
        Fingerprint = StableHash(tokenizerJson);
        Tokenizer = Text.Tokenizers.Tokenizer.FromJson(System.Text.Encoding.UTF8.GetBytes(tokenizerJson), $"the checkpoint's {TokenizerArtifact}");
        Classes = classes;
        _splits = new(() =>
        {
            var splits = TextSplits.Load(data);
            if (!splits.Classes.SequenceEqual(classes, StringComparer.Ordinal))
                throw new InvalidDataException($"{data.Path} has the classes {string.Join(", ", splits.Classes)}, but the checkpoint was trained on " +
                                               $"{string.Join(", ", classes)}: evaluate it on data with the same classes");
            return splits;
        });
        _baseline = new(() => BaselineScores.Measure(Splits));
    }

    /// <summary>The task for <paramref name="data"/>, built on first use.</summary>
    public static TextTask For(TextData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var key = JsonSerializer.Serialize(data);
        return Cache.GetOrAdd(key, _ => new Lazy<TextTask>(() => new TextTask(data))).Value;
    }

    /// <summary>The task of a checkpoint whose <see cref="Artifacts"/> are <paramref name="artifacts"/>, or null when
    /// it has none (written before checkpoints carried them: the task is then rebuilt from the data).</summary>
    public static TextTask? FromCheckpoint(TextData data, IReadOnlyDictionary<string, byte[]> artifacts)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(artifacts);
        if (!artifacts.TryGetValue(TokenizerArtifact, out var tokenizer) || !artifacts.TryGetValue(ClassesArtifact, out var classesJson)) return null;
        List<string> classes;
        try
        {
            classes = JsonSerializer.Deserialize<List<string>>(classesJson) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the checkpoint's {ClassesArtifact} is not a JSON array of class names: {e.Message}", e);
        }
        if (classes.Count < 2 || classes.Any(string.IsNullOrEmpty))
            throw new InvalidDataException($"the checkpoint's {ClassesArtifact} should name at least 2 classes, not [{string.Join(", ", classes)}]");
        return new TextTask(data, System.Text.Encoding.UTF8.GetString(tokenizer), classes);
    }

    /// <summary>What checkpoints carry so the task is rebuilt without the data: <see cref="TokenizerArtifact"/> and
    /// <see cref="ClassesArtifact"/>.</summary>
    public IReadOnlyDictionary<string, byte[]> Artifacts() => new Dictionary<string, byte[]>
    {
        [TokenizerArtifact] = System.Text.Encoding.UTF8.GetBytes(TokenizerJson),
        [ClassesArtifact] = JsonSerializer.SerializeToUtf8Bytes(Classes),
    };

    public TextData Data { get; }

    /// <summary>The split texts, read on first use.</summary>
    public TextSplits Splits => _splits.Value;

    /// <summary>The class names, in label order.</summary>
    public IReadOnlyList<string> Classes { get; }

    public Tokenizer Tokenizer { get; }

    /// <summary>tokenizer.json's text (Hugging Face's format).</summary>
    public string TokenizerJson { get; }

    /// <summary>A 53-bit hash of <see cref="TokenizerJson"/> (exact in a float64 or int64 buffer).</summary>
    public long Fingerprint { get; }

    /// <summary>The bag-of-words baseline's validation and test scores (fitted on first use).</summary>
    public BaselineScores Baseline => _baseline.Value;

    /// <summary>Token ids (N, T) int64 right-padded with 0 (T the longest, at most data.max_tokens), labels (N) int64
    /// and lengths (N) int64; an empty text is one padding token.</summary>
    public TensorDataset Encode(IReadOnlyList<TextExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var (tokens, lengths) = EncodeTexts(examples.Select(e => e.Text).ToArray());
        return new TensorDataset(tokens, Torch.Tensor(examples.Select(e => (long)e.Label).ToArray()), lengths);
    }

    /// <summary>Tokens (N, T) and lengths (N), as <see cref="Encode"/>.</summary>
    public (Tensor Tokens, Tensor Lengths) EncodeTexts(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new int[texts.Count][];
        Parallel.For(0, texts.Count, i => ids[i] = [.. Tokenizer.Encode(texts[i]).Ids.Take(Data.MaxTokens)]);
        var width = Math.Max(1, ids.Select(x => x.Length).DefaultIfEmpty(1).Max());
        var flat = new long[texts.Count * width];
        var lengths = new long[texts.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            for (var j = 0; j < ids[i].Length; j++) flat[i * width + j] = ids[i][j];
            lengths[i] = Math.Max(1, ids[i].Length);
        }
        return (Torch.Tensor(flat, [texts.Count, width]), Torch.Tensor(lengths));
    }

    private static string TokenizerJsonText(Tokenizer tokenizer)
    {
        var file = Path.GetTempFileName();
        try
        {
            tokenizer.Save(file);
            return File.ReadAllText(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // FNV-1a over the UTF-16 code units, kept to 53 bits.
    private static long StableHash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text) h = (h ^ c) * 1099511628211UL;
        return (long)(h & ((1UL << 53) - 1));
    }
}

/// <summary>The bag-of-words baseline's accuracy and macro-F1 on the validation and test splits.</summary>
public sealed record BaselineScores(double ValAccuracy, double ValF1, double TestAccuracy, double TestF1)
{
    /// <summary>Fits <see cref="BowBaseline"/> on the training split and scores it.</summary>
    public static BaselineScores Measure(TextSplits splits)
    {
        ArgumentNullException.ThrowIfNull(splits);
        using var baseline = BowBaseline.Fit(splits.Train.Select(t => t.Text).ToList(), splits.Train.Select(t => t.Label).ToList(), splits.Classes.Count);
        var (valAcc, valF1) = Score(baseline, splits.Val, splits.Classes.Count);
        var (testAcc, testF1) = Score(baseline, splits.Test, splits.Classes.Count);
        return new BaselineScores(valAcc, valF1, testAcc, testF1);
    }

    private static (double Accuracy, double F1) Score(BowBaseline baseline, IReadOnlyList<TextExample> examples, int classes)
    {
        using var scope = Torch.NewDisposeScope();
        var probabilities = baseline.PredictProbabilities(examples.Select(e => e.Text).ToList());
        var target = Torch.Tensor(examples.Select(e => (long)e.Label).ToArray());
        using var accuracy = new Accuracy(classes);
        using var f1 = new F1Score(classes);
        accuracy.Update(probabilities, target);
        f1.Update(probabilities, target);
        return (accuracy.Compute(), f1.Compute());
    }
}
