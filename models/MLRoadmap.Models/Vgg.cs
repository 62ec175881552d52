using MLRoadmap.Models.Layers;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="Vgg"/>.</summary>
public sealed record VggOptions : ClassifierOptions
{
    /// <summary>ImageNet's 1000 classes, so torchvision's weights load as they are.</summary>
    public override int NumClasses { get; init; } = 1000;

    /// <summary>RGB; 1 builds features.0 for grayscale images and changes nothing else.</summary>
    public override int InChannels { get; init; } = 3;

    /// <summary>torchvision's 0.5 after each of the two 4096-wide hidden layers, which overfit without it.</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>torchvision's initialisation (He-normal convolutions, N(0, 0.01) linear layers, zero biases); false
    /// keeps PyTorch's per-layer defaults, as torchvision does when it loads pretrained weights anyway.</summary>
    public bool InitWeights { get; init; } = true;

    public override void Validate()
    {
        base.Validate();
        CheckProbability(nameof(Dropout), Dropout);
    }
}

/// <summary>
/// VGG (Simonyan and Zisserman, 2014) as torchvision builds it: <c>features</c> is a flat sequence of 3x3
/// convolutions (each followed by batch norm in the _bn variants) with ReLU, and 2x2 max pools, so its keys are
/// <c>features.N</c> with N counting every layer; then adaptive average pooling to 7x7 and
/// <c>classifier.0/3/6</c>, three linear layers with ReLU and dropout between. Same initialisation as torchvision,
/// so seeded weights match it bit for bit. Inputs need at least 32x32 (five halvings).
/// </summary>
public sealed class Vgg : ImageClassifier
{
    /// <summary>Configuration "A": 8 convolutions (VGG-11). Numbers are widths, 0 is a max pool.</summary>
    public static readonly IReadOnlyList<int> Vgg11Layers = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0];

    /// <summary>Configuration "D": 13 convolutions (VGG-16).</summary>
    public static readonly IReadOnlyList<int> Vgg16Layers =
        [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    private readonly LayerSequence _classifier;

    public Vgg(IReadOnlyList<int> layers, bool batchNorm, VggOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0 || layers.Any(w => w < 0) || layers[0] == 0)
            throw new ArgumentException("VGG layers are widths (> 0) and max pools (0), starting with a convolution", nameof(layers));
        Options = options ?? new VggOptions();
        Options.Validate();
        BatchNorm = batchNorm;

        Features = RegisterModule("features", MakeFeatures(layers, batchNorm, Options.InChannels, out var width));
        NumFeatures = width;
        RegisterModule("avgpool", new AdaptiveAvgPool2d((7, 7)));
        _classifier = RegisterModule("classifier", new LayerSequence(
            new Linear(width * 7 * 7, 4096), new ReLU(inplace: true), new Dropout(Options.Dropout),
            new Linear(4096, 4096), new ReLU(inplace: true), new Dropout(Options.Dropout),
            new Linear(4096, Options.NumClasses)));
        if (Options.InitWeights) Initialise();
    }

    public static Vgg Vgg11(VggOptions? options = null) => new(Vgg11Layers, false, options);

    public static Vgg Vgg11Bn(VggOptions? options = null) => new(Vgg11Layers, true, options);

    public static Vgg Vgg16(VggOptions? options = null) => new(Vgg16Layers, false, options);

    public static Vgg Vgg16Bn(VggOptions? options = null) => new(Vgg16Layers, true, options);

    public VggOptions Options { get; }
    public bool BatchNorm { get; }
    public Sequential Features { get; }
    public override long NumFeatures { get; }
    public override string ClassifierName => "classifier.6";
    public override string FirstConvName => "features.0";

    private static Sequential MakeFeatures(IReadOnlyList<int> layers, bool batchNorm, long inChannels, out long width)
    {
        var list = new List<Module<Tensor, Tensor>>();
        width = inChannels;
        foreach (var w in layers)
        {
            if (w == 0)
            {
                list.Add(new MaxPool2d(2, 2));
                continue;
            }
            list.Add(new Conv2d(width, w, 3, padding: 1));
            if (batchNorm) list.Add(new BatchNorm2d(w));
            list.Add(new ReLU(inplace: true));
            width = w;
        }
        return new Sequential(list);
    }

    private void Initialise()
    {
        foreach (var module in Modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    Init.KaimingNormal_(conv.Weight, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu);
                    if (conv.Bias is { } b) Init.Zeros_(b);
                    break;
                case BatchNorm2d bn:
                    Init.Ones_(bn.Weight!);
                    Init.Zeros_(bn.Bias!);
                    break;
                case Linear linear:
                    Init.Normal_(linear.Weight, 0, 0.01);
                    Init.Zeros_(linear.Bias!);
                    break;
            }
        }
    }

    public override Tensor ForwardFeatures(Tensor input) => Features.Forward(input);   // (B, 512, H/32, W/32)

    public override Tensor ForwardHead(Tensor features)
    {
        using var scope = Torch.NewDisposeScope();
        var pooled = F.AdaptiveAvgPool2d(features, (7, 7)).Flatten(1);     // (B, 512·7·7)
        return _classifier.Forward(pooled).MoveToOuterScope();               // (B, NumClasses)
    }

    private protected override void ReplaceClassifier(Linear head) => _classifier.Replace(6, head);
}
