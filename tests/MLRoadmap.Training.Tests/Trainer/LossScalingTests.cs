using MLRoadmap.Data;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;

namespace MLRoadmap.Tests.Trainer;

/// <summary>
/// Dynamic loss scaling. fp16 autocast needs CUDA, so these run the scaler with float32 math (an internal option) on
/// the CPU: the skip-and-back-off logic is the same whatever the dtype.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class LossScalingTests
{
    private sealed class Probe : Callback
    {
        public List<(long Step, double Lr, double Scale, float[] Weight)> After { get; } = [];

        public override void OnTrainBatchEnd(Training.Trainer t, TrainingModule m, int i, double loss)
        {
            var scaler = typeof(Training.Trainer).GetField("_scaler", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .GetValue(t) as GradScaler;
            using var w = m.Parameters().First().Contiguous();
            After.Add((t.GlobalStep, t.Optimizers[0].ParamGroups[0].LearningRate, scaler!.Scale, w.ToArray<float>()));
        }
    }

    [Fact]
    public void An_overflowing_step_is_skipped_backs_off_the_scale_and_does_not_advance_the_scheduler()
    {
        using var data = BoringModel.Data(64, 1);
        using var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 8, Workers = 0 });
        using var model = new BoringModel(dropout: 0)
        {
            OptimizerFactory = m =>
            {
                var opt = new SGD(m.Parameters(), lr: 0.1);
                return OptimizerConfig.One(opt, new StepLR(opt, stepSize: 1, gamma: 0.5));
            },
        };
        model.LossFactorAtStep[3] = 1e38;   // finite loss, but ×65536 overflows float32: every gradient is inf/NaN
        var probe = new Probe();
        var trainer = new Training.Trainer(new TrainerOptions
        {
            MaxEpochs = 1, MaxSteps = 5, Device = Device.CPU, ForceLossScaling = true,
            GradScaler = new GradScalerOptions { InitScale = 65536, GrowthInterval = 3 },
        }, [probe]);
        trainer.Fit(model, loader);

        var s = probe.After;
        Assert.Equal([1L, 2, 3, 4, 5], s.Select(x => x.Step));                      // a skipped step is still a global step
        Assert.Equal([0.05, 0.025, 0.025, 0.0125, 0.00625], s.Select(x => x.Lr));   // ...but not a scheduler step
        Assert.Equal(s[1].Weight, s[2].Weight);                                      // the optimizer did not step
        Assert.NotEqual(s[2].Weight, s[3].Weight);
        Assert.Equal([65536.0, 65536, 32768, 32768, 32768], s.Select(x => x.Scale));  // backed off once; growth tracker reset
    }

    [Fact]
    public void Clean_steps_grow_the_scale_after_the_interval()
    {
        using var data = BoringModel.Data(64, 1);
        using var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 8, Workers = 0 });
        using var model = new BoringModel(dropout: 0);
        var probe = new Probe();
        new Training.Trainer(new TrainerOptions
        {
            MaxEpochs = 1, MaxSteps = 7, Device = Device.CPU, ForceLossScaling = true,
            GradScaler = new GradScalerOptions { InitScale = 4, GrowthInterval = 3 },
        }, [probe]).Fit(model, loader);
        Assert.Equal([4.0, 4, 8, 8, 8, 16, 16], probe.After.Select(x => x.Scale));
    }
}
