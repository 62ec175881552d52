using MLRoadmap.Data;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.Trainer;

/// <summary>A convolution and a linear head on 2×6×6 images: small enough for milliseconds a step on the CPU.</summary>
internal sealed class TinyConvNet : TrainingModule
{
    private readonly Conv2d _conv;
    private readonly Linear _head;

    public TinyConvNet()
    {
        _conv = RegisterModule("conv", new Conv2d(2, 4, 3, padding: 1));
        _head = RegisterModule("head", new Linear(4 * 6 * 6, 3));
    }

    /// <summary>Per step: whether the input and the conv weight were NHWC, and the backend switches.</summary>
    public List<(bool Input, bool Weight, bool Tf32, bool Benchmark)> Seen { get; } = [];

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers() => OptimizerConfig.One(new SGD(Parameters(), lr: 0.05));

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        Seen.Add((batch.Input.IsContiguousIn(MemoryFormat.ChannelsLast), _conv.Weight.IsContiguousIn(MemoryFormat.ChannelsLast),
            Torch.Backends.AllowTF32Matmul && Torch.Backends.AllowTF32Cudnn, Torch.Backends.CudnnBenchmark));
        var logits = _head.Forward(F.Relu(_conv.Forward(batch.Input)).Flatten(1));   // (B, 3)
        var loss = F.CrossEntropy(logits, batch.Target);
        Log("train_loss", loss);
        return loss;
    }
}

/// <summary>The trainer's process-wide switches (TF32, cuDNN benchmark) hold for the run and are given back after it;
/// channels_last lays out the model and the images without changing what is learned.</summary>
[Collection(SerialTests.Name)]
public sealed class BackendSwitchTests
{
    internal static TensorDataset Images()
    {
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(5);
            using var scope = Torch.NewDisposeScope();
            var x = Torch.Randn([32, 2, 6, 6]);
            return new TensorDataset(x, x.Mean([1, 2, 3]).Gt(0).To(ScalarType.Int64) + x[.., 0, 0, 0].Gt(0).To(ScalarType.Int64));
        }
    }

    internal static (TinyConvNet Model, double[] Losses) Fit(TrainerOptions options, Device? device = null)
    {
        using var data = Images();
        using var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 1, Workers = 0 });
        Training.Trainer.SeedEverything(3);
        var model = new TinyConvNet();
        var trainer = new Training.Trainer(options with { MaxEpochs = 2, Device = device ?? Device.CPU, Seed = 3 });
        trainer.Fit(model, loader);
        var losses = trainer.History.Rows.Where(r => (string?)r["kind"] == "step" && r.ContainsKey("train_loss"))
            .Select(r => (double)r["train_loss"]!).ToArray();
        return (model, losses);
    }

    [Fact]
    public void Channels_last_lays_out_weights_and_images_and_learns_the_same()
    {
        var (plain, plainLosses) = Fit(new TrainerOptions { LogEveryNSteps = 1 });
        var (nhwc, nhwcLosses) = Fit(new TrainerOptions { LogEveryNSteps = 1, ChannelsLast = true });
        using (plain)
        using (nhwc)
        {
            Assert.All(plain.Seen, s => Assert.False(s.Input || s.Weight));
            Assert.Equal(8, nhwc.Seen.Count);
            Assert.All(nhwc.Seen, s => Assert.True(s.Input && s.Weight));
            Assert.Equal(8, plainLosses.Length);
            for (var i = 0; i < plainLosses.Length; i++) Assert.Equal(plainLosses[i], nhwcLosses[i], 5);
            Training.Trainer.SeedEverything(3);
            using var initial = new TinyConvNet();
            using var first = initial.StateDict();
            using var a = plain.StateDict();
            using var b = nhwc.StateDict();
            foreach (var (key, value) in a)
            {
                Compare.Close(b[key], value, 1e-5, 1e-5, key);
                Assert.False(value.AllClose(first[key]), $"{key} did not train");
            }
        }
    }

    [Fact]
    public void TF32_and_cudnn_benchmark_hold_for_the_run_and_are_given_back()
    {
        var before = (Torch.Backends.AllowTF32Matmul, Torch.Backends.AllowTF32Cudnn, Torch.Backends.CudnnBenchmark);
        var (off, _) = Fit(new TrainerOptions { Tf32 = false, CudnnBenchmark = true });
        var (on, _) = Fit(new TrainerOptions { Tf32 = true, CudnnBenchmark = true, Deterministic = true });
        using (off)
        using (on)
        {
            Assert.All(off.Seen, s => Assert.True(!s.Tf32 && s.Benchmark));
            Assert.All(on.Seen, s => Assert.True(s.Tf32 && !s.Benchmark));   // deterministic wins over benchmark
            Assert.Equal(before, (Torch.Backends.AllowTF32Matmul, Torch.Backends.AllowTF32Cudnn, Torch.Backends.CudnnBenchmark));
        }
    }
}

/// <summary>The trainer on a CUDA device: mixed precision and channels_last learn what float32 on the CPU learns.
/// Category GPU: skipped without a CUDA device.</summary>
[Trait("Category", Gpu.Category)]
[Collection(SerialTests.Name)]
public sealed class CudaTrainerTests
{
    [CudaTheory]
    [InlineData(Precision.Float32, false)]
    [InlineData(Precision.BFloat16Mixed, true)]
    [InlineData(Precision.Float16Mixed, true)]
    public void A_run_on_CUDA_follows_the_CPU_run(Precision precision, bool channelsLast)
    {
        var (cpu, cpuLosses) = BackendSwitchTests.Fit(new TrainerOptions { LogEveryNSteps = 1, Tf32 = false });
        var (gpu, gpuLosses) = BackendSwitchTests.Fit(new TrainerOptions
        {
            LogEveryNSteps = 1, Tf32 = false, Precision = precision, ChannelsLast = channelsLast,
        }, Device.CUDA(0));
        using (cpu)
        using (gpu)
        {
            Assert.All(gpu.Seen, s => Assert.Equal(channelsLast, s.Input && s.Weight));
            var tolerance = precision == Precision.Float32 ? 1e-4 : 3e-2;   // bf16 keeps 8 bits of mantissa
            for (var i = 0; i < cpuLosses.Length; i++)
                Assert.True(Math.Abs(gpuLosses[i] - cpuLosses[i]) <= tolerance * Math.Max(1, Math.Abs(cpuLosses[i])),
                    $"step {i}: CUDA {gpuLosses[i]} against CPU {cpuLosses[i]}");
        }
    }
}
