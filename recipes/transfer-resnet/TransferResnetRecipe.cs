using MLRoadmap.Data;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>transfer-resnet: fine-tuning a pretrained zoo ResNet on an image folder (fastai's <c>fine_tune</c>); with
/// the defaults, the Fashion-MNIST demo. The README beside this file has the numbers.</summary>
public sealed class TransferResnetRecipe : Recipe<TransferResnetConfig>
{
    /// <summary>model.weights' value that trains from scratch.</summary>
    public const string NoWeights = "none";

    public override string Name => "transfer-resnet";

    public override string Description => "fine-tunes a pretrained ResNet (--weights, torchvision names) on an image folder; demo: Fashion-MNIST 0-4 → 5-9";

    public override string Monitor => "val_acc";

    public override MonitorMode MonitorMode => MonitorMode.Max;

    /// <summary>Whether data.path is the demo's Fashion-MNIST (IDX files) rather than an image folder.</summary>
    public static bool IsDemo(TransferResnetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var path = config.Data.Path ?? throw new ConfigException("data.path is not set: give a folder of class sub-folders of images");
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"data.path {path} does not exist");
        return DemoData.IsIdxFolder(path);
    }

    /// <summary>The weights a fresh run starts from: model.weights; for the demo by default, its cached backbone
    /// (made when the training data loads); null for none.</summary>
    public static string? WeightsPath(TransferResnetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Model.Weights switch
        {
            NoWeights => null,
            { } file => file,
            null when IsDemo(config) => DemoBackbone.PathFor(config),
            null => throw new ConfigException("model.weights is not set: give pretrained weights with --weights FILE.pth|.safetensors " +
                                              "(torchvision's key names), or model.weights=none to train from scratch"),
        };
    }

    /// <summary>The class names, by label: data.classes when set (training records it, so evaluation and prediction
    /// read it from the run's config), else the demo's classes 5-9 or the image folder's class folders.</summary>
    public static IReadOnlyList<string> Classes(TransferResnetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Data.Classes is { } listed) return FolderData.ParseClasses(listed);
        return IsDemo(config) ? new DemoData(config.Demo).TargetClasses : FolderData.Open(config.Data.Path!).Classes(null);
    }

    public override TrainingModule CreateModule(TransferResnetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Data.Channels == 2) throw new ConfigException("data.channels=2: images are read as 1 (grey) or 3 (RGB) channels");
        return new TransferModule(config, Classes(config));
    }

    public override RecipeData LoadData(TransferResnetConfig config, DataSplits splits)
    {
        ArgumentNullException.ThrowIfNull(config);
        return IsDemo(config) ? LoadDemo(config, splits) : LoadFolder(config, splits);
    }

    private static RecipeData LoadDemo(TransferResnetConfig config, DataSplits splits)
    {
        var path = config.Data.Path!;
        var demo = new DemoData(config.Demo);
        if (config.Data.Classes is { } listed && !FolderData.ParseClasses(listed).SequenceEqual(demo.TargetClasses))
            throw new ConfigException($"data.classes='{listed}': the demo fine-tunes on {string.Join(",", demo.TargetClasses)} (the classes demo.pretrain_classes leaves)");
        // The backbone has to exist before training starts; evaluation and prediction never need it.
        if (splits.HasFlag(DataSplits.Train) && config.Model.Weights is null) DemoBackbone.Ensure(config, Console.Out);
        using var data = new RecipeDataBuilder();
        if ((splits & DataSplits.Fit) != 0)
        {
            var (trainSet, valSet) = demo.FineTuning(path, config.Data.ImageSize);
            data.Own(trainSet);
            data.Own(valSet);
            if (splits.HasFlag(DataSplits.Train)) data.Train = Loaders.Train(trainSet, config);
            if (splits.HasFlag(DataSplits.Val)) data.Val = Loaders.Eval(valSet, config);
        }
        if (splits.HasFlag(DataSplits.Test)) data.Test = Loaders.Eval(data.Own(demo.Test(path, config.Data.ImageSize)), config);
        return data.Build();
    }

    private static RecipeData LoadFolder(TransferResnetConfig config, DataSplits splits)
    {
        if (splits.HasFlag(DataSplits.Train)) WeightsPath(config);   // refuses a missing model.weights before any work
        var folders = FolderData.Open(config.Data.Path!);
        var classes = folders.Classes(config.Data.Classes);
        // Folder datasets hold file paths, not tensors (images are decoded per batch): only the loaders need freeing.
        using var data = new RecipeDataBuilder();
        if ((splits & DataSplits.Fit) != 0)
        {
            var all = FolderData.Load(folders.TrainDir, classes, config.Data);
            var (trainSet, valSet) = folders.ValDir is { } valDir
                ? (all, FolderData.Load(valDir, classes, config.Data))
                : Split(all, config.Data);
            if (splits.HasFlag(DataSplits.Train)) data.Train = Loaders.Train(trainSet, config);
            if (splits.HasFlag(DataSplits.Val)) data.Val = Loaders.Eval(valSet, config);
        }
        if (splits.HasFlag(DataSplits.Test) && folders.TestDir is { } testDir)
            data.Test = Loaders.Eval(FolderData.Load(testDir, classes, config.Data), config);
        return data.Build();
    }

    // A random split of a folder without a validation folder, by data.split_seed alone (as RandomSplit.TrainVal).
    private static (FolderSubset Train, FolderSubset Val) Split(FolderSubset all, TransferData data)
    {
        var valCount = Math.Max(1, (int)Math.Round(all.Count * data.ValFraction));
        if (valCount >= all.Count)
            throw new InvalidDataException($"{all.Folder.Paths.Count} images leave none for training after {valCount} for validation (data.val_fraction={data.ValFraction})");
        var order = Enumerable.Range(0, all.Count).ToArray();
        new DataRandom(data.SplitSeed, 0, 0).Shuffle(order);
        return (all.Take(order[valCount..]), all.Take(order[..valCount]));
    }

    public override IReadOnlyList<Callback> CreateCallbacks(TransferResnetConfig config) => [new FineTuneMonitor()];

    public override PredictionInputs ReadInputs(TransferResnetConfig config, IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        // fashion-cnn's reader: PNG/JPEG files, or IDX selections for grey models, resized (squashed) as training does.
        return FashionCnn.ImageInputs.Read(inputs, config.Data.Channels == 1 ? 1 : 3, config.Data.ImageSize, config.Data.ImageSize);
    }

    public override IReadOnlyList<Prediction> Decode(TransferResnetConfig config, PredictionInputs inputs, Tensor outputs, int topK)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputs);
        return ClassifierOutputs.TopK(outputs, inputs.Names, Classes(config), topK);
    }
}
