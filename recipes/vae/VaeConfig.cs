using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.Vae;

/// <summary>vae's configuration: the common keys with this recipe's defaults, plus <c>data.*</c>, <c>model.*</c> and
/// <c>samples.*</c> below.</summary>
[Reason("trainer.max_epochs", "10 epochs: the validation ELBO rises from −254 to −241.5 nats, by under a nat an epoch from the fifth (README table); about 9 CPU-minutes")]
[Reason("optim.lr", "1e-3: Adam's default; the VAE's summed-over-pixels loss is large but its gradients are well scaled for it")]
[Reason("optim.weight_decay", "0: the KL term already pulls the code towards the prior; decay on top only blurs the reconstructions")]
public sealed record VaeConfig : RunConfig<VaeData, VaeSettings>
{
    public VaeConfig()
    {
        Trainer = Trainer with { MaxEpochs = 10 };
        Optim = Optim with { Lr = 1e-3, WeightDecay = 0 };
    }

    public SampleSettings Samples { get; init; } = new();
}

/// <summary>The <c>data.*</c> keys: the images to model.</summary>
[Reason("batch_size", "128: 422 steps an epoch on Fashion-MNIST's 54,000 training images, a low-noise ELBO estimate per step")]
[Reason("path", "where Debian's dataset-fashion-mnist installs the four IDX files; an MNIST or CIFAR-10 binary folder works too")]
public sealed record VaeData : DataSettings
{
    public VaeData()
    {
        BatchSize = 128;
        Path = "/usr/share/datasets/fashion-mnist";
    }

    [Setting("auto: IDX files (MNIST, Fashion-MNIST) or CIFAR-10 binary, told apart by the file names", OneOf = ["auto", "idx", "cifar10"])]
    public string Format { get; init; } = "auto";

    [Setting("null: every image; a number keeps the first N of the training and test files (smoke tests)", Min = 1)]
    public int? Limit { get; init; }

    [Setting("0.1: 6,000 of Fashion-MNIST's 60,000 training images estimate the ELBO to a fraction of a nat", Min = 0.001, Max = 0.5)]
    public double ValFraction { get; init; } = 0.1;

    [Setting("a fixed split, independent of seed, so runs with different seeds are validated on the same images")]
    public ulong SplitSeed { get; init; }
}

/// <summary>The <c>model.*</c> keys: the zoo's ConvVae (models/MLRoadmap.Models/ConvVae.cs) and its loss.</summary>
public sealed record VaeSettings
{
    [Setting("16 latent dimensions: recognisable Fashion-MNIST samples, and a KL term that stays a small part of the ELBO", Min = 1, Max = 1024)]
    public int LatentDim { get; init; } = 16;

    [Setting("32 channels in the first convolution, 64 in the second: about a CPU-minute an epoch", Min = 4, Max = 512)]
    public int Width { get; init; } = 32;

    [Setting("1: the ELBO itself; other values weigh the KL term (β-VAE) and then the loss is not the negative ELBO, which is still what is reported", Min = 0)]
    public double Beta { get; init; } = 1.0;
}

/// <summary>The <c>samples.*</c> keys: the per-epoch sample grids.</summary>
public sealed record SampleSettings
{
    [Setting("a fixed seed for the grids' prior draws, independent of seed, so grids of different epochs and runs show the same codes")]
    public ulong NoiseSeed { get; init; } = 1234;
}
