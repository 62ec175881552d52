using MLRoadmap.Data;
using MLRoadmap.Recipes.FashionCnn;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.Dcgan;

/// <summary>dcgan: a DCGAN learning to draw Fashion-MNIST (or MNIST, or CIFAR-10, by <c>data.path</c>), measured by
/// FID on a trained fashion-cnn's features; the README beside this file has the numbers.</summary>
public sealed class DcganRecipe : GenerativeRecipe<DcganConfig>
{
    public override string Name => "dcgan";

    public override string Description => "DCGAN on Fashion-MNIST (MNIST or CIFAR-10 by data.path); FID on fashion-cnn features, sample grids each epoch";

    public override string Monitor => "fid";

    public override MonitorMode MonitorMode => MonitorMode.Min;

    // IDX is 1×28×28 (28 = 7·2², two doublings), CIFAR-10 3×32×32 (4·2³).
    private static (int Channels, int Size) Shape(DcganConfig config)
    {
        var format = config.Data.Format == "auto" ? ImageSets.Detect(config.Data.Path!) : config.Data.Format;
        return format == "cifar10" ? (3, 32) : (1, 28);
    }

    public override TrainingModule CreateModule(DcganConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (channels, size) = Shape(config);
        return new DcganModule(config, channels, size);
    }

    /// <summary>Train: the training images (labels unused), shuffled. Validation and test: the first
    /// <c>fid.samples</c> test images, in order, the real half of the FID.</summary>
    public override RecipeData LoadData(DcganConfig config, DataSplits splits)
    {
        ArgumentNullException.ThrowIfNull(config);
        var directory = config.Data.Path!;
        using var data = new RecipeDataBuilder();
        if (splits.HasFlag(DataSplits.Train))
        {
            var trainSet = data.Own(ImageSets.Load(directory, config.Data.Format, train: true, config.Data.Limit));
            data.Train = new DataLoader(trainSet.Data, Options(config, shuffle: true));
        }
        if ((splits & (DataSplits.Val | DataSplits.Test)) != 0)
        {
            var real = data.Own(ImageSets.Load(directory, config.Data.Format, train: false, config.Fid.Samples));
            if (real.Count < config.Fid.Samples)
                throw new InvalidDataException($"fid.samples is {config.Fid.Samples}, but {directory} holds only {real.Count} test images");
            if (splits.HasFlag(DataSplits.Val)) data.Val = new DataLoader(real.Data, Options(config, shuffle: false));
            if (splits.HasFlag(DataSplits.Test)) data.Test = new DataLoader(real.Data, Options(config, shuffle: false));
        }
        return data.Build();
    }

    // The shuffle is seeded by the run's seed, so a resumed run continues it exactly.
    private static DataLoaderOptions Options(DcganConfig config, bool shuffle) => new()
    {
        BatchSize = config.Data.BatchSize,
        Shuffle = shuffle,
        Seed = config.Seed,
        Workers = config.Data.Workers,
        PinMemory = !config.Trainer.Device.StartsWith("cpu", StringComparison.Ordinal),
    };

    /// <summary>z ~ N(0, I), (count, model.latent_dim), from the default generator.</summary>
    public override PredictionInputs SampleInputs(DcganConfig config, int count)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var z = Torch.Randn([count, config.Model.LatentDim]);
        return new PredictionInputs(new TensorDataset(z), [.. Enumerable.Range(1, count).Select(i => $"z{i}")]);
    }

    /// <summary>Images in [0, 1] → sample-NNNN.png and grid.png.</summary>
    public override GeneratedFiles WriteSamples(DcganConfig config, Tensor outputs, string directory) =>
        GeneratedImages.Write(outputs, directory);
}
