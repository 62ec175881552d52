using MLRoadmap.Data;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionMlp;

/// <summary>fashion-mlp: an MLP classifying Fashion-MNIST's 28x28 clothing images into 10 classes (README.md beside
/// this file has the numbers).</summary>
public sealed class FashionMlpRecipe : Recipe<FashionMlpConfig>
{
    public override string Name => "fashion-mlp";

    public override string Description => "MLP on Fashion-MNIST (28x28 clothing images, 10 classes)";

    public override string Monitor => "val_acc";

    public override MonitorMode MonitorMode => MonitorMode.Max;

    public override TrainingModule CreateModule(FashionMlpConfig config) => new FashionMlpModule(config);

    public override RecipeData LoadData(FashionMlpConfig config, DataSplits splits)
    {
        ArgumentNullException.ThrowIfNull(config);
        var directory = config.Data.Path ?? new FashionData().Path!;
        var owned = new List<IDisposable>();
        DataLoader? train = null, val = null, test = null;
        try
        {
            if ((splits & DataSplits.Fit) != 0)
            {
                using var all = FashionMnist.Load(directory, train: true, config.Data.Limit);
                var (trainSet, valSet) = RandomSplit.TrainVal(all, config.Data.ValFraction, config.Data.SplitSeed);
                owned.Add(trainSet);
                owned.Add(valSet);
                if (splits.HasFlag(DataSplits.Train))
                    train = new DataLoader(trainSet, Options(config, shuffle: true));
                if (splits.HasFlag(DataSplits.Val)) val = new DataLoader(valSet, Options(config, shuffle: false));
            }
            if (splits.HasFlag(DataSplits.Test))
            {
                var testSet = FashionMnist.Load(directory, train: false, config.Data.Limit);
                owned.Add(testSet);
                test = new DataLoader(testSet, Options(config, shuffle: false));
            }
            return new RecipeData(train, val, test, owned);
        }
        catch
        {
            train?.Dispose();
            val?.Dispose();
            foreach (var o in owned) o.Dispose();
            throw;
        }
    }

    // The shuffle is seeded by the run's seed: a seed gives one data order, and a resumed run continues it.
    private static DataLoaderOptions Options(FashionMlpConfig config, bool shuffle) => new()
    {
        BatchSize = config.Data.BatchSize,
        Shuffle = shuffle,
        Seed = config.Seed,
        Workers = config.Data.Workers,
        // Page-locked batches let the trainer's non-blocking copy to CUDA overlap with compute (a no-op without CUDA).
        PinMemory = !config.Trainer.Device.StartsWith("cpu", StringComparison.Ordinal),
    };

    public override PredictionInputs ReadInputs(FashionMlpConfig config, IReadOnlyList<string> inputs) => FashionInputs.Read(inputs);

    public override IReadOnlyList<Prediction> Decode(FashionMlpConfig config, PredictionInputs inputs, Tensor outputs, int topK)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return ClassifierOutputs.TopK(outputs, inputs.Names, FashionMnist.Classes, topK);
    }
}
