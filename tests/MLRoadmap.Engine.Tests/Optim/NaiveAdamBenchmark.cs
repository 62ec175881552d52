using System.Diagnostics;
using System.Globalization;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using Xunit.Abstractions;

namespace MLRoadmap.Tests.Optim;

/// <summary>
/// For comparison only: Adam as a managed loop over parameters, each update spelled out with engine tensor ops,
/// the way TorchSharp's optimizers work. Same math and op order as torch 1.13's single-tensor Adam.
/// </summary>
internal sealed class NaiveAdam(IReadOnlyList<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9,
    double beta2 = 0.999, double eps = 1e-8) : IDisposable
{
    private readonly Tensor?[] _expAvg = new Tensor?[parameters.Count];
    private readonly Tensor?[] _expAvgSq = new Tensor?[parameters.Count];
    private readonly float[] _step = new float[parameters.Count];

    public void Step()
    {
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var grad = p.Grad;
            if (grad is null) continue;
            var m = _expAvg[i] ??= Torch.ZerosLike(p).DetachFromDisposeScope();
            var v = _expAvgSq[i] ??= Torch.ZerosLike(p).DetachFromDisposeScope();
            var step = ++_step[i];
            m.Mul_(beta1).Add_(grad, 1 - beta1);
            v.Mul_(beta2).Addcmul_(grad, grad, 1 - beta2);
            var stepSize = lr / (1 - Math.Pow(beta1, step));
            var denom = (v.Sqrt() / Math.Sqrt(1 - Math.Pow(beta2, step))).Add_(eps);
            p.Addcdiv_(m, denom, -stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var t in _expAvg.Concat(_expAvgSq)) t?.Dispose();
    }
}

/// <summary>The multi-tensor Adam against <see cref="NaiveAdam"/>: the same numbers, and (with MLR_BENCH=1) the time
/// of 1,000 steps each. No timing is asserted.</summary>
public class NaiveAdamBenchmark(ITestOutputHelper output)
{
    /// <summary>An MLP's parameters: `layers` Linear(width, width) layers, a weight and a bias each, with
    /// gradients. Values are sines of a ramp, not random draws: these tests stay off the global generator, which
    /// seeded tests elsewhere rely on.</summary>
    private static List<Parameter> Mlp(int layers, int width)
    {
        var ps = new List<Parameter>();
        using var scope = Torch.NewDisposeScope();
        Tensor Wave(long[] shape, double frequency) =>
            Torch.Arange(0, shape.Aggregate(1L, (a, b) => a * b), dtype: ScalarType.Float32).Mul(frequency).Sin().Reshape(shape);
        for (var l = 0; l < layers; l++)
        {
            ps.Add(new Parameter(Wave([width, width], 0.37 + l) * 0.05));
            ps.Add(new Parameter(Wave([width], 1.13 + l) * 0.05));
        }
        for (var i = 0; i < ps.Count; i++) ps[i].Grad = Wave(ps[i].Shape, 0.71 + 0.1 * i);
        return ps;
    }

    private static List<Parameter> CopyOf(List<Parameter> source)
    {
        using var scope = Torch.NewDisposeScope();
        var copies = source.Select(p => new Parameter(p.Detach().Clone())).ToList();
        for (var i = 0; i < copies.Count; i++) copies[i].Grad = source[i].Grad!.Clone();
        return copies;
    }

    [Fact]
    public void The_naive_per_parameter_loop_and_the_multi_tensor_step_agree_bit_for_bit()
    {
        var a = Mlp(25, 16);
        var b = CopyOf(a);
        try
        {
            using var fast = new Adam(a, lr: 1e-2);
            using var naive = new NaiveAdam(b, lr: 1e-2);
            for (var step = 0; step < 5; step++)
            {
                fast.Step();
                naive.Step();
            }
            for (var i = 0; i < a.Count; i++) Assert.Equal(b[i].ToBytes(), a[i].ToBytes());
        }
        finally
        {
            foreach (var p in a.Concat(b)) p.Dispose();
        }
    }

    [Theory]
    [InlineData(25, 128)]
    [InlineData(25, 512)]
    public void Benchmark_1000_adam_steps_multi_tensor_vs_naive_loop(int layers, int width)
    {
        // 1,000 steps of each, interleaved in rounds of 100 so that load from other processes hits both alike; the
        // median round is reported. Without MLR_BENCH=1 only a smoke run.
        var bench = Environment.GetEnvironmentVariable("MLR_BENCH") == "1";
        var (rounds, perRound) = bench ? (10, 100) : (1, 3);
        var a = Mlp(layers, width);
        var b = CopyOf(a);
        try
        {
            using var fast = new Adam(a);
            using var naive = new NaiveAdam(b);
            Time(() => fast.Step(), Math.Min(perRound, 20));
            Time(naive.Step, Math.Min(perRound, 20));
            var tFast = new List<double>();
            var tNaive = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                tFast.Add(Time(() => fast.Step(), perRound) / perRound);
                tNaive.Add(Time(naive.Step, perRound) / perRound);
            }
            double Median(List<double> t) => t.Order().ElementAt(t.Count / 2);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{a.Count} tensors, {a.Sum(p => p.Numel):N0} parameters, {Torch.NumThreads} threads, {rounds * perRound} steps each: " +
                $"multi-tensor {Median(tFast) * 1e6:F0} µs/step (min {tFast.Min() * 1e6:F0}), " +
                $"naive loop {Median(tNaive) * 1e6:F0} µs/step (min {tNaive.Min() * 1e6:F0}), " +
                $"naive/multi-tensor {Median(tNaive) / Median(tFast):F2}x"));
        }
        finally
        {
            foreach (var p in a.Concat(b)) p.Dispose();
        }
    }

    private static double Time(Action step, int steps)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            using var scope = Torch.NewDisposeScope();
            step();
        }
        return clock.Elapsed.TotalSeconds;
    }
}
