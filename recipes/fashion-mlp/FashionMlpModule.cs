using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.FashionMlp;

/// <summary>An MLP over raw Fashion-MNIST pixels: (B, 784) uint8 in, (B, 10) logits out. It normalises its input
/// itself, so training, evaluation and prediction all feed it the bytes of the files.</summary>
public sealed class FashionMlpModule : TrainingModule
{
    // Mean and standard deviation of the 60,000 training images' pixels scaled to [0, 1] (measured with numpy).
    private const double PixelMean = 0.2860406;
    private const double PixelStd = 0.3530242;
    private readonly Sequential _net;
    private readonly Accuracy _valAccuracy;
    private readonly Accuracy _testAccuracy;
    private readonly FashionMlpConfig _config;

    public FashionMlpModule(FashionMlpConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        var layers = new List<Module<Tensor, Tensor>>();
        var width = FashionMnist.Pixels;
        for (var i = 0; i < config.Model.Layers; i++)
        {
            layers.Add(new Linear(width, config.Model.Hidden));
            layers.Add(new ReLU());
            if (config.Model.Dropout > 0) layers.Add(new Dropout(config.Model.Dropout));
            width = config.Model.Hidden;
        }
        layers.Add(new Linear(width, FashionMnist.Classes.Count));
        _net = RegisterModule("net", new Sequential(layers));
        _valAccuracy = RegisterMetric("val_acc", new Accuracy(FashionMnist.Classes.Count));
        _testAccuracy = RegisterMetric("test_acc", new Accuracy(FashionMnist.Classes.Count));
    }

    /// <summary>(B, 784) pixels (uint8 or float in 0..255) → (B, 10) logits.</summary>
    public Tensor Forward(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        var x = pixels.To(ScalarType.Float32).Sub(PixelMean * 255).Div(PixelStd * 255);
        return _net.Forward(x);
    }

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers() =>
        OptimizerConfig.One(new AdamW(Parameters(), lr: _config.Optim.Lr, weightDecay: _config.Optim.WeightDecay));

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var loss = F.CrossEntropy(Forward(batch.Input), batch.Target);
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

    /// <summary>Class probabilities, (B, 10).</summary>
    public override Tensor PredictStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Forward(batch.Input).Softmax(-1);
    }
}
