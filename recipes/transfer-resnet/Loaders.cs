using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>DataLoaders for the recipe's splits: training ones shuffled and augmented (random crop, flip), the others
/// in order. Shuffle and augmentation are seeded by the run's seed, so a resumed run continues them exactly.</summary>
internal static class Loaders
{
    public static DataLoader Train(IBatchedDataset data, TransferResnetConfig config) =>
        new(data, Options(config, shuffle: true, Augmentation(config.Data)));

    public static DataLoader Eval(IBatchedDataset data, TransferResnetConfig config) =>
        new(data, Options(config, shuffle: false, null));

    private static Compose? Augmentation(TransferData data)
    {
        var steps = new List<IBatchTransform>();
        if (data.CropPadding > 0) steps.Add(new RandomCrop(data.ImageSize, data.CropPadding));
        if (data.Flip) steps.Add(new RandomHorizontalFlip());
        return steps.Count == 0 ? null : new Compose([.. steps]);
    }

    private static DataLoaderOptions Options(TransferResnetConfig config, bool shuffle, IBatchTransform? transform) => new()
    {
        BatchSize = config.Data.BatchSize,
        Shuffle = shuffle,
        Seed = config.Seed,
        Workers = config.Data.Workers,
        Transform = transform,
        PinMemory = !config.Trainer.Device.StartsWith("cpu", StringComparison.Ordinal),
    };
}
