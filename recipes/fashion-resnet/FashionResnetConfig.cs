using MLRoadmap.Recipes.FashionCnn;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionResnet;

/// <summary>fashion-resnet's configuration: the common keys with this recipe's defaults, fashion-cnn's <c>data.*</c>
/// keys (<see cref="ImageData"/>) with heavier augmentation, and <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "30 epochs: a ResNet-18 with this much augmentation keeps improving to about 30 on Fashion-MNIST; seconds an epoch on a GPU")]
[Reason("optim.lr", "0.1: the usual peak for SGD with Nesterov momentum on batch-normalised ResNets at batch 128, here as a one-cycle peak")]
[Reason("optim.weight_decay", "5e-4: the usual L2 for CIFAR-style ResNets trained with SGD")]
[Reason("data.crop_padding", "2 pixels: random shifts of ±2 px, about the size of Fashion-MNIST's own misalignment")]
[Reason("data.erasing", "0.25: random erasing, which regularises a 11M-parameter network over 30 epochs")]
public sealed record FashionResnetConfig : RunConfig<ImageData, ResnetSettings>
{
    public FashionResnetConfig()
    {
        Trainer = Trainer with { MaxEpochs = 30 };
        Optim = Optim with { Lr = 0.1, WeightDecay = 5e-4 };
        Data = Data with { CropPadding = 2, Erasing = 0.25 };
    }
}

/// <summary>The <c>model.*</c> keys.</summary>
public sealed record ResnetSettings
{
    [Setting("resnet18: two basic blocks per stage, enough for 28 px images; resnet34 and resnet50 are deeper", OneOf = ["resnet18", "resnet34", "resnet50"])]
    public string Arch { get; init; } = "resnet18";

    [Setting("64: torchvision's widths (64, 128, 256, 512); 16 or 32 make a CPU-sized network with the same keys", Min = 4, Max = 256)]
    public int Width { get; init; } = 64;

    [Setting("true: a 3x3 stride-1 first convolution and no max pool, so 28 px images reach layer1 whole (CIFAR ResNets' stem)")]
    public bool SmallInputStem { get; init; } = true;

    [Setting("0.1 label smoothing: a small, consistent gain for CNNs on Fashion-MNIST", Min = 0, Max = 0.5)]
    public double LabelSmoothing { get; init; } = 0.1;

    [Setting("0.9: SGD momentum, with Nesterov's look-ahead", Min = 0, Max = 0.999)]
    public double Momentum { get; init; } = 0.9;

    [Setting("true: validation, test and predict average the logits of each image and its mirror image (only when data.flip trains with mirrors)")]
    public bool FlipTta { get; init; } = true;
}
