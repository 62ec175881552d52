using MLRoadmap.Models;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Recipes.FashionCnn;
using MLRoadmap.Training;

namespace MLRoadmap.Recipes.FashionResnet;

/// <summary>A zoo ResNet (torchvision's keys, under <c>net.</c>) trained by SGD with Nesterov momentum under one
/// one-cycle schedule; the steps, normalisation and metrics are fashion-cnn's <see cref="ImageClassifierModule"/>.</summary>
public sealed class FashionResnetModule(FashionResnetConfig config, int channels, int classes)
    : ImageClassifierModule(CreateNet(config, channels, classes), channels, classes,
        config.Model.LabelSmoothing, config.Model.FlipTta && config.Data.Flip)
{
    private static ImageClassifier CreateNet(FashionResnetConfig config, int channels, int classes)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new ResNetOptions
        {
            InChannels = channels,
            NumClasses = classes,
            Width = config.Model.Width,
            SmallInputStem = config.Model.SmallInputStem,
            // Each residual block starts as the identity: the usual companion of a high one-cycle peak.
            ZeroInitResidual = true,
        };
        return (ImageClassifier)ModelRegistry.Create(config.Model.Arch, options);
    }

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        // No weight decay on batch-norm scales and biases (1-D tensors): decaying them only fights the normalisation.
        var decayed = Parameters().Where(p => p.Dim > 1).ToList();
        var rest = Parameters().Where(p => p.Dim <= 1).ToList();
        var opt = new SGD(
            [new ParamGroup(decayed), new ParamGroup(rest) { ["weight_decay"] = 0.0 }],
            lr: config.Optim.Lr, momentum: config.Model.Momentum, weightDecay: config.Optim.WeightDecay, nesterov: true);
        var total = (int)Math.Clamp(Trainer?.EstimatedTotalSteps ?? 1000, 2, int.MaxValue);
        return OptimizerConfig.One(opt, new OneCycleLR(opt, maxLr: config.Optim.Lr, totalSteps: total));
    }
}
