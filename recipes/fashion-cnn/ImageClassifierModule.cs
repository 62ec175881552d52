using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>
/// Training an image classifier: uint8 images (B, C, H, W) in, logits (B, classes) out. The module normalises its
/// input itself with the training set's per-channel statistics, kept as buffers so checkpoints carry them: training,
/// evaluation and prediction all feed it raw pixels. Subclasses choose the optimizer (fashion-cnn's AdamW,
/// fashion-resnet's SGD); the network, the steps and the metrics are here. State-dict keys: <c>net.*</c> (the zoo
/// model's own keys under "net."), <c>pixel_mean</c>, <c>pixel_std</c>.
/// </summary>
public abstract class ImageClassifierModule : TrainingModule
{
    private readonly ImageClassifier _net;
    private readonly Accuracy _valAccuracy;
    private readonly Accuracy _testAccuracy;
    private readonly double _labelSmoothing;
    private readonly bool _flipTta;

    /// <param name="net">The classifier, (B, C, H, W) normalised images → (B, classes) logits.</param>
    /// <param name="labelSmoothing">Cross-entropy's label smoothing in training (validation and test use none).</param>
    /// <param name="flipTta">Whether evaluation averages the logits of each image and its mirror image.</param>
    protected ImageClassifierModule(ImageClassifier net, int channels, int classes, double labelSmoothing, bool flipTta)
    {
        _net = RegisterModule("net", net);
        Classes = classes;
        _labelSmoothing = labelSmoothing;
        _flipTta = flipTta;
        RegisterBuffer("pixel_mean", Torch.Zeros([1, channels, 1, 1]));
        RegisterBuffer("pixel_std", Torch.Ones([1, channels, 1, 1]));
        _valAccuracy = RegisterMetric("val_acc", new Accuracy(classes));
        _testAccuracy = RegisterMetric("test_acc", new Accuracy(classes));
    }

    public int Classes { get; }

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
    public Tensor Forward(Tensor pixels) => _net.Forward(Normalise(pixels));

    /// <summary>(B, C, H, W) pixels, uint8 or float in 0..255 → (B, <see cref="FeatureCount"/>): the last convolution
    /// block's channels averaged over the map, the pooled penultimate features (as Inception's pool3 is for FID) that
    /// the generative recipes measure Fréchet distances on.</summary>
    public Tensor Features(Tensor pixels)
    {
        using var scope = Torch.NewDisposeScope();
        return _net.ForwardFeatures(Normalise(pixels)).Mean([2, 3]).MoveToOuterScope();   // (B, F, h, w) → (B, F)
    }

    /// <summary>The length of <see cref="Features"/>' vectors (the last block's width).</summary>
    public int FeatureCount => (int)_net.NumFeatures;

    private Tensor Normalise(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        var buffers = NamedBuffers(recurse: false).ToDictionary(b => b.Name, b => b.Buffer);
        return pixels.To(ScalarType.Float32).Sub(buffers["pixel_mean"]).Div(buffers["pixel_std"]);
    }

    /// <summary>Logits for evaluation: with flip TTA, the mean of the logits of each image and its mirror image, the
    /// test-time augmentation airbench uses.</summary>
    public Tensor Evaluate(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (!_flipTta) return Forward(pixels);
        using var scope = Torch.NewDisposeScope();
        var mirrored = pixels.Flip(3);                                      // (B, C, H, W), W reversed
        return Forward(pixels).Add(Forward(mirrored)).Mul(0.5).MoveToOuterScope();
    }

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var loss = F.CrossEntropy(Forward(batch.Input), batch.Target, labelSmoothing: _labelSmoothing);
        Log("train_loss", loss, progressBar: true);
        return loss;
    }

    public override void ValidationStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logits = Evaluate(batch.Input);
        Log("val_loss", F.CrossEntropy(logits, batch.Target));
        _valAccuracy.Update(logits, batch.Target);
        Log("val_acc", _valAccuracy, progressBar: true);
    }

    public override void TestStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logits = Evaluate(batch.Input);
        Log("test_loss", F.CrossEntropy(logits, batch.Target));
        _testAccuracy.Update(logits, batch.Target);
        Log("test_acc", _testAccuracy);
    }

    /// <summary>Class probabilities, (B, classes).</summary>
    public override Tensor PredictStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Evaluate(batch.Input).Softmax(-1);
    }
}
