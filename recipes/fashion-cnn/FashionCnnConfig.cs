using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>fashion-cnn's configuration: the common keys with this recipe's defaults, plus <c>data.*</c> and
/// <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "6 epochs: SmallCnn passed 91.5% after 5 and 92.3% after 6 epochs of a one-cycle run at about 45 s an epoch on two CPU cores (models/README.md), inside the 5-minute budget")]
[Reason("optim.lr", "3e-3: the one-cycle peak for AdamW on this small CNN; `mlroadmap lr-find fashion-cnn` checks it")]
public sealed record FashionCnnConfig : RunConfig<ImageData, CnnSettings>
{
    public FashionCnnConfig()
    {
        Trainer = Trainer with { MaxEpochs = 6 };
        Optim = Optim with { Lr = 3e-3 };
    }
}

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

    [Setting("2 pixels of random-crop padding: shifts of ±2 px are the augmentation that helps small CNNs most here; 0 turns it off", Min = 0, Max = 16)]
    public int CropPadding { get; init; } = 2;

    [Setting("true: mirrored clothes are still the same class (and CIFAR's objects too); set false for digits")]
    public bool Flip { get; init; } = true;

    [Setting("0: random erasing off; 0.25 helps longer runs more than 8-epoch ones", Min = 0, Max = 1)]
    public double Erasing { get; init; }
}

/// <summary>The <c>model.*</c> keys.</summary>
public sealed record CnnSettings
{
    [Setting("32 channels in the first block, doubling per block (32, 64, 128): the zoo's small_cnn, 92% in minutes on a CPU", Min = 4, Max = 256)]
    public int Width { get; init; } = 32;

    [Setting("0.25 before the classifier: enough to keep 8 epochs from overfitting the 54,000 training images", Min = 0, Max = 0.9)]
    public double Dropout { get; init; } = 0.25;

    [Setting("0.1 label smoothing: a small, consistent gain for CNNs on Fashion-MNIST", Min = 0, Max = 0.5)]
    public double LabelSmoothing { get; init; } = 0.1;

    [Setting("true: validation, test and predict average the logits of each image and its mirror image (only when data.flip trains with mirrors)")]
    public bool FlipTta { get; init; } = true;
}
