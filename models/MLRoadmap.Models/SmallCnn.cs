using MLRoadmap.Models.Layers;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="SmallCnn"/>.</summary>
public sealed record SmallCnnOptions : ClassifierOptions
{
    /// <summary>Fashion-MNIST's (and CIFAR-10's) 10 classes.</summary>
    public override int NumClasses { get; init; } = 10;

    /// <summary>Fashion-MNIST's one channel; 3 for CIFAR-10.</summary>
    public override int InChannels { get; init; } = 1;

    /// <summary>Fashion-MNIST's 28; the classifier's input size depends on it (32 for CIFAR-10).</summary>
    public int ImageSize { get; init; } = 28;

    /// <summary>One conv block per width, each block but the last followed by a 2x2 max pool: three blocks of 32,
    /// 64, 128 keep a CPU epoch of Fashion-MNIST to about half a minute.</summary>
    public IReadOnlyList<int> Widths { get; init; } = [32, 64, 128];

    /// <summary>Dropout before the classifier: the flattened features are wide (1152 at 28x28) and overfit
    /// within a few epochs without it.</summary>
    public double Dropout { get; init; } = 0.3;

    public override void Validate()
    {
        base.Validate();
        if (Widths is null || Widths.Count == 0 || Widths.Any(w => w < 1))
            throw Bad(nameof(Widths), Widths is null ? "null" : $"[{string.Join(", ", Widths)}]", "needs at least one positive width");
        if (ImageSize >> Widths.Count < 1)
            throw Bad(nameof(ImageSize), ImageSize, $"is too small for {Widths.Count} halvings");
        CheckProbability(nameof(Dropout), Dropout);
    }
}

/// <summary>
/// A small CNN for 28x28 or 32x32 images, cheap enough to train on a CPU: blocks of 3x3 convolution, batch norm and
/// ReLU with 2x2 max pooling between them (28 → 14 → 7), then a last max pool (7 → 3), dropout and one linear
/// layer over the flattened map. Keys: <c>features.0.0.weight</c> (first convolution), <c>features.1</c> (a pool),
/// …, <c>classifier.1</c> (the linear layer). PyTorch's default initialisation.
/// </summary>
public sealed class SmallCnn : ImageClassifier
{
    private readonly LayerSequence _classifier;

    public SmallCnn(SmallCnnOptions? options = null)
    {
        Options = options ?? new SmallCnnOptions();
        Options.Validate();
        var o = Options;
        var layers = new List<Module<Tensor, Tensor>>();
        long width = o.InChannels;
        for (var i = 0; i < o.Widths.Count; i++)
        {
            if (i > 0) layers.Add(new MaxPool2d(2));
            layers.Add(new ConvBnAct(width, o.Widths[i], new ReLU(inplace: true)));
            width = o.Widths[i];
        }
        Features = RegisterModule("features", new Sequential(layers));
        NumFeatures = width;
        var side = (long)o.ImageSize >> o.Widths.Count;   // after the pools between blocks and the head's pool
        _classifier = RegisterModule("classifier", new LayerSequence(new Dropout(o.Dropout), new Linear(width * side * side, o.NumClasses)));
    }

    public SmallCnnOptions Options { get; }
    public Sequential Features { get; }
    public override long NumFeatures { get; }
    public override string ClassifierName => "classifier.1";
    public override string FirstConvName => "features.0.0";

    public override Tensor ForwardFeatures(Tensor input) => Features.Forward(input);   // (B, 128, S/4, S/4)

    public override Tensor ForwardHead(Tensor features)
    {
        using var scope = Torch.NewDisposeScope();
        var pooled = F.MaxPool2d(features, 2).Flatten(1);                    // (B, 128·⌊S/8⌋²)
        return _classifier.Forward(pooled).MoveToOuterScope();               // (B, NumClasses)
    }

    private protected override void ReplaceClassifier(Linear head) => _classifier.Replace(1, head);
}
