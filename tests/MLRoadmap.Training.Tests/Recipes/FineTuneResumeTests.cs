using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;
using MLRoadmap.Models;
using MLRoadmap.Recipes.TransferResnet;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// transfer-resnet's fine_tune resumes exactly across the unfreeze (as ResumeParityTests does for the trainer): a run
/// stopped inside the frozen phase, at its last step, or just after the backbone unfroze, then resumed in a fresh
/// module and trainer seeded differently, ends with the very weights of an uninterrupted run. Shuffling (two loader
/// workers), random crops and flips, and batch norm are all in play; the frozen phase's checkpoint holds optimizer
/// state for the trained parameters only.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class FineTuneResumeTests : IDisposable
{
    private const int Examples = 40;   // 5 batches of 8: the frozen epoch is steps 1-5, the unfrozen one 6-10
    private const int Epochs = 2;
    private readonly string _dir = Directory.CreateTempSubdirectory("mlr-finetune-resume-").FullName;
    private readonly string _weights;

    public FineTuneResumeTests()
    {
        _weights = Path.Combine(_dir, "backbone.safetensors");
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(3);
            using var backbone = ModelRegistry.Create("resnet18", (ResNetOptions)ModelRegistry.DefaultOptions("resnet18") with { Width = 4, NumClasses = 7 });
            using var state = backbone.StateDict();
            state.Save(_weights);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TransferResnetConfig Config(bool trainBn) => new TransferResnetConfig() with
    {
        Data = new TransferData { ImageSize = 16, Channels = 3, Mean = "0.5", Std = "0.25" },
        Model = new TransferModelSettings { Width = 4, Weights = _weights },
        Finetune = new FineTuneSettings { FreezeEpochs = 1, TrainBn = trainBn },
    };

    // Random images and labels, the same every call (it reseeds: call it holding the seed lock).
    private static TensorDataset Data(ulong seed)
    {
        using var scope = Torch.NewDisposeScope();
        Torch.ManualSeed(seed);
        var images = Torch.Randint(0, 256, [Examples, 3, 16, 16], ScalarType.UInt8);
        var labels = Torch.Randint(0, 3, [Examples]);
        return new TensorDataset(images, labels);
    }

    private static DataLoader Loader(TensorDataset data, bool train) => new(data, new DataLoaderOptions
    {
        BatchSize = 8,
        Shuffle = train,
        Seed = 5,
        Workers = train ? 2 : 0,
        Transform = train ? new Compose(new RandomCrop(16, 2), new RandomHorizontalFlip()) : null,
    });

    private static TrainerOptions Options(string? runDir) => new()
    {
        MaxEpochs = Epochs,
        Device = Device.CPU,
        RunDirectory = runDir,
        LogEveryNSteps = 2,
    };

    private static Dictionary<string, double[]> Weights(TransferModule module)
    {
        using var scope = Torch.NewDisposeScope();
        using var state = module.StateDict();
        return state.ToDictionary(kv => kv.Key, kv => kv.Value.To(ScalarType.Float64).Contiguous().ToArray<double>(), StringComparer.Ordinal);
    }

    // The uninterrupted runs, once per train_bn setting for all the cases (the weights file is the same every time).
    private static readonly Dictionary<bool, Dictionary<string, double[]>> Reference = [];

    private Dictionary<string, double[]> Uninterrupted(bool trainBn)
    {
        lock (Reference)
        {
            if (!Reference.TryGetValue(trainBn, out var weights)) Reference[trainBn] = weights = RunUninterrupted(trainBn);
            return weights;
        }
    }

    private Dictionary<string, double[]> RunUninterrupted(bool trainBn)
    {
        lock (TorchFixtures.SeedLock)
        {
            using var train = Data(11);
            using var val = Data(12);
            Training.Trainer.SeedEverything(7);
            using var module = new TransferModule(Config(trainBn), ["a", "b", "c"]);
            using var tl = Loader(train, true);
            using var vl = Loader(val, false);
            new Training.Trainer(Options(null)).Fit(module, tl, vl);
            Assert.False(module.BackboneFrozen);
            return Weights(module);
        }
    }

    private (Dictionary<string, double[]> Weights, int StateTensors, int TrainableInFrozenPhase) Interrupted(bool trainBn, long stopAtStep)
    {
        var run = Path.Combine(_dir, $"run-{trainBn}-{stopAtStep}");
        lock (TorchFixtures.SeedLock)
        {
            using var train = Data(11);
            using var val = Data(12);
            int stateTensors, trainable;
            Training.Trainer.SeedEverything(7);
            using (var module = new TransferModule(Config(trainBn), ["a", "b", "c"]))
            using (var tl = Loader(train, true))
            using (var vl = Loader(val, false))
            {
                var first = new Training.Trainer(Options(run), [new StopAt(stopAtStep)]);
                var result = first.Fit(module, tl, vl);
                Assert.Equal((FitStatus.Interrupted, stopAtStep), (result.Status, result.GlobalStep));
                trainable = module.Net.Parameters().Count(p => p.RequiresGrad);
                using var ckpt = CheckpointStore.Load(first.LastCheckpoint!.Path);
                stateTensors = ckpt.State.Names.Count(n => n.StartsWith("optimizer.0.state.", StringComparison.Ordinal));
            }

            Training.Trainer.SeedEverything(12345);
            using var resumed = new TransferModule(Config(trainBn), ["a", "b", "c"]);
            using var tl2 = Loader(train, true);
            using var vl2 = Loader(val, false);
            new Training.Trainer(Options(run)).Fit(resumed, tl2, vl2, resumeFrom: run);
            return (Weights(resumed), stateTensors, trainable);
        }
    }

    /// <summary>Interrupts the fit after a step, as Ctrl-C does (a max-steps limit would shorten the schedule itself).</summary>
    private sealed class StopAt(long step) : Callback
    {
        public override void OnTrainBatchEnd(Training.Trainer trainer, TrainingModule model, int batchIndex, double loss)
        {
            if (trainer.GlobalStep == step) trainer.RequestStop("test", interrupt: true);
        }
    }

    [Theory]
    [InlineData(true, 3)]    // inside the frozen epoch
    [InlineData(true, 5)]    // its last step: the checkpoint at the end of epoch 0, the next step unfreezes
    [InlineData(true, 7)]    // two steps after the unfreeze, mid-epoch
    [InlineData(false, 5)]   // batch norm frozen too (eval mode) during the frozen phase
    public void Resuming_across_the_unfreeze_ends_bitwise_equal_to_an_uninterrupted_run(bool trainBn, long stopAtStep)
    {
        var expected = Uninterrupted(trainBn);
        var (actual, stateTensors, trainable) = Interrupted(trainBn, stopAtStep);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var differ = expected.Where(kv => !kv.Value.AsSpan().SequenceEqual(actual[kv.Key])).Select(kv => kv.Key).ToList();
        Assert.True(differ.Count == 0, $"after resuming at step {stopAtStep}, these differ: {string.Join(", ", differ)}");
        if (stopAtStep <= 5)
        {
            // AdamW's three state tensors (step, exp_avg, exp_avg_sq) for each parameter trained so far, none for the
            // frozen ones: the head only, or the head and every batch norm's weight and bias.
            var norms = trainBn ? 2 * 20 : 0;   // resnet18 has 20 batch norms
            Assert.Equal(2 + norms, trainable);
            Assert.Equal(3 * trainable, stateTensors);
        }
    }
}
