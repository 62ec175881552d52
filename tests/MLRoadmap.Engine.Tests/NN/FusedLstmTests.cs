using System.Globalization;
using MLRoadmap.NN;
using MLRoadmap.Tests.Support;
using Xunit.Abstractions;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// The fused CPU LSTM (src/Native/nn_lstm_cpu.cpp) against libtorch's own at::lstm (Torch.Backends.FusedCpuLstm =
/// false) on the same module and inputs: outputs, final states and every gradient; a finite-difference gradcheck;
/// dropout between layers with the same seed; unused outputs; the refusal of double backward; memory. Serial: the
/// switch and the generator are process-global.
/// </summary>
[Collection(SerialTests.Name)]
public class FusedLstmTests(ITestOutputHelper log)
{
    // float64 agrees to rounding (observed ~1e-14); float32 within the bounds LayerFixtureTests uses against PyTorch.
    private const double F64Atol = 1e-10, F64Rtol = 1e-9;
    private const double F32OutAtol = 1e-6, F32OutRtol = 1e-5, F32GradAtol = 1e-5, F32GradRtol = 1e-4;

    /// <summary>One comparison: the LSTM's shape, which optional parts it has, and the sequence (T) and batch (B).</summary>
    public sealed record Config(string Name, int Layers, bool Bidirectional, bool BatchFirst, bool InitialState, bool Bias,
        ScalarType Dtype, long T, long B, long Input = 3, long Hidden = 5);

    private static readonly Config[] Configs =
    [
        new("1 layer f32", 1, false, false, false, true, ScalarType.Float32, 5, 3),
        new("1 layer f64 h0 c0", 1, false, false, true, true, ScalarType.Float64, 5, 3),
        new("2 layers bidirectional f64 h0 c0", 2, true, false, true, true, ScalarType.Float64, 4, 2),
        new("2 layers bidirectional batch-first f32 h0 c0", 2, true, true, true, true, ScalarType.Float32, 4, 2),
        new("3 layers batch-first no bias f32 B=1", 3, false, true, true, false, ScalarType.Float32, 6, 1),
        new("3 layers bidirectional no bias f64", 3, true, false, false, false, ScalarType.Float64, 5, 3),
        new("2 layers bidirectional batch-first f64 T=1", 2, true, true, false, true, ScalarType.Float64, 1, 4),
        new("1 layer bidirectional f32 T=1 B=1 h0 c0", 1, true, false, true, true, ScalarType.Float32, 1, 1),
        new("3 layers bidirectional batch-first f32 h0 c0", 3, true, true, true, true, ScalarType.Float32, 7, 5),
        new("1 layer batch-first f64", 1, false, true, false, true, ScalarType.Float64, 9, 2),
        // Big enough for the batch to be split over threads, and a hidden size that leaves a partial vector.
        new("2 layers bidirectional f32 B=40 H=37", 2, true, false, true, true, ScalarType.Float32, 12, 40, 10, 37),
        new("1 layer batch-first f32 B=32 H=64", 1, false, true, true, true, ScalarType.Float32, 16, 32, 16, 64),
        new("2 layers f64 B=40 H=37", 2, false, false, true, true, ScalarType.Float64, 6, 40, 10, 37),
    ];

    public static TheoryData<string> ConfigNames => new(Configs.Select(c => c.Name));

    /// <summary>Fixed, uneven weights for a scalar projection of an output (as GradCheck uses).</summary>
    private static Tensor Projection(Tensor like, double phase) =>
        Torch.Arange(0, like.Numel, dtype: like.Dtype).Mul(0.7).Add(phase).Sin().Add(0.3).Reshape(like.Shape);

    /// <summary>Runs the module with the switch set as given and returns output, h_n, c_n and the gradient of a
    /// projection of the chosen outputs with respect to the input, the initial states and every parameter (a null
    /// gradient, one that did not reach, comes back as "none").</summary>
    private static List<(string Name, Tensor? Value)> Run(LSTM m, Tensor x, Tensor? h0, Tensor? c0, bool fused,
        bool useOutput = true, bool useH = true, bool useC = true)
    {
        var previous = Torch.Backends.FusedCpuLstm;
        Torch.Backends.FusedCpuLstm = fused;
        try
        {
            var (o, h, c) = m.Forward(x, h0, c0);
            var loss = Torch.Zeros([], x.Dtype);
            if (useOutput) loss = loss + (o * Projection(o, 0)).Sum();
            if (useH) loss = loss + (h * Projection(h, 1)).Sum();
            if (useC) loss = loss + (c * Projection(c, 2)).Sum();
            var wrt = new List<(string Name, Tensor Tensor)> { ("input", x) };
            if (h0 is not null) wrt.Add(("h0", h0));
            if (c0 is not null) wrt.Add(("c0", c0));
            wrt.AddRange(m.NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter)));
            var grads = Torch.Grad([loss], wrt.Select(w => w.Tensor).ToArray(), allowUnused: true);
            var result = new List<(string, Tensor?)> { ("output", o), ("h_n", h), ("c_n", c) };
            for (var k = 0; k < wrt.Count; k++) result.Add(($"grad {wrt[k].Name}", grads[k]));
            return result;
        }
        finally
        {
            Torch.Backends.FusedCpuLstm = previous;
        }
    }

    /// <summary>Asserts fused and libtorch agree entry by entry; returns the largest |difference| of outputs and of
    /// gradients.</summary>
    private static (double Output, double Grad) AssertAgree(List<(string Name, Tensor? Value)> fused,
        List<(string Name, Tensor? Value)> reference, ScalarType dtype)
    {
        Assert.Equal(reference.Select(r => r.Name), fused.Select(f => f.Name));
        double worstOut = 0, worstGrad = 0;
        for (var k = 0; k < fused.Count; k++)
        {
            var (name, f) = fused[k];
            var r = reference[k].Value;
            Assert.True(f is null == r is null, $"{name}: {(f is null ? "none" : "a tensor")} from the fused path, {(r is null ? "none" : "a tensor")} from libtorch");
            if (f is null || r is null) continue;
            var isGrad = name.StartsWith("grad ", StringComparison.Ordinal);
            var (atol, rtol) = dtype == ScalarType.Float64 ? (F64Atol, F64Rtol) : isGrad ? (F32GradAtol, F32GradRtol) : (F32OutAtol, F32OutRtol);
            var d = Compare.Close(f, r, atol, rtol, name);
            if (isGrad) worstGrad = Math.Max(worstGrad, d);
            else worstOut = Math.Max(worstOut, d);
        }
        return (worstOut, worstGrad);
    }

    private static (LSTM Module, Tensor X, Tensor? H0, Tensor? C0) Build(Config c, ulong seed)
    {
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(seed);
            var m = new LSTM(c.Input, c.Hidden, c.Layers, c.Bias, c.BatchFirst, 0.0, c.Bidirectional, dtype: c.Dtype);
            var x = Torch.Randn(c.BatchFirst ? [c.B, c.T, c.Input] : [c.T, c.B, c.Input], c.Dtype).RequiresGrad_();
            long[] stateShape = [c.Layers * (c.Bidirectional ? 2 : 1), c.B, c.Hidden];
            var h0 = c.InitialState ? Torch.Randn(stateShape, c.Dtype).RequiresGrad_() : null;
            var c0 = c.InitialState ? Torch.Randn(stateShape, c.Dtype).RequiresGrad_() : null;
            return (m, x, h0, c0);
        }
    }

    [Theory]
    [MemberData(nameof(ConfigNames))]
    public void Fused_matches_libtorch_in_outputs_states_and_every_gradient(string name)
    {
        var c = Configs.Single(c => c.Name == name);
        using var scope = Torch.NewDisposeScope();
        var (m, x, h0, c0) = Build(c, 1234);
        using var module = m;
        var (worstOut, worstGrad) = AssertAgree(Run(m, x, h0, c0, fused: true), Run(m, x, h0, c0, fused: false), c.Dtype);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: max |fused - libtorch| output {worstOut:E2}, grad {worstGrad:E2}"));
    }

    [Theory]
    [InlineData("h_n only", false, true, false)]
    [InlineData("c_n only", false, false, true)]
    [InlineData("output only", true, false, false)]
    public void Gradients_are_right_when_only_some_outputs_are_used(string what, bool useOutput, bool useH, bool useC)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            using var scope = Torch.NewDisposeScope();
            var c = new Config(what, 2, true, true, true, true, dtype, 6, 3);
            var (m, x, h0, c0) = Build(c, 99);
            using var module = m;
            var (worstOut, worstGrad) = AssertAgree(Run(m, x, h0, c0, true, useOutput, useH, useC),
                Run(m, x, h0, c0, false, useOutput, useH, useC), dtype);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} {dtype}: output {worstOut:E2}, grad {worstGrad:E2}"));
        }
    }

    [Fact]
    public void Non_finite_values_propagate_as_in_libtorch()
    {
        // The float32 activations are the engine's own vector code: saturation at ±inf and NaN must match ATen's.
        using var scope = Torch.NewDisposeScope();
        var c = new Config("non-finite", 2, true, false, true, true, ScalarType.Float32, 4, 3);
        var (m, x, h0, c0) = Build(c, 11);
        using var module = m;
        using (Torch.NoGrad())
        {
            var flat = x.View(-1);
            flat[0] = Torch.Scalar(float.PositiveInfinity);
            flat[4] = Torch.Scalar(float.NegativeInfinity);
            flat[20] = Torch.Scalar(float.NaN);
            x.Mul_(50);  // big pre-activations as well, deep in both saturated ranges
        }
        var previous = Torch.Backends.FusedCpuLstm;
        try
        {
            Torch.Backends.FusedCpuLstm = true;
            var (fo, fh, fc) = m.Forward(x, h0, c0);
            Torch.Backends.FusedCpuLstm = false;
            var (lo, lh, lc) = m.Forward(x, h0, c0);
            Compare.Close(fo, lo, F32OutAtol, F32OutRtol, "output");
            Compare.Close(fh, lh, F32OutAtol, F32OutRtol, "h_n");
            Compare.Close(fc, lc, F32OutAtol, F32OutRtol, "c_n");
            Assert.True(lo.IsNan().Any().Item<bool>(), "the NaN reached the outputs");
        }
        finally
        {
            Torch.Backends.FusedCpuLstm = previous;
        }
    }

    [Fact]
    public void The_fused_path_is_the_one_taken_and_the_switch_reads_back()
    {
        // The default is on unless this process was started with MLROADMAP_FUSED_LSTM=0.
        Assert.Equal(Environment.GetEnvironmentVariable("MLROADMAP_FUSED_LSTM") != "0", Torch.Backends.FusedCpuLstm);
        var previous = Torch.Backends.FusedCpuLstm;
        using var scope = Torch.NewDisposeScope();
        using var m = new LSTM(3, 4);
        var x = Torch.Randn([5, 2, 3]);
        try
        {
            // One layer, one direction, sequence-first: the output comes straight from the fused autograd node.
            Torch.Backends.FusedCpuLstm = true;
            Assert.True(Torch.Backends.FusedCpuLstm);
            var fusedNode = m.Forward(x).Output.GradFnName;
            Torch.Backends.FusedCpuLstm = false;
            Assert.False(Torch.Backends.FusedCpuLstm);
            var libtorchNode = m.Forward(x).Output.GradFnName;
            log.WriteLine($"fused: {fusedNode}; libtorch: {libtorchNode}");
            Assert.Contains("LstmLayer", fusedNode, StringComparison.Ordinal);
            Assert.DoesNotContain("LstmLayer", libtorchNode, StringComparison.Ordinal);
        }
        finally
        {
            Torch.Backends.FusedCpuLstm = previous;
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Float64_gradcheck_of_the_fused_path(bool bidirectional, bool bias)
    {
        Assert.True(Torch.Backends.FusedCpuLstm);
        using var scope = Torch.NewDisposeScope();
        Tensor x, h0, c0;
        LSTM m;
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(5);
            m = new LSTM(3, 3, numLayers: 2, bias: bias, bidirectional: bidirectional, dtype: ScalarType.Float64);
            var dirs = bidirectional ? 2 : 1;
            x = GradCheck.Input([4, 2, 3]);
            h0 = GradCheck.Input([2 * dirs, 2, 3]);
            c0 = GradCheck.Input([2 * dirs, 2, 3]);
        }
        using var module = m;
        var wrt = new List<(string, Tensor)> { ("x", x), ("h0", h0), ("c0", c0) };
        wrt.AddRange(m.NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter)));
        GradCheck.Check(() =>
        {
            var (o, h, c) = m.Forward(x, h0, c0);
            return Torch.Cat([o.Flatten(), h.Flatten(), c.Flatten()]);
        }, wrt);

        // T = 1: the first step is also the last.
        var x1 = GradCheck.Input([1, 3, 3]);
        GradCheck.Check(() =>
        {
            var (o, h, c) = m.Forward(x1);
            return Torch.Cat([o.Flatten(), h.Flatten(), c.Flatten()]);
        }, [("x1", x1), .. m.NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter))]);
    }

    [Theory]
    [InlineData(false, ScalarType.Float64)]
    [InlineData(true, ScalarType.Float64)]
    [InlineData(true, ScalarType.Float32)]
    public void Dropout_between_layers_draws_as_libtorch_does(bool bidirectional, ScalarType dtype)
    {
        using var scope = Torch.NewDisposeScope();
        var c = new Config("dropout", 3, bidirectional, true, true, true, dtype, 5, 4);
        var (plain, x, h0, c0) = Build(c, 7);
        using var _ = plain;
        using var m = new LSTM(c.Input, c.Hidden, c.Layers, c.Bias, c.BatchFirst, 0.4, c.Bidirectional, dtype: dtype);
        using (var state = plain.StateDict()) Assert.True(m.LoadStateDict(state).IsExactMatch);
        m.Train();

        // Same seed, same masks: the fused path calls at::dropout on each layer's output but the last, in at::lstm's
        // order and shapes, so it draws the same numbers and leaves the generator in the same state.
        List<(string, Tensor?)> Seeded(bool fused, out Tensor next)
        {
            lock (TorchFixtures.SeedLock)
            {
                Torch.ManualSeed(2024);
                var r = Run(m, x, h0, c0, fused);
                next = Torch.Rand([4], dtype);
                return r;
            }
        }
        var fusedRun = Seeded(true, out var fusedNext);
        var libtorchRun = Seeded(false, out var libtorchNext);
        AssertAgree(fusedRun, libtorchRun, dtype);
        Compare.Exact(fusedNext, libtorchNext, "the generator's next draw after the forward");

        // Dropout did act in training (outputs differ from the module without it)...
        var noDropout = Run(plain, x, h0, c0, fused: true);
        Assert.False(((Tensor)fusedRun[0].Item2!).AllClose((Tensor)noDropout[0].Value!), "training with dropout 0.4 changed nothing");
        // ...and is off in evaluation, where the module equals the one without dropout.
        m.Eval();
        AssertAgree(Run(m, x, h0, c0, fused: true), noDropout, dtype);

        // One layer: there is no layer after it, so dropout never applies, even in training.
        using var single = new LSTM(c.Input, c.Hidden, 1, dropout: 0.4, batchFirst: true, dtype: dtype);
        single.Train();
        var trained = Run(single, x, null, null, fused: true);
        single.Eval();
        AssertAgree(trained, Run(single, x, null, null, fused: true), dtype);
    }

    [Fact]
    public void Differentiating_a_fused_gradient_is_refused_with_a_clear_message()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new LSTM(3, 4, numLayers: 2, dtype: ScalarType.Float64);
        var x = Torch.Randn([3, 2, 3], ScalarType.Float64).RequiresGrad_();
        var weight = m.NamedParameters().First().Parameter;

        var (o, _, _) = m.Forward(x);
        var g = Torch.Grad([(o * o).Sum()], [x], createGraph: true)[0]!;
        var viaGrad = Assert.Throws<TorchException>(() => Torch.Grad([g.Sum()], [weight]));
        Assert.Contains("first-order gradients only", viaGrad.Message, StringComparison.Ordinal);
        Assert.Contains("FusedCpuLstm = false", viaGrad.Message, StringComparison.Ordinal);

        (o, _, _) = m.Forward(x);
        g = Torch.Grad([(o * o).Sum()], [x], createGraph: true)[0]!;
        var viaBackward = Assert.Throws<TorchException>(() => g.Sum().Backward());
        Assert.Contains("first-order gradients only", viaBackward.Message, StringComparison.Ordinal);
        m.ZeroGrad();

        // First-order gradients with create_graph still come out right, and libtorch's path differentiates twice.
        var previous = Torch.Backends.FusedCpuLstm;
        try
        {
            Torch.Backends.FusedCpuLstm = false;
            (o, _, _) = m.Forward(x);
            var reference = Torch.Grad([(o * o).Sum()], [x], createGraph: true)[0]!;
            Compare.Close(g, reference, F64Atol, F64Rtol, "first-order gradient under create_graph");
            Assert.NotNull(Torch.Grad([reference.Sum()], [weight])[0]);
        }
        finally
        {
            Torch.Backends.FusedCpuLstm = previous;
        }
    }

    [Fact]
    public void Forward_and_backward_in_a_scope_leave_no_tensors_behind()
    {
        Assert.True(Torch.Backends.FusedCpuLstm);
        using var m = new LSTM(3, 5, numLayers: 2, batchFirst: true, dropout: 0.3, bidirectional: true);
        m.Train();
        void Step()
        {
            using var scope = Torch.NewDisposeScope();
            var x = Torch.Randn([4, 6, 3]).RequiresGrad_();
            var h0 = Torch.Randn([4, 4, 5]).RequiresGrad_();
            var c0 = Torch.Randn([4, 4, 5]).RequiresGrad_();
            var (o, h, c) = m.Forward(x, h0, c0);
            (o.Sum() + h.Sum() + c.Sum()).Backward();
            var (o2, _, _) = m.Forward(x);
            o2.Sum().Backward();
        }
        Step();
        m.ZeroGrad();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        var baseline = Torch.LiveTensorCount;
        Step();
        m.ZeroGrad();
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }
}
