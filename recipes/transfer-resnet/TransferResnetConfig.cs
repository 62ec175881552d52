using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>transfer-resnet's configuration: the common keys with this recipe's defaults, plus <c>data.*</c>,
/// <c>model.*</c>, <c>finetune.*</c> and <c>demo.*</c> below. The defaults are the Fashion-MNIST demo's;
/// <c>torchvision.yaml</c> beside this file holds the settings torchvision's ImageNet weights need.</summary>
[Reason("trainer.max_epochs", "14: 4 epochs with the backbone frozen, then 10 unfrozen; 112 steps on the demo's 250 labelled images, about 10 s on two cores")]
[Reason("optim.lr", "1e-2: the head's peak while the backbone is frozen (half of it once unfrozen); in the demo 3e-3 lost 2 points and fastai's 2e-3 lost 3 (README)")]
public sealed record TransferResnetConfig : RunConfig<TransferData, TransferModelSettings>
{
    public TransferResnetConfig()
    {
        Trainer = Trainer with { MaxEpochs = 14 };
        Optim = Optim with { Lr = 1e-2 };
    }

    public FineTuneSettings Finetune { get; init; } = new();

    public DemoSettings Demo { get; init; } = new();
}

/// <summary>The <c>data.*</c> keys: where the images are and how they are prepared.</summary>
[Reason("batch_size", "32: the demo's 250 labelled images make 8 steps an epoch; fine-tuning sets are small, so small batches give enough steps")]
[Reason("path", "Debian's dataset-fashion-mnist (IDX files): the demo; a folder of class sub-folders of PNG/JPEG images fine-tunes on those")]
public sealed record TransferData : DataSettings
{
    public TransferData()
    {
        BatchSize = 32;
        Path = "/usr/share/datasets/fashion-mnist";
    }

    [Setting("28: Fashion-MNIST's own size, no resizing; ImageNet weights want 160-224 (torchvision.yaml)", Min = 8, Max = 1024)]
    public int ImageSize { get; init; } = 28;

    [Setting("1: the demo's grey images; 3 reads every image as RGB (grey ones replicated), as ImageNet weights expect", Min = 1, Max = 3)]
    public int Channels { get; init; } = 1;

    [Setting("Fashion-MNIST's pixel mean (of pixels in [0, 1]), one value or one per channel; use the statistics the weights were trained with (ImageNet's for torchvision's)",
        Pattern = NumberList, Expected = "comma-separated numbers, e.g. 0.485,0.456,0.406")]
    public string Mean { get; init; } = "0.2860406";

    [Setting("Fashion-MNIST's pixel standard deviation, one value or one per channel; ImageNet's is 0.229,0.224,0.225",
        Pattern = NumberList, Expected = "comma-separated positive numbers, e.g. 0.229,0.224,0.225")]
    public string Std { get; init; } = "0.3530242";

    [Setting("null: every class sub-folder, in name order; a comma-separated list keeps those folders, in that order. Training records the list in the run's config, so predict needs no data")]
    public string? Classes { get; init; }

    [Setting("0.2 of an image folder without a val/ (or valid/) sub-folder is held out for validation: small sets need a usable validation count", Min = 0.01, Max = 0.5)]
    public double ValFraction { get; init; } = 0.2;

    [Setting("a fixed split, independent of seed, so runs with different seeds are validated on the same images")]
    public ulong SplitSeed { get; init; }

    [Setting("2 pixels of random-crop padding at 28 px: small shifts are the cheapest useful augmentation; 0 turns it off", Min = 0, Max = 64)]
    public int CropPadding { get; init; } = 2;

    [Setting("true: a mirrored garment is the same garment; set false for text, digits or anything handed")]
    public bool Flip { get; init; } = true;

    private const string NumberList = @"^\s*[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?(\s*,\s*[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)*\s*$";
}

/// <summary>The <c>model.*</c> keys.</summary>
public sealed record TransferModelSettings
{
    [Setting("resnet18: the smallest torchvision ResNet; its weights are the usual fine-tuning start", OneOf = ["resnet18", "resnet34", "resnet50"])]
    public string Arch { get; init; } = "resnet18";

    [Setting("16 channels in the stem (torchvision's 64 / 4): the demo's backbone trains in minutes on two cores; torchvision's weights need 64", Min = 1, Max = 256)]
    public int Width { get; init; } = 16;

    [Setting("false: torchvision's stem (7x7 stride-2 conv1 and a max pool), which its weights need; true: a 3x3 stride-1 conv1 and no max pool, so 28 px images keep their resolution into layer1")]
    public bool SmallInputStem { get; init; }

    [Setting("null: the demo's backbone, pretrained here on Fashion-MNIST classes 0-4 (with the default data); a .pth/.safetensors file of torchvision's key names (--weights); none: train from scratch")]
    public string? Weights { get; init; }

    [Setting("null: the file's keys are torchvision's (conv1.weight, ...); a prefix such as model. is stripped from a Lightning checkpoint's keys")]
    public string? WeightsPrefix { get; init; }

    [Setting("0: plain cross-entropy, fastai's vision_learner default", Min = 0, Max = 0.5)]
    public double LabelSmoothing { get; init; }
}

/// <summary>The <c>finetune.*</c> keys: fastai's <c>fine_tune</c>. None apply when training from scratch
/// (<c>model.weights=none</c>), which trains every layer at <c>optim.lr</c> from the first step.</summary>
public sealed record FineTuneSettings
{
    [Setting("4 epochs (32 steps in the demo) train the new head and batch norm on the frozen backbone first, so the head's random start never disturbs the pretrained layers; 1 was 0.3 points worse", Min = 0)]
    public int FreezeEpochs { get; init; } = 4;

    [Setting("10: once unfrozen the stem learns at 1/10 of the head's rate, the stages between spaced geometrically (fastai's slice(lr/100, lr) cost the demo 1.3 points)", Min = 1)]
    public double LrMult { get; init; } = 10;

    [Setting("0.5: the head's peak rate after unfreezing is half optim.lr, as fastai's fine_tune halves it", Min = 0.001, Max = 10)]
    public double UnfrozenLrScale { get; init; } = 0.5;

    [Setting("0.3 of each phase warms up (from peak/25), the rest anneals (cosine, to peak/25e4): the one-cycle shape, per phase", Min = 0, Max = 0.99)]
    public double PctStart { get; init; } = 0.3;

    [Setting("true: batch norm's weights and statistics keep training while the backbone is frozen (fastai's train_bn); false freezes them too and keeps the backbone's norms in eval mode")]
    public bool TrainBn { get; init; } = true;
}

/// <summary>The <c>demo.*</c> keys: used only when <c>data.path</c> holds Fashion-MNIST's IDX files.</summary>
public sealed record DemoSettings
{
    [Setting("0,1,2,3,4 (T-shirt/top, trouser, pullover, dress, coat) pretrain the backbone; the other classes are fine-tuned on",
        Pattern = @"^\s*[0-9](\s*,\s*[0-9])*\s*$", Expected = "comma-separated Fashion-MNIST labels 0-9, e.g. 0,1,2,3,4")]
    public string PretrainClasses { get; init; } = "0,1,2,3,4";

    [Setting("50 labelled training images of each fine-tuning class: the few-label setting the demo is about", Min = 1, Max = 5000)]
    public int LabelsPerClass { get; init; } = 50;

    [Setting("100 more training images per class validate (checkpoint choice); the Fashion-MNIST test images of those classes test", Min = 1, Max = 900)]
    public int ValPerClass { get; init; } = 100;

    [Setting("0: which images are labelled and which validate is fixed, the same for every seed and for the from-scratch run")]
    public ulong SelectionSeed { get; init; }

    [Setting("3 epochs of classes 0-4 (30,000 images, about a minute): the backbone then classifies those at 90%; 6 epochs fine-tuned no better", Min = 1)]
    public int PretrainEpochs { get; init; } = 3;

    [Setting("3e-3: the one-cycle peak that trains the small CNNs of fashion-cnn well", Min = 1e-6)]
    public double PretrainLr { get; init; } = 3e-3;

    [Setting("0: the backbone is the same for every fine-tuning seed (and made once); change it to measure pretraining's own variance")]
    public ulong PretrainSeed { get; init; }

    [Setting("128: 235 steps an epoch over 30,000 images", Min = 1)]
    public int PretrainBatchSize { get; init; } = 128;

    [Setting("null: .cache/transfer-resnet in the MLRoadmap checkout (else ~/.cache/mlroadmap/transfer-resnet); the backbone is made once per setting")]
    public string? CacheDir { get; init; }
}
