using MLRoadmap.Interop;

namespace MLRoadmap;

// Seeds, generator state and random fills. Native side: src/Native/random.cpp.
public static partial class Torch
{
    /// <summary>Seeds the CPU generator and every CUDA generator, like torch.manual_seed: the same seed gives the
    /// same draws as PyTorch on the same libtorch.</summary>
    public static void ManualSeed(ulong seed) => Native.Check(Native.mlr_random_manual_seed(seed));

    /// <summary>The seed the device's generator was last seeded with.</summary>
    public static ulong InitialSeed(Device? device = null)
    {
        var d = device ?? Device.CPU;
        Native.Check(Native.mlr_random_initial_seed((int)d.Type, d.Index, out var seed));
        return seed;
    }

    /// <summary>The full state of a device's default generator (torch.get_rng_state / torch.cuda.get_rng_state).
    /// Store it in a checkpoint; <see cref="SetRngState"/> restores it so the next draws repeat exactly.</summary>
    public static byte[] GetRngState(Device? device = null)
    {
        var d = device ?? Device.CPU;
        Native.Check(Native.mlr_random_get_state((int)d.Type, d.Index, out var r));
        using var state = new Tensor(r).DetachFromDisposeScope();
        return state.ToArray<byte>();
    }

    public static void SetRngState(ReadOnlySpan<byte> state, Device? device = null)
    {
        var d = device ?? Device.CPU;
        using var t = Tensor(state).DetachFromDisposeScope();
        Native.Check(Native.mlr_random_set_state((int)d.Type, d.Index, t.Handle));
    }

    /// <summary>States of the CPU generator and of every CUDA device, for checkpoints.</summary>
    public static RngSnapshot GetRngSnapshot()
    {
        var cuda = new List<byte[]>();
        for (var i = 0; i < Cuda.DeviceCount; i++) cuda.Add(GetRngState(Device.CUDA(i)));
        return new RngSnapshot(GetRngState(Device.CPU), cuda);
    }

    public static void SetRngSnapshot(RngSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        SetRngState(snapshot.Cpu, Device.CPU);
        var n = Math.Min(snapshot.Cuda.Count, Cuda.DeviceCount);
        for (var i = 0; i < n; i++) SetRngState(snapshot.Cuda[i], Device.CUDA(i));
    }

    /// <summary>A 0/1 tensor drawn with each element's probability.</summary>
    public static Tensor Bernoulli(Tensor probabilities)
    {
        Native.Check(Native.mlr_random_bernoulli(probabilities.Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>Indices drawn from each row's (unnormalised) probabilities.</summary>
    public static Tensor Multinomial(Tensor probabilities, long samples, bool replacement = false)
    {
        Native.Check(Native.mlr_random_multinomial(probabilities.Handle, samples, replacement ? 1 : 0, out var r));
        return new Tensor(r);
    }
}

/// <summary>Saved generator states: the CPU's and one per CUDA device.</summary>
public sealed record RngSnapshot(byte[] Cpu, IReadOnlyList<byte[]> Cuda);

public partial class Tensor
{
    private Tensor Fill(int kind, double a, double b)
    {
        Native.Check(Native.mlr_random_fill_(kind, Handle, a, b));
        return this;
    }

    /// <summary>Fills with draws uniform on [from, to).</summary>
    public Tensor Uniform_(double from = 0, double to = 1) => Fill(0, from, to);

    public Tensor Normal_(double mean = 0, double std = 1) => Fill(1, mean, std);

    public Tensor Bernoulli_(double p = 0.5) => Fill(2, p, 0);

    /// <summary>Fills with integers uniform on [from, to).</summary>
    public Tensor Random_(long from, long to) => Fill(3, from, to);

    public Tensor Exponential_(double lambda = 1) => Fill(4, lambda, 0);

    public Tensor LogNormal_(double mean = 1, double std = 2) => Fill(5, mean, std);

    public Tensor Cauchy_(double median = 0, double sigma = 1) => Fill(6, median, sigma);

    public Tensor Geometric_(double p) => Fill(7, p, 0);
}
