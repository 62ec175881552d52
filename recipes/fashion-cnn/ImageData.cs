using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>The <c>data.*</c> keys: where the images are and how they are augmented.</summary>
[Reason("batch_size", "128: 422 steps an epoch on Fashion-MNIST; large enough for two cores, small enough for BN noise to regularise")]
[Reason("path", "where Debian's dataset-fashion-mnist installs the four IDX files; an MNIST or CIFAR-10 binary folder works too")]
public sealed record ImageData : DataSettings
{
    public ImageData()
    {
        BatchSize = 128;
        Path = "/usr/share/datasets/fashion-mnist";
    }

    [Setting("auto: IDX files (MNIST, Fashion-MNIST) or CIFAR-10 binary, told apart by the file names", OneOf = ["auto", "idx", "cifar10"])]
    public string Format { get; init; } = "auto";

    [Setting("null: every image; a number keeps the first N of the training and test files (smoke tests)", Min = 1)]
    public int? Limit { get; init; }

    [Setting("0.1: 6,000 of Fashion-MNIST's 60,000 training images rank checkpoints to about ±0.4 points", Min = 0.001, Max = 0.5)]
    public double ValFraction { get; init; } = 0.1;

    [Setting("a fixed split, independent of seed, so runs with different seeds are validated on the same images")]
    public ulong SplitSeed { get; init; }

    [Setting("0: no random crop; in fashion-cnn's 6 epochs, ±2 px shifts cost a point of test accuracy (91.3% vs 92.4%); longer runs (fashion-resnet) want them", Min = 0, Max = 16)]
    public int CropPadding { get; init; }

    [Setting("true: mirrored clothes are still the same class (and CIFAR's objects too); set false for digits")]
    public bool Flip { get; init; } = true;

    [Setting("0: random erasing off; it helps long runs (fashion-resnet's 30 epochs) more than short ones", Min = 0, Max = 1)]
    public double Erasing { get; init; }
}
