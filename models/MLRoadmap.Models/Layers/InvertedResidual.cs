using MLRoadmap.NN;

namespace MLRoadmap.Models.Layers;

/// <summary>
/// MobileNetV2's block: a 1x1 expansion by <c>expandRatio</c> (skipped when it is 1), a 3x3 depthwise convolution
/// (the stride), then a linear 1x1 projection with no activation, since ReLU on the narrow output would destroy
/// information. The input is added back when the shape is unchanged. Keys as torchvision's: <c>conv.0.0.weight</c>
/// (expansion), <c>conv.1.0.weight</c> (depthwise), <c>conv.2.weight</c> (projection), <c>conv.3.*</c> (its norm),
/// one index lower throughout without the expansion.
/// </summary>
public sealed class InvertedResidual : Module<Tensor, Tensor>
{
    public InvertedResidual(long inChannels, long outChannels, long stride, int expandRatio)
    {
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be 1 or 2");
        ArgumentOutOfRangeException.ThrowIfLessThan(expandRatio, 1);
        var hidden = inChannels * expandRatio;
        UsesResidual = stride == 1 && inChannels == outChannels;
        var layers = new List<Module<Tensor, Tensor>>();
        if (expandRatio != 1) layers.Add(new ConvBnAct(inChannels, hidden, new ReLU6(inplace: true), kernelSize: 1));
        layers.Add(new ConvBnAct(hidden, hidden, new ReLU6(inplace: true), stride: stride, groups: hidden));
        layers.Add(new Conv2d(hidden, outChannels, 1, bias: false));
        layers.Add(new BatchNorm2d(outChannels));
        Conv = RegisterModule("conv", new Sequential(layers));
        OutChannels = outChannels;
    }

    public Sequential Conv { get; }

    public long OutChannels { get; }

    /// <summary>True when stride is 1 and the channels are unchanged: the block's input is added to its output.</summary>
    public bool UsesResidual { get; }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!UsesResidual) return Conv.Forward(input);               // (B, C_out, H / stride, W / stride)
        using var scope = Torch.NewDisposeScope();
        return Conv.Forward(input).Add_(input).MoveToOuterScope();    // (B, C, H, W)
    }
}
