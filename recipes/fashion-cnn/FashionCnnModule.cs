using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>
/// The small CNN's training: uint8 images (B, C, H, W) in, logits (B, classes) out. The module normalises its input
/// itself with the training set's per-channel statistics, kept as buffers so checkpoints carry them: training,
/// evaluation and prediction all feed it raw pixels.
/// </summary>
public sealed class FashionCnnModule : TrainingModule
{
    private readonly SmallCnn _net;
    private readonly Accuracy _valAccuracy;
    private readonly Accuracy _testAccuracy;
    private readonly FashionCnnConfig _config;
    private readonly int _classes;

    public FashionCnnModule(FashionCnnConfig config, int channels, int classes, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _classes = classes;
        _net = RegisterModule("net", CnnModel.Create(config.Model, channels, classes, imageSize));
        RegisterBuffer("pixel_mean", Torch.Zeros([1, channels, 1, 1]));
        RegisterBuffer("pixel_std", Torch.Ones([1, channels, 1, 1]));
        _valAccuracy = RegisterMetric("val_acc", new Accuracy(classes));
        _testAccuracy = RegisterMetric("test_acc", new Accuracy(classes));
    }

    /// <summary>Sets the normalisation (per-channel mean and std of pixels in [0, 1]).</summary>
    public void SetStatistics(double[] mean, double[] std)
    {
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        var buffers = NamedBuffers().ToDictionary(b => b.Name, b => b.Buffer);
        buffers["pixel_mean"].Copy_(Torch.Tensor(mean.Select(m => (float)(m * 255)).ToArray()).Reshape(1, -1, 1, 1));
        buffers["pixel_std"].Copy_(Torch.Tensor(std.Select(s => (float)(s * 255)).ToArray()).Reshape(1, -1, 1, 1));
    }

    /// <summary>(B, C, H, W) pixels, uint8 or float in 0..255 → (B, classes) logits.</summary>
    public Tensor Forward(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        var buffers = NamedBuffers(recurse: false).ToDictionary(b => b.Name, b => b.Buffer);
        var x = pixels.To(ScalarType.Float32).Sub(buffers["pixel_mean"]).Div(buffers["pixel_std"]);
        return _net.Forward(x);
    }

    /// <summary>(B, C, H, W) pixels, uint8 or float in 0..255 → (B, <see cref="FeatureCount"/>): the last convolution
    /// block's channels averaged over the map, the pooled penultimate features (as Inception's pool3 is for FID) that
    /// the generative recipes measure Fréchet distances on.</summary>
    public Tensor Features(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var scope = Torch.NewDisposeScope();
        var buffers = NamedBuffers(recurse: false).ToDictionary(b => b.Name, b => b.Buffer);
        var x = pixels.To(ScalarType.Float32).Sub(buffers["pixel_mean"]).Div(buffers["pixel_std"]);
        return _net.ForwardFeatures(x).Mean([2, 3]).MoveToOuterScope();   // (B, F, h, w) → (B, F)
    }

    /// <summary>The length of <see cref="Features"/>' vectors (the last block's width).</summary>
    public int FeatureCount => (int)_net.NumFeatures;

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var opt = new AdamW(Parameters(), lr: _config.Optim.Lr, weightDecay: _config.Optim.WeightDecay);
        // One cycle over the whole run: warm up, then anneal to almost nothing by the last step.
        var total = (int)Math.Clamp(Trainer?.EstimatedTotalSteps ?? 1000, 2, int.MaxValue);
        return OptimizerConfig.One(opt, new OneCycleLR(opt, maxLr: _config.Optim.Lr, totalSteps: total));
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

    public int Classes => _classes;
}
