using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>
/// What every image classification recipe on these sets shares: the data (<c>data.*</c>, <see cref="ImageData"/>:
/// Fashion-MNIST, MNIST or CIFAR-10 by <c>data.path</c>), its augmentation and loaders, the normalisation constants,
/// reading images for <c>predict</c> and naming the classes. A recipe adds its name, its model and its training module
/// (<see cref="ImageClassifierModule"/>); fashion-cnn and fashion-resnet are the two.
/// </summary>
public abstract class ImageRecipe<TConfig, TModel> : Recipe<TConfig>
    where TConfig : RunConfig<ImageData, TModel>, new()
    where TModel : class, new()
{
    public override string Monitor => "val_acc";

    public override MonitorMode MonitorMode => MonitorMode.Max;

    /// <summary>The module for <paramref name="channels"/>-channel square images of <paramref name="size"/> pixels.</summary>
    protected abstract ImageClassifierModule CreateModule(TConfig config, int channels, int classes, int size);

    public override TrainingModule CreateModule(TConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (channels, size) = Shape(config);
        var module = CreateModule(config, channels, classes: 10, size);
        var (mean, std) = Statistics(config);
        module.SetStatistics(mean, std);
        return module;
    }

    /// <summary>Channels and classes follow the data's format: IDX is 1×28×28, CIFAR-10 3×32×32; both 10 classes.</summary>
    protected static (int Channels, int Size) Shape(TConfig config)
    {
        var format = config.Data.Format == "auto" ? ImageSets.Detect(config.Data.Path!) : config.Data.Format;
        return format == "cifar10" ? (3, 32) : (1, 28);
    }

    // Per-channel pixel mean and std in [0, 1] of each set's training images, the constants torchvision's examples use
    // (Fashion-MNIST's measured with numpy over its 60,000 training images). Checkpoints carry them as buffers.
    private static (double[] Mean, double[] Std) Statistics(TConfig config) => Kind(config) switch
    {
        "cifar10" => ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
        "fashion" => ([0.2860406], [0.3530242]),
        _ => ([0.1307], [0.3081]),
    };

    private static string Kind(TConfig config) => ImageSets.Kind(config.Data.Path!, config.Data.Format);

    public override RecipeData LoadData(TConfig config, DataSplits splits)
    {
        ArgumentNullException.ThrowIfNull(config);
        var directory = config.Data.Path!;
        using var data = new RecipeDataBuilder();
        if ((splits & DataSplits.Fit) != 0)
        {
            using var all = ImageSets.Load(directory, config.Data.Format, train: true, config.Data.Limit);
            var (trainSet, valSet) = RandomSplit.TrainVal(all.Data, config.Data.ValFraction, config.Data.SplitSeed);
            data.Own(trainSet);
            data.Own(valSet);
            if (splits.HasFlag(DataSplits.Train)) data.Train = new DataLoader(trainSet, Options(config, shuffle: true, Augmentation(config)));
            if (splits.HasFlag(DataSplits.Val)) data.Val = new DataLoader(valSet, Options(config, shuffle: false, null));
        }
        if (splits.HasFlag(DataSplits.Test))
        {
            var testSet = data.Own(ImageSets.Load(directory, config.Data.Format, train: false, config.Data.Limit));
            data.Test = new DataLoader(testSet, Options(config, shuffle: false, null));
        }
        return data.Build();
    }

    private static Compose? Augmentation(TConfig config)
    {
        var size = Shape(config).Size;
        var steps = new List<IBatchTransform>();
        if (config.Data.CropPadding > 0) steps.Add(new RandomCrop(size, config.Data.CropPadding));
        if (config.Data.Flip) steps.Add(new RandomHorizontalFlip());
        if (config.Data.Erasing > 0) steps.Add(new RandomErasing(config.Data.Erasing));
        return steps.Count == 0 ? null : new Compose([.. steps]);
    }

    // The shuffle and the augmentations are seeded by the run's seed, so a resumed run continues them exactly.
    private static DataLoaderOptions Options(TConfig config, bool shuffle, IBatchTransform? transform) => new()
    {
        BatchSize = config.Data.BatchSize,
        Shuffle = shuffle,
        Seed = config.Seed,
        Workers = config.Data.Workers,
        Transform = transform,
        // Page-locked batches let the trainer's non-blocking copy to CUDA overlap with compute (a no-op without CUDA).
        PinMemory = !config.Trainer.Device.StartsWith("cpu", StringComparison.Ordinal),
    };

    public override PredictionInputs ReadInputs(TConfig config, IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (channels, size) = Shape(config);
        return ImageInputs.Read(inputs, channels, size, size);
    }

    public override IReadOnlyList<Prediction> Decode(TConfig config, PredictionInputs inputs, Tensor outputs, int topK)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputs);
        IReadOnlyList<string> classes = Kind(config) switch
        {
            "cifar10" => ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
            "fashion" => Mnist.FashionClasses,
            _ => Mnist.DigitClasses,
        };
        return ClassifierOutputs.TopK(outputs, inputs.Names, classes, topK);
    }
}
