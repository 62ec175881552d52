using MLRoadmap.Data;
using MLRoadmap.Recipes.FashionCnn;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.Vae;

/// <summary>vae: a convolutional VAE modelling Fashion-MNIST (or MNIST, or CIFAR-10, by <c>data.path</c>), reporting
/// the ELBO; the README beside this file has the numbers.</summary>
public sealed class VaeRecipe : GenerativeRecipe<VaeConfig>
{
    public override string Name => "vae";

    public override string Description => "convolutional VAE on Fashion-MNIST (MNIST or CIFAR-10 by data.path); ELBO, reconstruction and sample grids";

    public override string Monitor => "val_elbo";

    public override MonitorMode MonitorMode => MonitorMode.Max;

    // IDX is 1×28×28, CIFAR-10 3×32×32 (ConvVae needs a multiple of 4).
    private static (int Channels, int Size) Shape(VaeConfig config)
    {
        var format = config.Data.Format == "auto" ? ImageSets.Detect(config.Data.Path!) : config.Data.Format;
        return format == "cifar10" ? (3, 32) : (1, 28);
    }

    public override TrainingModule CreateModule(VaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (channels, size) = Shape(config);
        return new VaeModule(config, channels, size);
    }

    /// <summary>Train and validation: the training images split by <c>data.val_fraction</c>; test: the test images.
    /// Labels ride along unused.</summary>
    public override RecipeData LoadData(VaeConfig config, DataSplits splits)
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
            if (splits.HasFlag(DataSplits.Train)) data.Train = new DataLoader(trainSet, Options(config, shuffle: true));
            if (splits.HasFlag(DataSplits.Val)) data.Val = new DataLoader(valSet, Options(config, shuffle: false));
        }
        if (splits.HasFlag(DataSplits.Test))
        {
            var testSet = data.Own(ImageSets.Load(directory, config.Data.Format, train: false, config.Data.Limit));
            data.Test = new DataLoader(testSet.Data, Options(config, shuffle: false));
        }
        return data.Build();
    }

    // The shuffle is seeded by the run's seed, so a resumed run continues it exactly.
    private static DataLoaderOptions Options(VaeConfig config, bool shuffle) => new()
    {
        BatchSize = config.Data.BatchSize,
        Shuffle = shuffle,
        Seed = config.Seed,
        Workers = config.Data.Workers,
        PinMemory = !config.Trainer.Device.StartsWith("cpu", StringComparison.Ordinal),
    };

    /// <summary>z ~ N(0, I), (count, model.latent_dim), from the default generator: draws from the prior.</summary>
    public override PredictionInputs SampleInputs(VaeConfig config, int count)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var z = Torch.Randn([count, config.Model.LatentDim]);
        return new PredictionInputs(new TensorDataset(z), [.. Enumerable.Range(1, count).Select(i => $"z{i}")]);
    }

    /// <summary>Images in [0, 1] → sample-NNNN.png and grid.png.</summary>
    public override GeneratedFiles WriteSamples(VaeConfig config, Tensor outputs, string directory) =>
        GeneratedImages.Write(outputs, directory);
}
