using MLRoadmap.Data;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.Trainer;

/// <summary>A two-optimizer module shaped like a GAN step: a "discriminator" update, then a "generator" update.</summary>
internal sealed class TwoOptimizerModel : TrainingModule
{
    private readonly Linear _generator;
    private readonly Linear _discriminator;

    public TwoOptimizerModel()
    {
        _generator = RegisterModule("generator", new Linear(4, 4));
        _discriminator = RegisterModule("discriminator", new Linear(4, 1));
    }

    public override bool AutomaticOptimization => false;

    public int Batches { get; private set; }

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers() =>
        [new Adam(_discriminator.Parameters(), lr: 1e-3), new Adam(_generator.Parameters(), lr: 1e-3)];

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        Batches++;
        var opts = Optimizers();
        var (optD, optG) = (opts[0], opts[1]);
        var real = batch.Input;
        var fake = _generator.Forward(real.Neg());
        using (Torch.NewDisposeScope())
        {
            var lossD = F.BinaryCrossEntropyWithLogits(_discriminator.Forward(real), Torch.OnesLike(real.Narrow(1, 0, 1))) +
                        F.BinaryCrossEntropyWithLogits(_discriminator.Forward(fake.Detach()), Torch.ZerosLike(real.Narrow(1, 0, 1)));
            ManualBackward(lossD);
            ManualStep(optD);
        }
        var lossG = F.BinaryCrossEntropyWithLogits(_discriminator.Forward(fake), Torch.OnesLike(real.Narrow(1, 0, 1)));
        ManualBackward(lossG);
        ManualStep(optG);
        Log("g_loss", lossG);
        return lossG;
    }
}

[Collection(SerialTests.Name)]
public sealed class ManualOptimizationTests
{
    private static float StepCount(Optimizer opt) =>
        opt.GetState(opt.ParamGroups[0].Parameters[0]).TryGetValue("step", out var step) ? step.Item<float>() : 0;

    private sealed class StepCounter : Callback
    {
        public List<(long Step, float D, float G)> Seen { get; } = [];

        public override void OnTrainBatchEnd(Training.Trainer t, TrainingModule m, int i, double loss) =>
            Seen.Add((t.GlobalStep, StepCount(t.Optimizers[0]), StepCount(t.Optimizers[1])));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 3)]   // 5 batches, windows of 2: steps after batches 2, 4 and the short last window
    public void One_global_step_per_batch_window_however_many_optimizers_stepped(int accumulate, int expectedSteps)
    {
        using var data = new TensorDataset(Torch.Randn([20, 4]));
        using var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 4, Workers = 0 });
        using var model = new TwoOptimizerModel();
        var counter = new StepCounter();
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 1, Device = Device.CPU, AccumulateGradBatches = accumulate }, [counter]);
        var r = trainer.Fit(model, loader);
        Assert.Equal(5, model.Batches);
        Assert.Equal(expectedSteps, r.GlobalStep);
        // Each optimizer stepped exactly once per global step, never inside an accumulation window.
        Assert.All(counter.Seen, s => Assert.Equal((float)s.Step, s.D));
        Assert.All(counter.Seen, s => Assert.Equal((float)s.Step, s.G));
    }

    [Fact]
    public void Two_optimizers_under_automatic_optimization_are_refused_with_the_way_out()
    {
        using var data = new TensorDataset(Torch.Randn([8, 4]));
        using var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 4, Workers = 0 });
        using var model = new AutoTwo();
        var e = Assert.Throws<InvalidOperationException>(() => new Training.Trainer(new TrainerOptions { Device = Device.CPU }).Fit(model, loader));
        Assert.Contains("AutomaticOptimization => false", e.Message, StringComparison.Ordinal);
    }

    private sealed class AutoTwo : TrainingModule
    {
        private readonly Linear _a = new(4, 1);
        private readonly Linear _b = new(4, 1);

        public AutoTwo()
        {
            RegisterModule("a", _a);
            RegisterModule("b", _b);
        }

        public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers() => [new SGD(_a.Parameters()), new SGD(_b.Parameters())];

        public override Tensor? TrainingStep(Batch batch, int batchIndex) => _a.Forward(batch.Input).Sum();
    }
}
