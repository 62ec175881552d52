using MLRoadmap.Tests.Support;
using System.Buffers.Binary;
using System.Text.Json;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Optim;

/// <summary>
/// tests/fixtures/torch/optim.safetensors (see the README there): PyTorch 1.13's 20-step trajectories of
/// <c>loss = ((x @ w + b).tanh() - y).pow(2).mean()</c> with two parameter groups ([w] and [b]).
/// </summary>
internal static class OptimFixture
{
    public static string Path => System.IO.Path.Combine(Repo.Fixtures, "torch", "optim.safetensors");

    /// <summary>The file's tensors, loaded once and kept for the whole test run (outside every scope).</summary>
    public static SafeTensors.Contents File => TorchFixtures.Open("optim.safetensors");

    /// <summary>Every case name, read from the header alone (no native call, so test discovery stays cheap).</summary>
    public static IEnumerable<string> CaseNames() =>
        ReadMetadata(Path).Keys.Where(k => k is not "_about" and not "problem").Order(StringComparer.Ordinal);

    public static TheoryData<string> Cases() => new(CaseNames());

    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        var length = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, length));
        return header.RootElement.GetProperty("__metadata__").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    public static Case Load(string name) => new(name, JsonDocument.Parse(ReadMetadata(Path)[name]).RootElement.Clone());

    /// <summary>One case: its metadata, and how to rebuild its problem and optimizer with the engine.</summary>
    internal sealed record Case(string Name, JsonElement Meta)
    {
        public string Optimizer => Meta.GetProperty("optimizer").GetString()!;

        public ScalarType Dtype => Meta.GetProperty("dtype").GetString() == "float64" ? ScalarType.Float64 : ScalarType.Float32;

        public int Steps => Meta.GetProperty("steps").GetInt32();

        /// <summary>Fresh w and b (parameters, outside every scope) at the initial values, in the case's dtype.</summary>
        public (Parameter W, Parameter B) InitialParameters()
        {
            using var scope = Torch.NewDisposeScope();
            var w = new Parameter(File["problem/init/w"].To(Dtype, copy: true));
            var b = new Parameter(File["problem/init/b"].To(Dtype, copy: true));
            return (w, b);
        }

        /// <summary>The loss of the fixture's problem, in the current scope.</summary>
        public Tensor Loss(Tensor w, Tensor b)
        {
            var x = File["problem/x"].To(Dtype);
            var y = File["problem/y"].To(Dtype);
            return (x.Matmul(w) + b).Tanh().Sub(y).Pow(2).Mean();
        }

        /// <summary>The optimizer over [w] and [b] as the case built it: ctor_kwargs as arguments, the second group's
        /// overrides set through the group's indexer by PyTorch name. Unset arguments keep our defaults, which the
        /// tests then compare with PyTorch's recorded param_groups.</summary>
        public Optimizer CreateOptimizer(Tensor w, Tensor b)
        {
            var kw = Meta.GetProperty("ctor_kwargs");
            double D(string key, double fallback) => kw.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;
            bool B(string key) => kw.TryGetProperty(key, out var v) && v.GetBoolean();
            (double, double)? betas = kw.TryGetProperty("betas", out var bs) ? (bs[0].GetDouble(), bs[1].GetDouble()) : null;
            var second = new ParamGroup([b]);
            foreach (var o in Meta.GetProperty("group_overrides")[1].EnumerateObject()) second[o.Name] = o.Value.GetDouble();
            ParamGroup[] groups = [new ParamGroup([w]), second];
            return Optimizer switch
            {
                "SGD" => new SGD(groups, lr: D("lr", 1e-3), momentum: D("momentum", 0), dampening: D("dampening", 0),
                    weightDecay: D("weight_decay", 0), nesterov: B("nesterov"), maximize: B("maximize")),
                "Adam" => new Adam(groups, lr: D("lr", 1e-3), betas: betas, eps: D("eps", 1e-8),
                    weightDecay: D("weight_decay", 0), amsgrad: B("amsgrad"), maximize: B("maximize")),
                "AdamW" => new AdamW(groups, lr: D("lr", 1e-3), betas: betas, eps: D("eps", 1e-8),
                    weightDecay: D("weight_decay", 1e-2), amsgrad: B("amsgrad"), maximize: B("maximize")),
                "RMSprop" => new RMSprop(groups, lr: D("lr", 1e-2), alpha: D("alpha", 0.99), eps: D("eps", 1e-8),
                    weightDecay: D("weight_decay", 0), momentum: D("momentum", 0), centered: B("centered"),
                    maximize: B("maximize")),
                _ => throw new NotSupportedException($"no factory for {Optimizer}"),
            };
        }

        /// <summary>One training step as the fixture took it (PyTorch 1.13's default zero_grad keeps zeroed grads).
        /// Returns the loss before the step.</summary>
        public double TrainStep(Optimizer optimizer, Tensor w, Tensor b)
        {
            using var scope = Torch.NewDisposeScope();
            optimizer.ZeroGrad(setToNone: false);
            var loss = Loss(w, b);
            loss.Backward();
            optimizer.Step();
            return loss.Item<double>();
        }
    }

    /// <summary>Largest |a − b| − (atol + rtol·|b|) over the elements: &lt;= 0 means within tolerance. Also the
    /// largest plain |a − b|.</summary>
    public static (double Excess, double MaxAbs) Compare(Tensor actual, Tensor expected, double atol, double rtol)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var a = actual.ToArray<double>();
        var e = expected.ToArray<double>();
        double excess = double.NegativeInfinity, maxAbs = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs(a[i] - e[i]);
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, d);
            excess = Math.Max(excess, d - (atol + rtol * Math.Abs(e[i])));
        }
        return (excess, maxAbs);
    }

    public static (double Atol, double Rtol) Tolerance(ScalarType dtype) =>
        dtype == ScalarType.Float64 ? (1e-12, 1e-12) : (1e-6, 1e-5);
}
