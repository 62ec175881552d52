using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Tests.Trainer;

/// <summary>
/// Exact resume (Lightning's test_restart_parity, made bitwise): a run stopped mid-epoch or at an epoch's end and
/// resumed from its checkpoint in a fresh module, trainer and loader must end with weights, optimizer-driven learning
/// rates and logged history identical to a run that was never interrupted. Shuffling (2 loader workers), dropout and
/// a per-step scheduler are all on.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class ResumeParityTests : IDisposable
{
    private const int Examples = 200;     // 13 batches of 16 per epoch, the last one short
    private const int Epochs = 3;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mlr-resume-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static DataLoader Loader(TensorDataset data, bool shuffle) =>
        new(data, new DataLoaderOptions { BatchSize = 16, Shuffle = shuffle, Seed = 42, Workers = shuffle ? 2 : 0 });

    private static TrainerOptions Options(string? runDir, long maxSteps = -1) => new()
    {
        MaxEpochs = Epochs,
        MaxSteps = maxSteps,
        Device = Device.CPU,
        RunDirectory = runDir,
        LogEveryNSteps = 3,
    };

    private static (Dictionary<string, float[]> Weights, IReadOnlyList<string> History) Uninterrupted()
    {
        using var train = BoringModel.Data(Examples, 1);
        using var val = BoringModel.Data(64, 2);
        lock (TorchFixtures.SeedLock)
        {
            Training.Trainer.SeedEverything(7);
            using var model = new BoringModel();
            var trainer = new Training.Trainer(Options(null));
            using var tl = Loader(train, true);
            using var vl = Loader(val, false);
            trainer.Fit(model, tl, vl);
            return (model.Weights(), trainer.History.Rows.Select(r => r.ToJsonString()).ToList());
        }
    }

    private (Dictionary<string, float[]> Weights, IReadOnlyList<string> History, JsonObject Stopped) Interrupted(long stopAtStep,
        Action<string>? damage = null, List<string>? warnings = null)
    {
        using var train = BoringModel.Data(Examples, 1);
        using var val = BoringModel.Data(64, 2);
        JsonObject stopped;
        lock (TorchFixtures.SeedLock)
        {
            Training.Trainer.SeedEverything(7);
            using (var model = new BoringModel())
            using (var tl = Loader(train, true))
            using (var vl = Loader(val, false))
            {
                var first = new Training.Trainer(Options(_dir, stopAtStep));
                var r = first.Fit(model, tl, vl);
                Assert.Equal(stopAtStep, r.GlobalStep);
                Assert.Equal(stopAtStep, first.LastCheckpoint!.GlobalStep);
                using (var ckpt = CheckpointStore.Load(first.LastCheckpoint.Path)) stopped = ckpt.TrainerState;
                damage?.Invoke(first.LastCheckpoint.Path);
            }

            // A fresh process in all but name: another seed, new weights, new loaders.
            Training.Trainer.SeedEverything(12345);
            using var resumedModel = new BoringModel();
            using var tl2 = Loader(train, true);
            using var vl2 = Loader(val, false);
            var second = new Training.Trainer(Options(_dir)) { Warn = w => warnings?.Add(w) };
            second.Fit(resumedModel, tl2, vl2, resumeFrom: _dir);
            return (resumedModel.Weights(), second.History.Rows.Select(r => r.ToJsonString()).ToList(), stopped);
        }
    }

    [Theory]
    [InlineData(20)]   // epoch 1, batch 7 of 13: mid-epoch
    [InlineData(13)]   // the end of epoch 0
    [InlineData(5)]    // inside the warmup, mid-epoch
    public void Resumed_run_ends_bitwise_equal_to_an_uninterrupted_one(long stopAtStep)
    {
        var expected = Uninterrupted();
        var actual = Interrupted(stopAtStep);
        Assert.Equal(expected.Weights.Keys.Order(), actual.Weights.Keys.Order());
        foreach (var (name, values) in expected.Weights)
            Assert.True(values.AsSpan().SequenceEqual(actual.Weights[name]), $"{name} differs after resuming at step {stopAtStep}");
        Assert.Equal(expected.History, actual.History);
    }

    [Fact]
    public void A_damaged_newest_checkpoint_is_passed_over_and_the_previous_one_still_resumes_exactly()
    {
        var expected = Uninterrupted();
        var warnings = new List<string>();
        // Stop at step 20 (mid-epoch 1): the run keeps the end of epoch 0 (step 13) and step 20. Cut step 20's state.
        var actual = Interrupted(20, path =>
        {
            var file = Path.Combine(path, CheckpointStore.StateFile);
            using var f = File.OpenWrite(file);
            f.SetLength(f.Length / 2);
        }, warnings);
        Assert.Contains(warnings, w => w.Contains("epoch=0001-step=00000020", StringComparison.Ordinal) &&
                                       w.Contains("truncated", StringComparison.Ordinal));
        foreach (var (name, values) in expected.Weights)
            Assert.True(values.AsSpan().SequenceEqual(actual.Weights[name]), $"{name} differs after resuming from the previous checkpoint");
        Assert.Equal(expected.History, actual.History);
    }

    [Fact]
    public void Mid_epoch_checkpoint_records_the_position_inside_the_epoch()
    {
        var (_, _, stopped) = Interrupted(20);
        Assert.Equal(1, (int)stopped["epoch"]!);
        Assert.Equal(7, (int)stopped["batch_in_epoch"]!);
        Assert.False((bool)stopped["epoch_complete"]!);
        Assert.Equal(7, (int)stopped["loader"]!["position"]!);
    }
}
