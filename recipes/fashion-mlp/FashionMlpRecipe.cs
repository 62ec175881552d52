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
        using var data = new RecipeDataBuilder();
        if ((splits & DataSplits.Fit) != 0)
        {
            using var all = FashionMnist.Load(directory, train: true, config.Data.Limit);
            var (trainSet, valSet) = RandomSplit.TrainVal(all, config.Data.ValFraction, config.Data.SplitSeed);
            data.Own(trainSet);
            data.Own(valSet);
            if (splits.HasFlag(DataSplits.Train)) data.Train = new DataLoader(trainSet, Options(config, shuffle: true));
            if (splits.HasFlag(DataSplits.Val)) data.Val = new DataLoader(valSet, Options(config, shuffle: false));
        }
        if (splits.HasFlag(DataSplits.Test))
        {
            var testSet = data.Own(FashionMnist.Load(directory, train: false, config.Data.Limit));
            data.Test = new DataLoader(testSet, Options(config, shuffle: false));
        }
        return data.Build();
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
