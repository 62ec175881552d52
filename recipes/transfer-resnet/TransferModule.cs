using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>
/// Fine-tuning a zoo ResNet (fastai's <c>fine_tune</c>): uint8 images (B, C, H, W) in, logits (B, classes) out. The
/// network's state-dict keys are torchvision's under <c>net.</c>; the pixel mean and std (in 0..255) are buffers, so
/// checkpoints carry the normalisation and prediction feeds raw pixels.
/// </summary>
/// <remarks>
/// <para>The pretrained weights (<see cref="WeightsPath"/>) are loaded when a fresh fit starts, not at construction:
/// evaluation and prediction build the module only to load a checkpoint into it, and a resumed fit takes every
/// weight from its checkpoint, so neither needs the weights file.</para>
/// <para>The optimizer holds every parameter from the first step, in six groups (stem, layer1-4, head). Freezing
/// turns gradients off; AdamW skips parameters without a gradient, so frozen ones get neither updates, weight decay,
/// nor optimizer state until they unfreeze. Whether the backbone is frozen follows from the epoch alone
/// (<see cref="OnTrainEpochStart"/>), so a resumed run freezes exactly as the uninterrupted one did.</para>
/// </remarks>
public sealed class TransferModule : TrainingModule
{
    /// <summary>The parameter groups, stem to head, by the top-level module names of torchvision's ResNet.</summary>
    public static IReadOnlyList<string[]> GroupPrefixes { get; } =
        [["conv1.", "bn1."], ["layer1."], ["layer2."], ["layer3."], ["layer4."], ["fc."]];

    private readonly TransferResnetConfig _config;
    private readonly Accuracy _valAccuracy;
    private readonly Accuracy _testAccuracy;

    /// <param name="config">The run's configuration.</param>
    /// <param name="classes">The class names, by label.</param>
    public TransferModule(TransferResnetConfig config, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count < 2) throw new ArgumentException($"a classifier needs at least two classes, got {classes.Count}", nameof(classes));
        _config = config;
        Classes = classes;
        var options = (ResNetOptions)ModelRegistry.DefaultOptions(config.Model.Arch) with
        {
            InChannels = config.Data.Channels,
            Width = config.Model.Width,
            SmallInputStem = config.Model.SmallInputStem,
        };
        Net = RegisterModule("net", (ResNet)ModelRegistry.Create(config.Model.Arch, options));
        Net.ResetClassifier(classes.Count);
        var (mean, std) = Normalisation(config.Data);
        long[] shape = [1, config.Data.Channels, 1, 1];
        RegisterBuffer("pixel_mean", Torch.Tensor(mean.Select(m => (float)(m * 255)).ToArray(), shape));   // (1, C, 1, 1)
        RegisterBuffer("pixel_std", Torch.Tensor(std.Select(s => (float)(s * 255)).ToArray(), shape));
        _valAccuracy = RegisterMetric("val_acc", new Accuracy(classes.Count));
        _testAccuracy = RegisterMetric("test_acc", new Accuracy(classes.Count));
    }

    /// <summary>The ResNet, keys as torchvision's.</summary>
    public ResNet Net { get; }

    public IReadOnlyList<string> Classes { get; }

    /// <summary>What loading <see cref="WeightsPath"/> did, once a fit has started.</summary>
    public BackboneLoadReport? LoadReport { get; private set; }

    /// <summary>How the parameters were last set: the backbone frozen or not.</summary>
    public bool BackboneFrozen { get; private set; }

    /// <summary>model.weights=none: every layer trains from the first step, at one rate.</summary>
    public bool FromScratch => _config.Model.Weights == TransferResnetRecipe.NoWeights;

    /// <summary>Epochs with the backbone frozen: none when training from scratch.</summary>
    public int FreezeEpochs => FromScratch ? 0 : _config.Finetune.FreezeEpochs;

    /// <summary>data.mean and data.std as per-channel values in [0, 1] (one value applies to every channel).</summary>
    public static (double[] Mean, double[] Std) Normalisation(TransferData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var mean = Numbers(data.Mean, "data.mean", data.Channels);
        var std = Numbers(data.Std, "data.std", data.Channels);
        if (std.Any(s => !(s > 0))) throw new ConfigException($"data.std={data.Std}: every value must be positive");
        return (mean, std);
    }

    private static double[] Numbers(string text, string key, int channels)
    {
        var values = text.Split(',').Select(v => double.Parse(v.Trim(), CultureInfo.InvariantCulture)).ToArray();
        if (values.Length == 1) return Enumerable.Repeat(values[0], channels).ToArray();
        if (values.Length != channels)
            throw new ConfigException($"{key}={text} has {values.Length} values but data.channels is {channels}; give one, or one per channel");
        return values;
    }

    /// <summary>(B, C, H, W) pixels, uint8 or float in 0..255 → (B, classes) logits.</summary>
    public Tensor Forward(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var scope = Torch.NewDisposeScope();
        var buffers = NamedBuffers(recurse: false).ToDictionary(b => b.Name, b => b.Buffer);
        var x = pixels.To(ScalarType.Float32).Sub(buffers["pixel_mean"]).Div(buffers["pixel_std"]);
        return Net.Forward(x).MoveToOuterScope();
    }

    public override void OnFitStart()
    {
        var trainer = Trainer!;
        RecordClasses(trainer);
        // A resumed fit (anything past its first step) has its weights from the checkpoint already.
        if (FromScratch || trainer.GlobalStep != 0 || trainer.CurrentEpoch != 0 || trainer.BatchInEpoch != 0) return;
        var path = TransferResnetRecipe.WeightsPath(_config)!;
        LoadReport = PretrainedWeights.Load(Net, path, _config.Model.WeightsPrefix);
        Console.Out.WriteLine($"weights {path}: {LoadReport}");
    }

    // data.classes in the run's config (config.json, every checkpoint) names the labels, so predict needs no data.
    private void RecordClasses(Trainer trainer)
    {
        if (trainer.Config is not JsonObject root) return;
        if (root["data"] is not JsonObject data) root["data"] = data = new JsonObject();
        data["classes"] = string.Join(",", Classes);
    }

    /// <summary>Freezes the backbone for the first <see cref="FreezeEpochs"/> epochs and unfreezes it after.</summary>
    public override void OnTrainEpochStart(int epoch) => SetFrozen(epoch < FreezeEpochs);

    /// <summary>Freezes (or unfreezes) every parameter outside the head; batch norm's stay trainable with
    /// finetune.train_bn, and otherwise its modules are put in eval mode so their statistics stay too.</summary>
    public void SetFrozen(bool frozen)
    {
        BackboneFrozen = frozen;
        var trainBn = _config.Finetune.TrainBn;
        foreach (var (name, module) in Net.NamedModules())
        {
            if (Net.IsClassifierKey(name + ".")) continue;   // the head ("fc") always trains
            var isNorm = module is BatchNorm2d;
            foreach (var (_, p) in module.NamedParameters(recurse: false)) p.RequiresGrad = !frozen || (trainBn && isNorm);
            if (isNorm && frozen && !trainBn && IsTraining) module.Eval();
        }
    }

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var groups = GroupPrefixes.Select(_ => new List<Tensor>()).ToArray();
        foreach (var (name, p) in Net.NamedParameters())
        {
            var g = GroupOf(name);
            groups[g].Add(p);
        }
        var opt = new AdamW(groups.Select(g => new ParamGroup(g)), lr: _config.Optim.Lr, weightDecay: _config.Optim.WeightDecay);
        var trainer = Trainer;
        var total = (int)Math.Clamp(trainer?.EstimatedTotalSteps ?? 1000, 1, int.MaxValue);
        var perEpoch = trainer is null ? total : (trainer.TrainBatches + trainer.Options.AccumulateGradBatches - 1) / trainer.Options.AccumulateGradBatches;
        var frozenSteps = (int)Math.Min(total, (long)perEpoch * FreezeEpochs);
        var schedule = new FineTuneSchedule(opt, frozenSteps, total, Enumerable.Repeat(_config.Optim.Lr, groups.Length).ToArray(),
            UnfrozenPeaks(groups.Length), _config.Finetune.PctStart);
        return OptimizerConfig.One(opt, schedule);
    }

    /// <summary>The unfrozen phase's peak rate of each group, stem to head: geometric from head / lr_mult to the head's
    /// lr · unfrozen_lr_scale; from scratch, optim.lr for all.</summary>
    public double[] UnfrozenPeaks(int groups)
    {
        var lr = _config.Optim.Lr;
        if (FromScratch) return Enumerable.Repeat(lr, groups).ToArray();
        var head = lr * _config.Finetune.UnfrozenLrScale;
        return Enumerable.Range(0, groups).Select(g => head / Math.Pow(_config.Finetune.LrMult, (groups - 1.0 - g) / (groups - 1))).ToArray();
    }

    /// <summary>The group of a parameter of <see cref="Net"/>, by its torchvision name.</summary>
    public static int GroupOf(string name)
    {
        for (var g = 0; g < GroupPrefixes.Count; g++)
            if (GroupPrefixes[g].Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal))) return g;
        throw new InvalidOperationException($"parameter '{name}' is in none of the groups (stem, layer1-4, fc)");
    }

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var loss = F.CrossEntropy(Forward(batch.Input), batch.Target, labelSmoothing: _config.Model.LabelSmoothing);
        Log("train_loss", loss, progressBar: true);
        return loss;
    }

    public override void ValidationStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logits = Forward(batch.Input);
        Log("val_loss", F.CrossEntropy(logits, batch.Target));
        _valAccuracy.Update(logits, batch.Target);
        Log("val_acc", _valAccuracy, progressBar: true);
    }

    public override void TestStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logits = Forward(batch.Input);
        Log("test_loss", F.CrossEntropy(logits, batch.Target));
        _testAccuracy.Update(logits, batch.Target);
        Log("test_acc", _testAccuracy);
    }

    /// <summary>Class probabilities, (B, classes).</summary>
    public override Tensor PredictStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Forward(batch.Input).Softmax(-1);
    }
}
