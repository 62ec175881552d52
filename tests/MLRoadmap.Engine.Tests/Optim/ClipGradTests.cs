using System.Text.Json;
using MLRoadmap.NN;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Optim;

/// <summary>NN.Utils.ClipGradNorm_ / ClipGradValue_ against tests/fixtures/torch/clip_grad.safetensors (made by
/// make_clip_fixtures.py with PyTorch 1.13; its docstring describes the keys).</summary>
public class ClipGradTests
{
    private static string FixturePath => Path.Combine(Repo.Fixtures, "torch", "clip_grad.safetensors");

    private static readonly Lazy<SafeTensors.Contents> Contents = new(() => SafeTensors.Load(FixturePath));

    public static TheoryData<string> Cases() =>
        new(OptimFixture.ReadMetadata(FixturePath).Keys.Where(k => k != "_about").Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch(string name)
    {
        var fx = Contents.Value;
        using var meta = JsonDocument.Parse(fx.Metadata[name]);
        var m = meta.RootElement;
        using var scope = Torch.NewDisposeScope();
        var specs = m.GetProperty("params").EnumerateArray().ToList();
        var parameters = new List<Parameter>();
        try
        {
            for (var i = 0; i < specs.Count; i++)
            {
                var grad = fx.TryGet($"{name}/grad.{i}", out var g) ? g : null;
                var dtype = grad?.Dtype ?? ScalarType.Float32;
                var shape = specs[i].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var p = new Parameter(Torch.Zeros(shape, dtype));
                parameters.Add(p);
                Assert.Equal(specs[i].GetProperty("has_grad").GetBoolean(), grad is not null);
                if (grad is not null) p.Grad = grad.Clone();
            }

            var tolerance = parameters.Any(p => p.Dtype == ScalarType.Float64) ? 1e-12 : 1e-6;
            if (m.GetProperty("fn").GetString() == "clip_grad_value_")
            {
                Utils.ClipGradValue_(parameters, m.GetProperty("clip_value").GetDouble());
            }
            else
            {
                var normType = m.GetProperty("norm_type") is { ValueKind: JsonValueKind.String } s && s.GetString() == "inf"
                    ? double.PositiveInfinity
                    : m.GetProperty("norm_type").GetDouble();
                var maxNorm = m.GetProperty("max_norm").GetDouble();
                var errorIfNonfinite = m.GetProperty("error_if_nonfinite").GetBoolean();
                if (m.GetProperty("raises").GetBoolean())
                {
                    var e = Assert.Throws<TorchException>(() => Utils.ClipGradNorm_(parameters, maxNorm, normType, errorIfNonfinite));
                    Assert.Contains("non-finite", e.Message, StringComparison.Ordinal);
                }
                else
                {
                    var total = Utils.ClipGradNorm_(parameters, maxNorm, normType, errorIfNonfinite);
                    AssertClose(fx[$"{name}/total_norm"], total, tolerance);
                }
            }
            for (var i = 0; i < parameters.Count; i++)
            {
                if (!fx.TryGet($"{name}/clipped.{i}", out var expected))
                {
                    Assert.Null(parameters[i].Grad);
                    continue;
                }
                AssertClose(expected, parameters[i].Grad!, tolerance);
            }
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.Dtype, actual.Dtype);
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        for (var k = 0; k < e.Length; k++)
        {
            if (double.IsNaN(e[k])) Assert.True(double.IsNaN(a[k]), $"element {k}: {a[k]}, PyTorch NaN");
            else Assert.True(e[k] == a[k] || Math.Abs(e[k] - a[k]) <= tolerance * Math.Max(1, Math.Abs(e[k])),
                $"element {k}: {a[k]}, PyTorch {e[k]}");
        }
    }

    [Fact]
    public void Clipping_inside_a_scope_leaves_the_gradients_with_the_parameters()
    {
        using var p = new Parameter(Torch.Ones([4]));
        using (var scope = Torch.NewDisposeScope())
        {
            (p * 3).Sum().Backward();
            var total = Utils.ClipGradNorm_([p], 1.0);
            Assert.Equal(6.0, total.Item<double>(), 5);
        }
        // Gradient values 3/(6 + 1e-6): each 0.5 up to the epsilon.
        Assert.All(p.Grad!.ToArray<float>(), v => Assert.Equal(0.5f, v, 5));
    }
}
