using System.Diagnostics;
using System.Text.Json;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Bench;

/// <summary>How bench/gpu.sh runs a GPU workload: the device, bf16 autocast or float32, and --smoke's tiny shapes
/// (seconds on a CPU, to check the loop itself).</summary>
internal sealed record GpuSettings(Device Device, bool Bf16, bool Smoke);

/// <summary>
/// The side-by-side GPU workloads of bench/gpu.sh, mirroring bench/python/bench_gpu.py: the same model, batch,
/// precision and step (forward under autocast, loss, backward, AdamW, fused where libtorch has it). Each prints one
/// JSON line: ms per step over repeats (each repeat ends in a device synchronize), plus items per step (images,
/// tokens) and, for the GPT, the model FLOPs per step that MFU is counted from.
/// </summary>
internal static class GpuWorkloads
{
    public static readonly Dictionary<string, Action<GpuSettings>> All = new()
    {
        ["gemm"] = Gemm,
        ["resnet18"] = ResNet18,
        ["gpt2"] = Gpt2,
        ["lstm"] = Lstm,
        ["dcgan"] = Dcgan,
    };

    // The dense peak that MFU is counted against: one large square matrix product in the run's dtype.
    private static void Gemm(GpuSettings s)
    {
        var n = s.Smoke ? 256 : 8192;
        var dtype = s.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        using var a = Torch.Randn([n, n], dtype, s.Device);
        using var b = Torch.Randn([n, n], dtype, s.Device);
        Report("gemm", s, Time(s, () => { using var c = a.Matmul(b); }, 10, 5), items: 1, flops: 2.0 * n * n * n);
    }

    private static void ResNet18(GpuSettings s)
    {
        Torch.ManualSeed(0);
        var batch = s.Smoke ? 8 : 512;
        using var model = Models.ResNet.ResNet18(new ResNetOptions { NumClasses = 10 });
        model.To(s.Device);
        var channelsLast = s.Device.Type == DeviceType.CUDA;
        if (channelsLast) model.To(MemoryFormat.ChannelsLast);
        using var x0 = Torch.Randn([batch, 3, 32, 32], device: s.Device);
        using var x = channelsLast ? x0.Contiguous(MemoryFormat.ChannelsLast) : x0.Alias();
        using var y = Torch.Randint(0, 10, [batch], device: s.Device);
        Report("resnet18", s, Time(s, Step(model, s, () => F.CrossEntropy(model.Forward(x), y)), s.Smoke ? 2 : 20, 5), items: batch);
    }

    private static void Gpt2(GpuSettings s)
    {
        Torch.ManualSeed(0);
        var config = s.Smoke ? new GptConfig { VocabSize = 256, BlockSize = 64, NLayer = 2, NHead = 2, NEmbd = 64 } : GptConfig.Gpt2Small;
        var batch = s.Smoke ? 2 : 8;
        using var model = new Gpt(config);
        model.To(s.Device);
        using var x = Torch.Randint(0, config.VocabSize, [batch, config.BlockSize], device: s.Device);
        using var y = Torch.Randint(0, config.VocabSize, [batch, config.BlockSize], device: s.Device);
        // PaLM's count, as nanoGPT's estimate_mfu: 6 per parameter per token, plus attention's 12·L·H·Q·T.
        double n = model.NumParameters(), t = config.BlockSize;
        var flopsPerToken = 6 * n + 12.0 * config.NLayer * config.NHead * (config.NEmbd / config.NHead) * t;
        Report("gpt2", s, Time(s, Step(model, s, () => Gpt.Loss(model.Forward(x), y)), s.Smoke ? 2 : 10, 5),
            items: batch * config.BlockSize, flops: flopsPerToken * batch * config.BlockSize);
    }

    private sealed class LstmTextClassifier : Module<Tensor, Tensor>
    {
        private readonly Embedding _embedding;
        private readonly LSTM _lstm;
        private readonly Linear _head;

        public LstmTextClassifier(int vocab, int embedding, int hidden)
        {
            _embedding = RegisterModule("embedding", new Embedding(vocab, embedding));
            _lstm = RegisterModule("lstm", new LSTM(embedding, hidden, batchFirst: true));
            _head = RegisterModule("head", new Linear(hidden, 2));
        }

        public override Tensor Forward(Tensor tokens)   // (B, T) -> (B, 2)
        {
            var (_, h, _) = _lstm.Forward(_embedding.Forward(tokens));   // h: (1, B, H)
            return _head.Forward(h[-1]);
        }
    }

    private static void Lstm(GpuSettings s)
    {
        Torch.ManualSeed(0);
        var (batch, steps) = s.Smoke ? (4, 16) : (256, 256);
        using var model = new LstmTextClassifier(20_000, 128, 256);
        model.To(s.Device);
        using var x = Torch.Randint(0, 20_000, [batch, steps], device: s.Device);
        using var y = Torch.Randint(0, 2, [batch], device: s.Device);
        Report("lstm", s, Time(s, Step(model, s, () => F.CrossEntropy(model.Forward(x), y)), s.Smoke ? 2 : 20, 5), items: batch);
    }

    // One DCGAN iteration as the paper's training loop: a discriminator step on real and generated images, then a
    // generator step, each with its own Adam(2e-4, β1 0.5).
    private static void Dcgan(GpuSettings s)
    {
        Torch.ManualSeed(0);
        var options = s.Smoke ? new DcganOptions { InChannels = 3, ImageSize = 32, GeneratorWidth = 8, DiscriminatorWidth = 8 }
                              : new DcganOptions { InChannels = 3, ImageSize = 64 };
        var batch = s.Smoke ? 4 : 128;
        using var g = new DcganGenerator(options);
        using var d = new DcganDiscriminator(options);
        g.To(s.Device);
        d.To(s.Device);
        var fused = Adam.IsFusedAvailable(s.Device);
        using var optG = new Adam(g.Parameters(), lr: 2e-4, betas: (0.5, 0.999), fused: fused);
        using var optD = new Adam(d.Parameters(), lr: 2e-4, betas: (0.5, 0.999), fused: fused);
        using var real = Torch.Randn([batch, 3, options.ImageSize, options.ImageSize], device: s.Device).Tanh();
        using var ones = Torch.Ones([batch], device: s.Device);
        using var zeros = Torch.Zeros([batch], device: s.Device);
        void Iteration()
        {
            using var scope = Torch.NewDisposeScope();
            var z = Torch.Randn([batch, options.LatentDim], device: s.Device);
            optD.ZeroGrad();
            Tensor fake;
            using (Autocast(s))
            {
                fake = g.Forward(z);
                var lossD = F.BinaryCrossEntropyWithLogits(d.Forward(real), ones) +
                            F.BinaryCrossEntropyWithLogits(d.Forward(fake.Detach()), zeros);
                lossD.Backward();
            }
            optD.Step();
            optG.ZeroGrad();
            using (Autocast(s)) F.BinaryCrossEntropyWithLogits(d.Forward(fake), ones).Backward();
            optG.Step();
        }
        Report("dcgan", s, Time(s, Iteration, s.Smoke ? 2 : 20, 5), items: batch);
    }

    private static Autocast? Autocast(GpuSettings s) => s.Bf16 ? MLRoadmap.Autocast.Enable(s.Device.Type, ScalarType.BFloat16) : null;

    // A training step as a user writes it: a dispose scope, forward and loss under autocast, backward, AdamW.
    private static Action Step(Module model, GpuSettings s, Func<Tensor> loss)
    {
        var optimizer = new AdamW(model.Parameters(), lr: 1e-4, fused: AdamW.IsFusedAvailable(s.Device));
        return () =>
        {
            using var scope = Torch.NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor value;
            using (Autocast(s)) value = loss();
            value.Backward();
            optimizer.Step();
        };
    }

    private static List<double> Time(GpuSettings s, Action step, int steps, int repeats)
    {
        void Sync()
        {
            if (s.Device.Type == DeviceType.CUDA) Torch.Cuda.Synchronize();
        }

        for (var i = 0; i < 3; i++) step();
        Sync();
        var samples = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < steps; i++) step();
            Sync();
            samples.Add(sw.Elapsed.TotalMilliseconds / steps);
        }
        return samples;
    }

    private static void Report(string workload, GpuSettings s, List<double> samples, long items, double flops = 0)
    {
        var sorted = samples.Order().ToList();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["lang"] = "csharp",
            ["workload"] = workload,
            ["unit"] = "ms_per_step",
            ["median"] = sorted[sorted.Count / 2],
            ["min"] = sorted[0],
            ["samples"] = samples,
            ["items_per_step"] = items,
            ["flops_per_step"] = flops,
            ["device"] = s.Device.Type == DeviceType.CUDA ? Torch.Cuda.GetDeviceInfo(0).Name : "cpu",
            ["precision"] = s.Bf16 ? "bf16" : "fp32",
            ["torch"] = Torch.Version,
        }));
    }
}
