using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.Dcgan;

/// <summary>dcgan's configuration: the common keys with this recipe's defaults, plus <c>data.*</c>, <c>model.*</c>,
/// <c>gan.*</c> and <c>fid.*</c> below.</summary>
[Reason("trainer.max_epochs", "5 epochs: FID falls from 1.43 to 0.13 (README table), about 10 CPU-minutes, 5 on two idle cores; it is still falling, so more epochs help")]
[Reason("optim.lr", "2e-4: the DCGAN paper's Adam learning rate, for both networks")]
[Reason("optim.weight_decay", "0: the DCGAN paper's Adam has none")]
public sealed record DcganConfig : RunConfig<GanData, DcganSettings>
{
    public DcganConfig()
    {
        Trainer = Trainer with { MaxEpochs = 5 };
        Optim = Optim with { Lr = 2e-4, WeightDecay = 0 };
    }

    public GanSettings Gan { get; init; } = new();

    public FidSettings Fid { get; init; } = new();
}

/// <summary>The <c>data.*</c> keys: the images to imitate.</summary>
[Reason("batch_size", "128: the DCGAN paper's mini-batch; 469 steps an epoch on Fashion-MNIST")]
[Reason("path", "where Debian's dataset-fashion-mnist installs the four IDX files; an MNIST or CIFAR-10 binary folder works too")]
public sealed record GanData : DataSettings
{
    public GanData()
    {
        BatchSize = 128;
        Path = "/usr/share/datasets/fashion-mnist";
    }

    [Setting("auto: IDX files (MNIST, Fashion-MNIST) or CIFAR-10 binary, told apart by the file names", OneOf = ["auto", "idx", "cifar10"])]
    public string Format { get; init; } = "auto";

    [Setting("null: every training image; a number keeps the first N (smoke tests)", Min = 1)]
    public int? Limit { get; init; }
}

/// <summary>The <c>model.*</c> keys: the zoo's DCGAN pair (models/MLRoadmap.Models/Dcgan.cs).</summary>
public sealed record DcganSettings
{
    [Setting("100: the paper's noise vector z", Min = 1, Max = 4096)]
    public int LatentDim { get; init; } = 100;

    [Setting("32 channels before the output (64 at 7x7, doubling towards z): half the paper's 64, a quarter of the compute, about two CPU-minutes an epoch", Min = 4, Max = 512)]
    public int GeneratorWidth { get; init; } = 32;

    [Setting("32 channels in the first layer, doubling: half the paper's 64, matched to the generator so neither overpowers the other", Min = 4, Max = 512)]
    public int DiscriminatorWidth { get; init; } = 32;
}

/// <summary>The <c>gan.*</c> keys: the adversarial training.</summary>
public sealed record GanSettings
{
    [Setting("0.5: the paper's Adam β1; the default 0.9 lets the two players' momentum oscillate", Min = 0, Max = 0.999)]
    public double Beta1 { get; init; } = 0.5;
}

/// <summary>The <c>fid.*</c> keys: the Fréchet distance reported after each epoch, between features of real test
/// images and of as many generated from fixed noise, taken by a trained fashion-cnn.</summary>
public sealed record FidSettings
{
    [Setting("auto: the newest runs/fashion-cnn-* trained on data.path, else a 1-epoch fashion-cnn trained once and cached under .cache/fid; or a fashion-cnn run directory or checkpoint")]
    public string Classifier { get; init; } = "auto";

    [Setting("2000 real test images and 2000 generated: per-epoch changes stand out of the sampling noise in about a second; FID falls with more samples, so compare runs at one value", Min = 2, Max = 60000)]
    public int Samples { get; init; } = 2000;

    [Setting("a fixed seed for the generated half, independent of seed, so every epoch and every run is measured on the same noise")]
    public ulong NoiseSeed { get; init; } = 1234;

    [Setting("1 epoch for the cached classifier that auto trains: 88% validation accuracy in about a CPU-minute; its features only need to tell clothes apart", Min = 1, Max = 50)]
    public int ClassifierEpochs { get; init; } = 1;
}
