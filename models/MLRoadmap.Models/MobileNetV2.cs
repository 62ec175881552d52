using MLRoadmap.Models.Layers;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="MobileNetV2"/>.</summary>
public sealed record MobileNetV2Options : ClassifierOptions
{
    /// <summary>ImageNet's 1000 classes, so torchvision's weights load as they are.</summary>
    public override int NumClasses { get; init; } = 1000;

    /// <summary>RGB; 1 builds features.0.0 for grayscale images and changes nothing else.</summary>
    public override int InChannels { get; init; } = 3;

    /// <summary>1.0 is the paper's network; smaller widths trade accuracy for speed (every width is rounded to a
    /// multiple of <see cref="RoundNearest"/>).</summary>
    public double WidthMult { get; init; } = 1.0;

    /// <summary>Channel counts are multiples of 8, which vectorised kernels like (torchvision's default).</summary>
    public int RoundNearest { get; init; } = 8;

    /// <summary>torchvision's 0.2 before the classifier.</summary>
    public double Dropout { get; init; } = 0.2;

    public override void Validate()
    {
        base.Validate();
        if (WidthMult <= 0 || !double.IsFinite(WidthMult)) throw Bad(nameof(WidthMult), WidthMult, "must be positive");
        if (RoundNearest < 1) throw Bad(nameof(RoundNearest), RoundNearest, "must be at least 1");
        CheckProbability(nameof(Dropout), Dropout);
    }
}

/// <summary>
/// MobileNetV2 (Sandler et al., 2018) as torchvision builds it: <c>features.0</c> is a stride-2 3x3
/// convolution + BN + ReLU6 (keys <c>features.0.0.weight</c>, <c>features.0.1.*</c>), <c>features.1</c> to
/// <c>features.17</c> are <see cref="InvertedResidual"/> blocks, <c>features.18</c> a 1x1 convolution to 1280
/// channels; then global average pooling and <c>classifier.1</c> (after dropout, <c>classifier.0</c>). Same
/// initialisation as torchvision, so seeded weights match it bit for bit.
/// </summary>
public sealed class MobileNetV2 : ImageClassifier
{
    // (expansion t, width c, blocks n, first stride s) per stage, from the paper's Table 2.
    private static readonly (int T, int C, int N, int S)[] Stages =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    private readonly LayerSequence _classifier;

    public MobileNetV2(MobileNetV2Options? options = null)
    {
        Options = options ?? new MobileNetV2Options();
        Options.Validate();
        var o = Options;
        long width = MakeDivisible(32 * o.WidthMult, o.RoundNearest);
        var lastWidth = MakeDivisible(1280 * Math.Max(1.0, o.WidthMult), o.RoundNearest);

        var layers = new List<Module<Tensor, Tensor>> { new ConvBnAct(o.InChannels, width, new ReLU6(inplace: true), stride: 2) };
        foreach (var (t, c, n, s) in Stages)
        {
            long outWidth = MakeDivisible(c * o.WidthMult, o.RoundNearest);
            for (var i = 0; i < n; i++)
            {
                layers.Add(new InvertedResidual(width, outWidth, i == 0 ? s : 1, t));
                width = outWidth;
            }
        }
        layers.Add(new ConvBnAct(width, lastWidth, new ReLU6(inplace: true), kernelSize: 1));
        Features = RegisterModule("features", new Sequential(layers));
        NumFeatures = lastWidth;
        _classifier = RegisterModule("classifier", new LayerSequence(new Dropout(o.Dropout), new Linear(lastWidth, o.NumClasses)));
        Initialise();
    }

    public MobileNetV2Options Options { get; }
    public Sequential Features { get; }
    public override long NumFeatures { get; }
    public override string ClassifierName => "classifier.1";
    public override string FirstConvName => "features.0.0";

    /// <summary>The nearest multiple of <paramref name="divisor"/> to <paramref name="value"/> (halves round up), at
    /// least the divisor, and never more than 10% below the value (the TensorFlow reference's rule).</summary>
    public static int MakeDivisible(double value, int divisor)
    {
        var rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }

    // torchvision's: He-normal (fan-out) convolutions, batch norm at 1 and 0, N(0, 0.01) for the classifier.
    private void Initialise()
    {
        foreach (var module in Modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    Init.KaimingNormal_(conv.Weight, mode: FanMode.FanOut);
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

    public override Tensor ForwardFeatures(Tensor input) => Features.Forward(input);   // (B, 1280, H/32, W/32)

    public override Tensor ForwardHead(Tensor features)
    {
        using var scope = Torch.NewDisposeScope();
        var pooled = F.AdaptiveAvgPool2d(features, 1).Flatten(1);           // (B, 1280)
        return _classifier.Forward(pooled).MoveToOuterScope();               // (B, NumClasses)
    }

    private protected override void ReplaceClassifier(Linear head) => _classifier.Replace(1, head);
}
