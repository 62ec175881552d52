using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Models;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>
/// Training a next-token language model on chunks of token ids: input (B, T), target (B, T) the same text one token
/// on, −100 where a chunk was padded. The loss is the mean cross-entropy per token (<c>train_loss</c>, nats);
/// validation and test report it over the whole split (<c>val_loss</c>), and bits per character and per UTF-8 byte
/// (<c>val_bpc</c>, <c>val_bpb</c>; <see cref="BitsPerUnit"/>). After each epoch, with a run directory, the
/// <c>sample.*</c> prompts are continued into <c>samples.txt</c>. Subclasses give the network (<see cref="Logits"/>,
/// <see cref="GenerateIds"/>) and the optimizer. State-dict keys: <c>net.*</c> (the zoo model's) and
/// <c>vocab_fingerprint</c> (the tokenizer the weights belong to).
/// </summary>
public abstract class LanguageModelModule : TrainingModule
{
    private readonly BitsPerUnit _valLoss, _valBpc, _valBpb, _testLoss, _testBpc, _testBpb;
    private readonly SampleSettings _sample;
    private bool _fingerprintChecked;

    protected LanguageModelModule(LmVocabulary vocabulary, string boundary, SampleSettings sample)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Vocabulary = vocabulary;
        Boundary = boundary;
        _sample = sample;
        RegisterBuffer("vocab_fingerprint", Torch.Tensor([vocabulary.Fingerprint]));
        _valLoss = RegisterMetric("val_loss", BitsPerUnit.NatsPerToken("loss", vocabulary.Size));
        _testLoss = RegisterMetric("test_loss", BitsPerUnit.NatsPerToken("loss", vocabulary.Size));
        _valBpc = RegisterMetric("val_bpc", new BitsPerUnit("bpc", vocabulary.CharLengths));
        _valBpb = RegisterMetric("val_bpb", new BitsPerUnit("bpb", vocabulary.ByteLengths));
        _testBpc = RegisterMetric("test_bpc", new BitsPerUnit("bpc", vocabulary.CharLengths));
        _testBpb = RegisterMetric("test_bpb", new BitsPerUnit("bpb", vocabulary.ByteLengths));
    }

    public LmVocabulary Vocabulary { get; }

    /// <summary>The text that precedes an item in the corpus; generation conditions on it before the prompt.</summary>
    public string Boundary { get; }

    /// <summary>Ids (B, T) → next-token logits (B, T, V).</summary>
    public abstract Tensor Logits(Tensor ids);

    /// <summary>Continues <paramref name="prompt"/> (1, T) by <paramref name="maxNewTokens"/> ids drawn by
    /// <see cref="Sampling.Next"/>; returns (1, T + new).</summary>
    public abstract Tensor GenerateIds(Tensor prompt, int maxNewTokens, double temperature, int? topK, Random random);

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logits = BatchLogits(batch.Input, batchIndex, "train");                     // (B, T, V)
        var loss = F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), batch.Target.Reshape(-1), ignoreIndex: BitsPerUnit.Ignore);
        Log("train_loss", loss, progressBar: true);
        return loss;
    }

    public override void ValidationStep(Batch batch, int batchIndex) => Evaluate(batch, batchIndex, "val", _valLoss, _valBpc, _valBpb);

    public override void TestStep(Batch batch, int batchIndex) => Evaluate(batch, batchIndex, "test", _testLoss, _testBpc, _testBpb);

    /// <summary>The logits of batch <paramref name="batchIndex"/> of a pass over a split's loader (<paramref name="stage"/>:
    /// train, val or test). Independent chunks by default; a model that carries its state from one batch into the next
    /// (<see cref="TokenChunks.Streams"/>) overrides it.</summary>
    protected virtual Tensor BatchLogits(Tensor ids, int batchIndex, string stage) => Logits(ids);

    private void Evaluate(Batch batch, int batchIndex, string stage, BitsPerUnit loss, BitsPerUnit bpc, BitsPerUnit bpb)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckFingerprint();
        var logits = BatchLogits(batch.Input, batchIndex, stage);                       // (B, T, V)
        var target = batch.Target.Reshape(-1);                                          // (B·T)
        var nats = F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), target, ignoreIndex: BitsPerUnit.Ignore,
            reduction: NN.Reduction.None);                                              // (B·T), 0 where padded
        loss.Update(nats, target);
        Log($"{stage}_loss", loss);
        bpc.Update(nats, target);
        bpb.Update(nats, target);
        Log($"{stage}_bpc", bpc, progressBar: stage == "val");
        Log($"{stage}_bpb", bpb);
    }

    /// <summary>The tokenizer (<see cref="LmArtifacts.Tokenizer"/>) and what else the
    /// recipe needs to read and write text as in training (<see cref="LmArtifacts.Corpus"/>),
    /// so predict runs from the checkpoint alone.</summary>
    public override IReadOnlyDictionary<string, byte[]> CheckpointArtifacts() => new Dictionary<string, byte[]>
    {
        [LmArtifacts.Tokenizer] = Vocabulary.ToJson(),
        [LmArtifacts.Corpus] = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["tokenizer"] = Vocabulary.Kind, ["boundary"] = Boundary }),
    };

    /// <summary>Refuses weights trained with another vocabulary (the same size, other characters: the data changed).</summary>
    public void CheckFingerprint()
    {
        if (_fingerprintChecked) return;
        var saved = NamedBuffers(recurse: false).First(b => b.Name == "vocab_fingerprint").Buffer.Item<long>();
        if (saved != Vocabulary.Fingerprint)
            throw new InvalidDataException("these weights were trained with another vocabulary than the one built from data.path now " +
                                           "(the data or its split changed since training): use the data the run was trained on");
        _fingerprintChecked = true;
    }

    /// <summary>Continues <paramref name="prompt"/>, read after <see cref="Boundary"/> as the start of a new item.
    /// The module must be in eval mode, without gradients.</summary>
    public Generation Generate(string prompt, int maxTokens, double temperature, int? topK, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        Sampling.CheckSettings(temperature, topK, Vocabulary.Size);
        var unknown = Vocabulary.Unknown(prompt);
        if (unknown.Count > 0)
            throw new ArgumentException("the prompt holds characters the model's vocabulary lacks (it never saw them in training): " +
                                        string.Join(", ", unknown.Select(Describe)));
        CheckFingerprint();
        using var scope = Torch.NewDisposeScope();
        var context = Vocabulary.Encode(Boundary + prompt);
        var device = Parameters().First().Device;
        var ids = Torch.Tensor([.. context.Select(i => (long)i)], [1, context.Length], device);   // (1, T)
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var all = GenerateIds(ids, maxTokens, temperature, topK, random);
        var generated = all.Narrow(1, context.Length, maxTokens).Cpu().ToArray<long>();
        return new Generation(prompt, Vocabulary.Decode(generated.Select(i => (int)i)), generated.Length);
    }

    private static string Describe(string c) =>
        string.Create(CultureInfo.InvariantCulture, $"'{c}' (U+{char.ConvertToUtf32(c, 0):X4})");

    /// <summary>The epoch's samples, appended to RUN/samples.txt (training with a run directory only).</summary>
    public override void OnTrainEpochEnd(int epoch)
    {
        if (Trainer?.Options.RunDirectory is not { } run) return;
        var text = Samples(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}"));
        File.AppendAllText(Path.Combine(run, "samples.txt"), text);
    }

    /// <summary>The <c>sample.*</c> prompts continued, as text headed by <paramref name="title"/>.</summary>
    public string Samples(string title)
    {
        using var noGrad = Torch.NoGrad();
        var wasTraining = IsTraining;
        Eval();
        try
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"==== {title} (temperature {_sample.Temperature}, top-k {(_sample.TopK is { } k and > 0 ? k : "all")}, seed {_sample.Seed})\n");
            var prompts = _sample.Prompts.Split('|');
            for (var i = 0; i < prompts.Length; i++)
            {
                // Each prompt its own draws (seed, seed + 1, …): with one sequence, the continuations drift into the same text.
                var prompt = prompts[i];
                var g = Generate(prompt, _sample.Tokens, _sample.Temperature, _sample.TopK, _sample.Seed + (ulong)i);
                sb.Append(CultureInfo.InvariantCulture, $"---- prompt \"{prompt}\"\n{prompt}{g.Continuation}\n");
            }
            return sb.ToString();
        }
        finally
        {
            Train(wasTraining);
        }
    }
}
