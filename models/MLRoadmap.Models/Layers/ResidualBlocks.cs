using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Models.Layers;

/// <summary>
/// What ResNet's two blocks share: a residual branch added to the input (or to the input projected by
/// <see cref="Downsample"/> when the branch changes the shape), then ReLU. The convolutions have no bias: each is
/// followed by batch norm.
/// </summary>
public abstract class ResidualBlock : Module<Tensor, Tensor>
{
    /// <summary>Output channels per "planes": 1 for <see cref="BasicBlock"/>, 4 for <see cref="Bottleneck"/>.</summary>
    public abstract int Expansion { get; }

    /// <summary>The shortcut's 1x1 projection + batch norm (torchvision's <c>downsample</c>), or null for identity.</summary>
    public Sequential? Downsample => GetModule("downsample") as Sequential;

    /// <summary>The norm whose weight zero-init-residual sets to 0, so the block starts as the identity.</summary>
    public abstract BatchNorm2d LastBn { get; }

    /// <summary>The shortcut projection the first block of a stage needs when it strides or widens: a strided 1x1
    /// convolution and batch norm. Built before the block, as torchvision does, so seeded runs draw the same
    /// numbers; the block registers it after its own layers, where its state-dict keys go.</summary>
    public static Sequential? MakeDownsample(long inChannels, long outChannels, long stride) =>
        stride == 1 && inChannels == outChannels
            ? null
            : new Sequential(new Conv2d(inChannels, outChannels, 1, stride, bias: false), new BatchNorm2d(outChannels));

    private protected abstract Tensor Branch(Tensor x);

    public sealed override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Torch.NewDisposeScope();
        var output = Branch(input);                                  // (B, planes·expansion, H / stride, W / stride)
        var identity = Downsample?.Forward(input) ?? input;          // the same shape
        output.Add_(identity);
        return F.Relu(output, inplace: true).MoveToOuterScope();
    }
}

/// <summary>Two 3x3 convolutions (ResNet-18/34). Keys: conv1, bn1, conv2, bn2, downsample.0, downsample.1.</summary>
public sealed class BasicBlock : ResidualBlock
{
    public BasicBlock(long inChannels, long planes, long stride = 1, Sequential? downsample = null)
    {
        Conv1 = RegisterModule("conv1", new Conv2d(inChannels, planes, 3, stride, padding: 1, bias: false));
        Bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        Conv2 = RegisterModule("conv2", new Conv2d(planes, planes, 3, 1, padding: 1, bias: false));
        Bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        if (downsample is not null) RegisterModule("downsample", downsample);
    }

    public override int Expansion => 1;
    public Conv2d Conv1 { get; }
    public BatchNorm2d Bn1 { get; }
    public Conv2d Conv2 { get; }
    public BatchNorm2d Bn2 { get; }
    public override BatchNorm2d LastBn => Bn2;

    private protected override Tensor Branch(Tensor x)
    {
        var y = F.Relu(Bn1.Forward(Conv1.Forward(x)), inplace: true);   // (B, planes, H / stride, W / stride)
        return Bn2.Forward(Conv2.Forward(y));
    }
}

/// <summary>1x1 reduce, 3x3 (strided), 1x1 expand by 4 (ResNet-50 and deeper; the stride sits on the 3x3
/// convolution, torchvision's "ResNet v1.5"). Keys: conv1..conv3, bn1..bn3, downsample.0, downsample.1.</summary>
public sealed class Bottleneck : ResidualBlock
{
    public Bottleneck(long inChannels, long planes, long stride = 1, Sequential? downsample = null)
    {
        Conv1 = RegisterModule("conv1", new Conv2d(inChannels, planes, 1, bias: false));
        Bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        Conv2 = RegisterModule("conv2", new Conv2d(planes, planes, 3, stride, padding: 1, bias: false));
        Bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        Conv3 = RegisterModule("conv3", new Conv2d(planes, planes * 4, 1, bias: false));
        Bn3 = RegisterModule("bn3", new BatchNorm2d(planes * 4));
        if (downsample is not null) RegisterModule("downsample", downsample);
    }

    public override int Expansion => 4;
    public Conv2d Conv1 { get; }
    public BatchNorm2d Bn1 { get; }
    public Conv2d Conv2 { get; }
    public BatchNorm2d Bn2 { get; }
    public Conv2d Conv3 { get; }
    public BatchNorm2d Bn3 { get; }
    public override BatchNorm2d LastBn => Bn3;

    private protected override Tensor Branch(Tensor x)
    {
        var y = F.Relu(Bn1.Forward(Conv1.Forward(x)), inplace: true);   // (B, planes, H, W)
        y = F.Relu(Bn2.Forward(Conv2.Forward(y)), inplace: true);       // (B, planes, H / stride, W / stride)
        return Bn3.Forward(Conv3.Forward(y));                           // (B, 4·planes, H / stride, W / stride)
    }
}
