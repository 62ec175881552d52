using MLRoadmap.Models.Layers;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="ResNet"/>.</summary>
public sealed record ResNetOptions : ClassifierOptions
{
    /// <summary>ImageNet's 1000 classes, so torchvision's weights load as they are.</summary>
    public override int NumClasses { get; init; } = 1000;

    /// <summary>RGB; 1 builds conv1 for grayscale images and changes nothing else.</summary>
    public override int InChannels { get; init; } = 3;

    /// <summary>torchvision's default, false; true zeroes each block's last batch-norm weight so every residual block
    /// starts as the identity, which helps large-batch training (Goyal et al., 2017).</summary>
    public bool ZeroInitResidual { get; init; }

    /// <summary>torchvision's false: conv1 is 7x7 stride 2 and a max pool follows (/4), made for 224 px. True makes
    /// conv1 3x3 stride 1 with no max pool, as CIFAR ResNets do, so 28–32 px images keep their resolution into
    /// layer1 (/8 at the end rather than /32). Keys are unchanged; conv1's shape is not, so ImageNet weights load
    /// into it only with conv1 excluded.</summary>
    public bool SmallInputStem { get; init; }

    /// <summary>torchvision's 64: the planes of layer1, doubled by each later stage (64, 128, 256, 512). Smaller
    /// widths (16, 32) make CPU-sized ResNets with the same keys; compute falls with the square.</summary>
    public int Width { get; init; } = 64;

    public override void Validate()
    {
        base.Validate();
        if (Width < 1) throw Bad(nameof(Width), Width, "must be at least 1");
    }
}

/// <summary>Which residual block a ResNet stacks.</summary>
public enum ResNetBlock
{
    /// <summary>Two 3x3 convolutions (ResNet-18, -34).</summary>
    Basic,

    /// <summary>1x1, 3x3, 1x1 with 4x expansion (ResNet-50 and deeper).</summary>
    Bottleneck,
}

/// <summary>
/// ResNet (He et al., 2015) as torchvision builds it: same modules, same state-dict keys (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1.0.conv1</c>, <c>layer2.0.downsample.0</c>, <c>fc</c>), same initialisation, so after the same
/// <c>torch.manual_seed</c> the weights are torchvision's bit for bit, and torchvision's checkpoints load as they are.
/// </summary>
/// <remarks>A 7x7 stride-2 stem and a stride-2 max pool (/4), then four stages of residual blocks at 64, 128,
/// 256, 512 "planes", each stage after the first halving the resolution (/32 in all), then global average pooling
/// and one linear layer. Any input size works (the pooling is adaptive); from 32x32 down, the last stage sees 1x1
/// maps.</remarks>
public sealed class ResNet : ImageClassifier
{
    public ResNet(ResNetBlock block, IReadOnlyList<int> blocksPerStage, ResNetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(blocksPerStage);
        if (blocksPerStage.Count != 4 || blocksPerStage.Any(n => n < 1))
            throw new ArgumentException($"a ResNet has 4 stages of at least one block each, got [{string.Join(", ", blocksPerStage)}]",
                nameof(blocksPerStage));
        Options = options ?? new ResNetOptions();
        Options.Validate();
        Block = block;

        long w = Options.Width;
        Conv1 = RegisterModule("conv1", Options.SmallInputStem
            ? new Conv2d(Options.InChannels, w, 3, 1, padding: 1, bias: false)
            : new Conv2d(Options.InChannels, w, 7, 2, padding: 3, bias: false));
        Bn1 = RegisterModule("bn1", new BatchNorm2d(w));
        _maxPool = Options.SmallInputStem ? null : RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        var channels = w;
        Stages =
        [
            RegisterModule("layer1", MakeStage(ref channels, w, blocksPerStage[0], 1)),
            RegisterModule("layer2", MakeStage(ref channels, 2 * w, blocksPerStage[1], 2)),
            RegisterModule("layer3", MakeStage(ref channels, 4 * w, blocksPerStage[2], 2)),
            RegisterModule("layer4", MakeStage(ref channels, 8 * w, blocksPerStage[3], 2)),
        ];
        NumFeatures = channels;
        RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        RegisterModule("fc", new Linear(channels, Options.NumClasses));
        Initialise();
    }

    public static ResNet ResNet18(ResNetOptions? options = null) => new(ResNetBlock.Basic, [2, 2, 2, 2], options);

    public static ResNet ResNet34(ResNetOptions? options = null) => new(ResNetBlock.Basic, [3, 4, 6, 3], options);

    public static ResNet ResNet50(ResNetOptions? options = null) => new(ResNetBlock.Bottleneck, [3, 4, 6, 3], options);

    private readonly MaxPool2d? _maxPool;

    public ResNetOptions Options { get; }
    public ResNetBlock Block { get; }
    public Conv2d Conv1 { get; }
    public BatchNorm2d Bn1 { get; }

    /// <summary>layer1..layer4.</summary>
    public IReadOnlyList<Sequential> Stages { get; }

    public override long NumFeatures { get; }
    public override string ClassifierName => "fc";
    public override string FirstConvName => "conv1";

    private Sequential MakeStage(ref long channels, long planes, int blocks, long stride)
    {
        var expansion = Block == ResNetBlock.Basic ? 1 : 4;
        var layers = new List<Module<Tensor, Tensor>>();
        for (var i = 0; i < blocks; i++)
        {
            var s = i == 0 ? stride : 1;
            var downsample = i == 0 ? ResidualBlock.MakeDownsample(channels, planes * expansion, s) : null;
            layers.Add(Block == ResNetBlock.Basic
                ? new BasicBlock(channels, planes, s, downsample)
                : new Bottleneck(channels, planes, s, downsample));
            channels = planes * expansion;
        }
        return new Sequential(layers);
    }

    // torchvision's: He-normal convolutions for ReLU (fan-out), batch norm at 1 and 0; fc keeps nn.Linear's default.
    private void Initialise()
    {
        foreach (var module in Modules())
        {
            if (module is Conv2d conv) Init.KaimingNormal_(conv.Weight, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu);
            else if (module is BatchNorm2d bn)
            {
                Init.Ones_(bn.Weight!);
                Init.Zeros_(bn.Bias!);
            }
        }
        if (!Options.ZeroInitResidual) return;
        foreach (var module in Modules())
            if (module is ResidualBlock block) Init.Zeros_(block.LastBn.Weight!);
    }

    public override Tensor ForwardFeatures(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var x = F.Relu(Bn1.Forward(Conv1.Forward(input)), inplace: true);   // (B, W, H/2, W/2); small stem: (B, W, H, W)
        if (_maxPool is not null) x = _maxPool.Forward(x);                   // (B, W, H/4, W/4)
        foreach (var stage in Stages) x = stage.Forward(x);                  // ... (B, 8W·expansion, H/32, W/32); small stem H/8
        return x.MoveToOuterScope();
    }

    public override Tensor ForwardHead(Tensor features)
    {
        using var scope = Torch.NewDisposeScope();
        var pooled = F.AdaptiveAvgPool2d(features, 1).Flatten(1);           // (B, NumFeatures)
        return Classifier.Forward(pooled).MoveToOuterScope();                // (B, NumClasses)
    }

    private protected override void ReplaceClassifier(Linear head) => RegisterModule("fc", head);
}
