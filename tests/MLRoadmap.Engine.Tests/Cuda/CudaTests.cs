using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Tests.Support;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.Cuda;

/// <summary>The CUDA path against the CPU one: the same ops, layers and optimizer steps give the same numbers, and the
/// CUDA-only features (memory statistics, autocast in fp16/bf16, fused optimizers, channels_last convolutions) work.
/// Category GPU: skipped without a CUDA device (see <see cref="Gpu"/>).</summary>
[Trait("Category", Gpu.Category)]
[Collection(SerialTests.Name)]
public sealed class CudaTests
{
    private static readonly Device Cuda = Device.CUDA(0);

    [CudaFact]
    public void Device_info_names_the_GPU()
    {
        var info = Torch.Cuda.GetDeviceInfo(0);
        Assert.False(string.IsNullOrWhiteSpace(info.Name));
        Assert.True(info.TotalBytes > 0 && info.FreeBytes > 0 && info.FreeBytes <= info.TotalBytes);
        Assert.True(info.Major >= 3);
        Assert.Equal(Cuda, Device.Auto);
    }

    [CudaFact]
    public void Copies_round_trip_exactly_and_ops_match_the_CPU()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Torch.Randn([64, 96]);
        var b = Torch.Randn([96, 32]);
        Compare.Exact(a.To(Cuda).To(Device.CPU), a, "round trip");
        var tf32 = Torch.Backends.AllowTF32Matmul;
        try
        {
            Torch.Backends.AllowTF32Matmul = false;   // IEEE float32 on both sides
            Compare.Close(a.To(Cuda).Matmul(b.To(Cuda)).Softmax(-1).To(Device.CPU), a.Matmul(b).Softmax(-1), 1e-5, 1e-4, "matmul+softmax");
        }
        finally
        {
            Torch.Backends.AllowTF32Matmul = tf32;
        }
    }

    [CudaFact]
    public void Memory_statistics_follow_allocations_and_EmptyCache_returns_the_cache()
    {
        Torch.Cuda.Synchronize();
        var before = Torch.Cuda.MemoryStats();
        var t = Torch.Zeros([64, 1024, 1024], device: Cuda);   // 256 MiB
        var during = Torch.Cuda.MemoryStats();
        Assert.True(during.Allocated - before.Allocated >= 256L << 20, $"allocated {before.Allocated} -> {during.Allocated}");
        Assert.True(during.Peak >= during.Allocated);
        t.Dispose();   // freed now, not at a GC
        Assert.True(Torch.Cuda.MemoryStats().Allocated <= before.Allocated);
        Torch.Cuda.EmptyCache();
        Assert.True(Torch.Cuda.MemoryStats().Reserved < during.Reserved);
    }

    [CudaTheory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Autocast_runs_linear_and_conv_in_the_lower_precision_and_keeps_the_loss_float32(ScalarType dtype)
    {
        using var scope = Torch.NewDisposeScope();
        using var linear = new Linear(32, 16);
        using var conv = new Conv2d(3, 8, 3, padding: 1);
        linear.To(Cuda);
        conv.To(Cuda);
        var x = Torch.Randn([4, 32], device: Cuda);
        var image = Torch.Randn([2, 3, 8, 8], device: Cuda);
        using (Autocast.Enable(DeviceType.CUDA, dtype))
        {
            var y = linear.Forward(x);
            Assert.Equal(dtype, y.Dtype);
            Assert.Equal(dtype, conv.Forward(image).Dtype);
            Assert.Equal(ScalarType.Float32, F.CrossEntropy(y.Narrow(1, 0, 4), Torch.Zeros([4], ScalarType.Int64, Cuda)).Dtype);
        }
        Assert.Equal(ScalarType.Float32, linear.Forward(x).Dtype);
    }

    [CudaTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamW_on_CUDA_fused_or_not_follows_the_CPU_trajectory(bool fused)
    {
        if (fused && !AdamW.IsFusedAvailable(Cuda)) return;   // libtorch before 2.1 has no fused kernel
        using var scope = Torch.NewDisposeScope();
        var start = Torch.Randn([10, 7]);
        var target = Torch.Randn([10, 7]);
        var cpu = start.Clone().RequiresGrad_();
        var gpu = start.To(Cuda).RequiresGrad_();
        var cpuOpt = new AdamW([cpu], lr: 0.05);
        var gpuOpt = new AdamW([gpu], lr: 0.05, fused: fused);
        var gpuTarget = target.To(Cuda);
        for (var step = 0; step < 10; step++)
        {
            cpuOpt.ZeroGrad();
            gpuOpt.ZeroGrad();
            (cpu - target).Pow(2).Sum().Backward();
            (gpu - gpuTarget).Pow(2).Sum().Backward();
            cpuOpt.Step();
            gpuOpt.Step();
        }
        Compare.Close(gpu.Detach().To(Device.CPU), cpu.Detach(), 1e-5, 1e-4, $"AdamW fused={fused}");
        cpuOpt.Dispose();
        gpuOpt.Dispose();
    }

    [CudaFact]
    public void Channels_last_convolution_on_CUDA_matches_the_row_major_one()
    {
        using var scope = Torch.NewDisposeScope();
        using var conv = new Conv2d(8, 16, 3, padding: 1);
        conv.To(Cuda);
        var x = Torch.Randn([4, 8, 16, 16], device: Cuda);
        var tf32 = Torch.Backends.AllowTF32Cudnn;
        try
        {
            Torch.Backends.AllowTF32Cudnn = false;
            var plain = conv.Forward(x);
            conv.To(MemoryFormat.ChannelsLast);
            var nhwc = conv.Forward(x.Contiguous(MemoryFormat.ChannelsLast));
            Assert.True(nhwc.IsContiguousIn(MemoryFormat.ChannelsLast));
            Compare.Close(nhwc, plain, 1e-5, 1e-4, "NHWC conv");
        }
        finally
        {
            Torch.Backends.AllowTF32Cudnn = tf32;
        }
    }

    [CudaFact]
    public void CUDA_generator_state_replays_the_same_draws()
    {
        using var scope = Torch.NewDisposeScope();
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(7);
            var state = Torch.GetRngState(Cuda);
            var first = Torch.Randn([1000], device: Cuda).To(Device.CPU);
            Torch.SetRngState(state, Cuda);
            Compare.Exact(Torch.Randn([1000], device: Cuda).To(Device.CPU), first, "replayed CUDA draws");
        }
    }
}
