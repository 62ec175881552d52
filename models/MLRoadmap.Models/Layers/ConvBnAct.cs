using MLRoadmap.NN;

namespace MLRoadmap.Models.Layers;

/// <summary>
/// Convolution, batch norm, activation: torchvision's <c>Conv2dNormActivation</c>, with its state-dict keys
/// (<c>0.weight</c> for the convolution, <c>1.weight</c>, <c>1.running_mean</c>, … for the norm). The convolution
/// has no bias, since the norm's shift replaces it, and "same" padding for odd kernels at stride 1. The activation
/// (e.g. <c>new ReLU(inplace: true)</c>) is child "2"; null leaves it out.
/// </summary>
public sealed class ConvBnAct : Module<Tensor, Tensor>
{
    public ConvBnAct(long inChannels, long outChannels, Module<Tensor, Tensor>? activation, long kernelSize = 3,
        long stride = 1, long groups = 1)
    {
        Conv = RegisterModule("0", new Conv2d(inChannels, outChannels, kernelSize, stride, padding: (kernelSize - 1) / 2,
            groups: groups, bias: false));
        Bn = RegisterModule("1", new BatchNorm2d(outChannels));
        Activation = activation is null ? null : RegisterModule("2", activation);
    }

    public Conv2d Conv { get; }

    public BatchNorm2d Bn { get; }

    public Module<Tensor, Tensor>? Activation { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var x = Bn.Forward(Conv.Forward(input));      // (B, C_out, H / stride, W / stride)
        if (Activation is not null) x = Activation.Forward(x);
        return x.MoveToOuterScope();
    }
}
