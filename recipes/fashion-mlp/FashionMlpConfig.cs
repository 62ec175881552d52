using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionMlp;

/// <summary>fashion-mlp's configuration: the common keys with this recipe's defaults, plus <c>data.*</c> and
/// <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "5 epochs: 15 s on two CPU cores for 87-88% test accuracy; 10 add a point for twice the time (README)")]
public sealed record FashionMlpConfig : RunConfig<FashionData, MlpSettings>
{
    public FashionMlpConfig() => Trainer = Trainer with { MaxEpochs = 5 };
}

/// <summary>The <c>data.*</c> keys of fashion-mlp.</summary>
[Reason("batch_size", "128: 422 steps an epoch, frequent updates for the MLP, and batches big enough to keep two cores busy")]
[Reason("path", "where Debian's dataset-fashion-mnist installs the four IDX files")]
public sealed record FashionData : DataSettings
{
    public FashionData()
    {
        BatchSize = 128;
        Path = "/usr/share/datasets/fashion-mnist";
    }

    [Setting("null: all 60,000 training and 10,000 test images; a number keeps the first N of each (smoke tests)", Min = 1)]
    public int? Limit { get; init; }

    [Setting("0.1: 6,000 of the 60,000 training images rank checkpoints to about ±0.4 points of accuracy", Min = 0.001, Max = 0.5)]
    public double ValFraction { get; init; } = 0.1;

    [Setting("a fixed split, independent of seed, so runs with different seeds are validated on the same images")]
    public ulong SplitSeed { get; init; }
}

/// <summary>The <c>model.*</c> keys: an MLP 784 → hidden × layers → 10.</summary>
public sealed record MlpSettings
{
    [Setting("256 units: 512 gained nothing in 5 epochs and took twice the time (README)", Min = 1)]
    public int Hidden { get; init; } = 256;

    [Setting("2 hidden layers, the classic MLP; 1 is as accurate in 5 epochs and 40% faster (README)", Min = 1, Max = 16)]
    public int Layers { get; init; } = 2;

    [Setting("0.1: light dropout; 5 epochs are too few to overfit much", Min = 0, Max = 0.95)]
    public double Dropout { get; init; } = 0.1;
}
