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
