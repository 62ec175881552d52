using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>The small CNN's training (<see cref="ImageClassifierModule"/>) with AdamW under one one-cycle schedule
/// over the whole run.</summary>
public sealed class FashionCnnModule(FashionCnnConfig config, int channels, int classes, int imageSize)
    : ImageClassifierModule(CnnModel.Create(Checked(config).Model, channels, classes, imageSize), channels, classes,
        config.Model.LabelSmoothing, config.Model.FlipTta && config.Data.Flip)
{
    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var opt = new AdamW(Parameters(), lr: config.Optim.Lr, weightDecay: config.Optim.WeightDecay);
        // One cycle over the whole run: warm up, then anneal to almost nothing by the last step.
        var total = (int)Math.Clamp(Trainer?.EstimatedTotalSteps ?? 1000, 2, int.MaxValue);
        return OptimizerConfig.One(opt, new OneCycleLR(opt, maxLr: config.Optim.Lr, totalSteps: total));
    }

    private static FashionCnnConfig Checked(FashionCnnConfig config) => config ?? throw new ArgumentNullException(nameof(config));
}
