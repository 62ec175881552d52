using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.Models;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>
/// Training a text classifier: batches of (tokens (B, T) right-padded, labels (B), lengths (B)) in, logits
/// (B, classes) out; AdamW under one one-cycle schedule over the run. Logs accuracy and macro-F1 on validation and
/// test, and beside them the bag-of-words baseline's scores on the same texts (<c>baseline_*</c>). State-dict keys:
/// <c>net.*</c> (the zoo model's keys) and <c>tokenizer_fingerprint</c>, the hash of the tokenizer it was trained
/// with, checked against the tokenizer evaluation and prediction use. Checkpoints carry the tokenizer and the classes
/// (<see cref="TextTask.Artifacts"/>).
/// </summary>
public sealed class TextClassifierModule : TrainingModule
{
    private readonly TextClassifier _net;
    private readonly TextTask _task;
    private readonly double _lr, _weightDecay, _labelSmoothing;
    private readonly Accuracy _valAccuracy, _testAccuracy;
    private readonly F1Score _valF1, _testF1;
    private bool _checked;

    public TextClassifierModule(TextClassifier net, TextTask task, double lr, double weightDecay, double labelSmoothing)
    {
        ArgumentNullException.ThrowIfNull(task);
        _net = RegisterModule("net", net);
        _task = task;
        _lr = lr;
        _weightDecay = weightDecay;
        _labelSmoothing = labelSmoothing;
        RegisterBuffer("tokenizer_fingerprint", Torch.Tensor(new[] { task.Fingerprint }));
        var classes = task.Classes.Count;
        _valAccuracy = RegisterMetric("val_acc", new Accuracy(classes));
        _valF1 = RegisterMetric("val_f1", new F1Score(classes));
        _testAccuracy = RegisterMetric("test_acc", new Accuracy(classes));
        _testF1 = RegisterMetric("test_f1", new F1Score(classes));
    }

    public TextClassifier Net => _net;

    public override IReadOnlyDictionary<string, byte[]> CheckpointArtifacts() => _task.Artifacts();

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var opt = new AdamW(Parameters(), lr: _lr, weightDecay: _weightDecay);
        var total = (int)Math.Clamp(Trainer?.EstimatedTotalSteps ?? 1000, 2, int.MaxValue);
        return OptimizerConfig.One(opt, new OneCycleLR(opt, maxLr: _lr, totalSteps: total));
    }

    /// <summary>Writes tokenizer.json, classes.txt and the split (split/{train,val,test}.csv, text,label) into the run
    /// directory and prints the baseline to beat.</summary>
    public override void OnFitStart()
    {
        if (Trainer?.Options.RunDirectory is { } run)
        {
            Directory.CreateDirectory(Path.Combine(run, "split"));
            File.WriteAllText(Path.Combine(run, "tokenizer.json"), _task.TokenizerJson);
            File.WriteAllLines(Path.Combine(run, "classes.txt"), _task.Classes);
            WriteCsv(Path.Combine(run, "split", "train.csv"), _task.Splits.Train);
            WriteCsv(Path.Combine(run, "split", "val.csv"), _task.Splits.Val);
            WriteCsv(Path.Combine(run, "split", "test.csv"), _task.Splits.Test);
        }
        var b = _task.Baseline;
        Console.Out.WriteLine(FormattableString.Invariant(
            $"bag-of-words baseline (TF-IDF + logistic regression): val acc {b.ValAccuracy:P2}, macro-F1 {b.ValF1:F4}; test acc {b.TestAccuracy:P2}, macro-F1 {b.TestF1:F4}"));
    }

    // RFC 4180: every field quoted, quotes doubled; what data.path reads back (and pandas or sklearn scripts).
    private void WriteCsv(string path, IReadOnlyList<TextExample> examples)
    {
        using var writer = new StreamWriter(path);
        writer.Write("text,label\n");
        foreach (var e in examples)
            writer.Write($"\"{e.Text.Replace("\"", "\"\"", StringComparison.Ordinal)}\",\"{_task.Classes[e.Label].Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
    }

    /// <summary>Logits (B, classes) of a batch whose first tensor is the tokens and last the lengths.</summary>
    public Tensor Forward(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = Torch.NewDisposeScope();
        var lengths = batch[batch.Count - 1];
        var longest = lengths.Max().Item<long>();
        var tokens = batch.Input.Narrow(1, 0, longest);   // the loader pads to the dataset's longest text
        return _net.Forward(tokens, lengths).MoveToOuterScope();
    }

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var loss = F.CrossEntropy(Forward(batch), batch.Target, labelSmoothing: _labelSmoothing);
        Log("train_loss", loss, progressBar: true);
        return loss;
    }

    public override void ValidationStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logits = Forward(batch);
        Log("val_loss", F.CrossEntropy(logits, batch.Target));
        _valAccuracy.Update(logits, batch.Target);
        _valF1.Update(logits, batch.Target);
        Log("val_acc", _valAccuracy, progressBar: true);
        Log("val_f1", _valF1);
        Log("baseline_val_acc", _task.Baseline.ValAccuracy);
        Log("baseline_val_f1", _task.Baseline.ValF1);
    }

    public override void TestStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckTokenizer();
        var logits = Forward(batch);
        Log("test_loss", F.CrossEntropy(logits, batch.Target));
        _testAccuracy.Update(logits, batch.Target);
        _testF1.Update(logits, batch.Target);
        Log("test_acc", _testAccuracy);
        Log("test_f1", _testF1);
        Log("baseline_test_acc", _task.Baseline.TestAccuracy);
        Log("baseline_test_f1", _task.Baseline.TestF1);
    }

    /// <summary>Class probabilities (B, classes) of (tokens, lengths) rows.</summary>
    public override Tensor PredictStep(Batch batch, int batchIndex)
    {
        CheckTokenizer();
        return Forward(batch).Softmax(-1);
    }

    // The weights are only meaningful with the tokenizer they were trained with.
    private void CheckTokenizer()
    {
        if (_checked) return;
        var saved = NamedBuffers(recurse: false).Single(b => b.Name == "tokenizer_fingerprint").Buffer.Item<long>();
        if (saved != _task.Fingerprint)
            throw new InvalidDataException("the tokenizer differs from the one this checkpoint was trained with " +
                                           "(rebuilt from data.* whose training texts or settings changed since); the run's tokenizer.json is the one it used");
        _checked = true;
    }
}
