using MLRoadmap.Data;
using MLRoadmap.Optim;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;

namespace MLRoadmap.Tests.Trainer;

[Collection(SerialTests.Name)]
public sealed class LRFinderTests
{
    [Fact]
    public void The_sweep_ramps_exponentially_suggests_a_rate_below_divergence_and_leaves_no_trace()
    {
        using var data = BoringModel.Data(512, 1);
        using var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 16, Shuffle = true, Seed = 1, Workers = 0 });
        using var model = new BoringModel(dropout: 0) { OptimizerFactory = m => [new SGD(m.Parameters(), lr: 0.1)] };
        var before = model.Weights();
        var rng = Torch.GetRngState();

        var r = LRFinder.Run(model, loader, new TrainerOptions { Device = Device.CPU }, minLr: 1e-4, maxLr: 1e3, steps: 60);

        Assert.Equal(1e-4, r.LearningRates[0], 12);
        for (var i = 1; i < r.LearningRates.Count; i++)
            Assert.Equal(Math.Pow(1e7, 1 / 59.0), r.LearningRates[i] / r.LearningRates[i - 1], 9);
        Assert.True(r.Diverged, "SGD at lr 1000 must diverge");
        Assert.True(r.LearningRates.Count < 60);
        Assert.NotNull(r.Suggestion);
        Assert.InRange(r.Suggestion!.Value, 1e-3, r.LearningRates[^1] / 2);
        // The loss fell around the suggestion.
        var at = r.LearningRates.ToList().IndexOf(r.Suggestion.Value);
        Assert.True(r.SmoothedLosses[at] < r.SmoothedLosses[0]);
        // No trace: weights, random state and the loader position are as they were.
        var after = model.Weights();
        foreach (var (k, v) in before) Assert.Equal(v, after[k]);
        Assert.Equal(rng, Torch.GetRngState());
        Assert.Equal(0, loader.Position);
    }
}
