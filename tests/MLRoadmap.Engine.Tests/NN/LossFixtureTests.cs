using MLRoadmap.Tests.Support;
using System.Globalization;
using System.Text.Json;
using MLRoadmap.NN;
using Xunit.Abstractions;
using static MLRoadmap.Tests.Support.TorchFixtures;

namespace MLRoadmap.Tests.NN;

/// <summary>Every case of tests/fixtures/torch/losses.safetensors: our loss module built from the case's
/// constructor arguments gives PyTorch's value and input gradient.</summary>
public class LossFixtureTests(ITestOutputHelper log)
{
    // Most cases are float64, where only summation order can differ; the *_f32 cases are float32.
    private const double F64Atol = 1e-12, F64Rtol = 1e-10;
    private const double F32Atol = 1e-6, F32Rtol = 1e-5;

    public static TheoryData<string> Cases => CaseNames("losses");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_matches_PyTorch(string name)
    {
        var file = Losses;
        var meta = Meta(file, name);
        Assert.Equal("criterion(input, target)", meta.GetProperty("call").GetString());
        using var scope = Torch.NewDisposeScope();
        var tensorArgs = meta.GetProperty("tensor_args").EnumerateArray().Select(e => e.GetString()!)
            .ToDictionary(n => n, n => file[$"{name}/{n}"]);
        using var criterion = Build(meta.GetProperty("loss").GetString()!, meta.GetProperty("args"), tensorArgs);

        var input = Copy(file[$"{name}/input"]).RequiresGrad_();
        var target = Copy(file[$"{name}/target"]);
        var output = criterion.Forward(input, target);

        var f32 = meta.GetProperty("dtype").GetString() == "float32";
        var (atol, rtol) = f32 ? (F32Atol, F32Rtol) : (F64Atol, F64Rtol);
        var outErr = Compare.Close(output, file[$"{name}/output"], atol, rtol, "loss");
        if (meta.GetProperty("grad_output").GetBoolean()) output.Backward(file[$"{name}/grad_output"]);
        else output.Backward();
        var gradErr = Compare.Close(input.Grad!, file[$"{name}/grad/input"], atol, rtol, "grad of input");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"maxerr loss {name} output {outErr:E2} grad {gradErr:E2}"));
        ErrorLog.Record(meta.GetProperty("loss").GetString()!, name, outErr, gradErr);
    }

    /// <summary>torch.nn.&lt;loss&gt;(**args, **tensor_args) in C#. Unknown arguments fail the test.</summary>
    private static Loss Build(string loss, JsonElement args, Dictionary<string, Tensor> tensors)
    {
        var used = new HashSet<string>();
        T Get<T>(string key, Func<JsonElement, T> read, T fallback)
        {
            used.Add(key);
            return args.TryGetProperty(key, out var v) ? read(v) : fallback;
        }
        Tensor? W(string key) => tensors.Remove(key, out var t) ? t : null;
        var reduction = Get("reduction", v => v.GetString() switch
        {
            "none" => Reduction.None,
            "mean" => Reduction.Mean,
            "sum" => Reduction.Sum,
            "batchmean" => Reduction.BatchMean,
            var other => throw new NotSupportedException($"reduction '{other}'"),
        }, Reduction.Mean);
        Loss criterion = loss switch
        {
            "CrossEntropyLoss" => new CrossEntropyLoss(W("weight"), Get("ignore_index", v => v.GetInt64(), -100L), reduction,
                Get("label_smoothing", v => v.GetDouble(), 0.0)),
            "NLLLoss" => new NLLLoss(W("weight"), Get("ignore_index", v => v.GetInt64(), -100L), reduction),
            "MSELoss" => new MSELoss(reduction),
            "L1Loss" => new L1Loss(reduction),
            "SmoothL1Loss" => new SmoothL1Loss(reduction, Get("beta", v => v.GetDouble(), 1.0)),
            "HuberLoss" => new HuberLoss(reduction, Get("delta", v => v.GetDouble(), 1.0)),
            "BCELoss" => new BCELoss(W("weight"), reduction),
            "BCEWithLogitsLoss" => new BCEWithLogitsLoss(W("weight"), reduction, W("pos_weight")),
            "KLDivLoss" => new KLDivLoss(reduction, Get("log_target", v => v.GetBoolean(), false)),
            _ => throw new NotSupportedException($"no C# loss for torch.nn.{loss}"),
        };
        var unused = args.EnumerateObject().Select(p => p.Name).Where(n => !used.Contains(n)).Concat(tensors.Keys).ToList();
        if (unused.Count > 0) throw new NotSupportedException($"{loss}: the test ignores argument(s) {string.Join(", ", unused)}");
        return criterion;
    }
}
