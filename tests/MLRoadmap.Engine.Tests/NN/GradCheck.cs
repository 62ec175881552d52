using MLRoadmap.Tests.Support;
namespace MLRoadmap.Tests.NN;

/// <summary>
/// Finite-difference gradient checks in float64: autograd's gradient of a scalar projection of f's output,
/// L = Σ f(·) ⊙ w with fixed uneven weights w, against central differences (L(x + ε) − L(x − ε)) / 2ε, one element
/// at a time, for each tensor in <c>wrt</c>.
/// </summary>
internal static class GradCheck
{
    /// <param name="f">The function under test. It must be deterministic (no dropout) and read the tensors in
    /// <paramref name="wrt"/>, which are float64 leaves requiring grad and are perturbed in place.</param>
    public static void Check(Func<Tensor> f, IReadOnlyList<(string Name, Tensor Tensor)> wrt, double eps = 1e-6,
        double atol = 1e-7, double rtol = 1e-5)
    {
        using var scope = Torch.NewDisposeScope();
        foreach (var (name, t) in wrt)
        {
            Assert.True(t.Dtype == ScalarType.Float64, $"{name}: gradient checks need float64, got {t.Dtype}");
            Assert.True(t.RequiresGrad, $"{name} does not require grad");
        }

        var y = f();
        Assert.True(y.Dtype == ScalarType.Float64, $"f returned {y.Dtype}, expected float64");
        var weights = Torch.Arange(0, y.Numel, dtype: ScalarType.Float64).Mul(0.7).Sin().Add(0.3).Reshape(y.Shape);
        var loss = (y * weights).Sum();
        var analytic = Torch.Grad([loss], wrt.Select(w => w.Tensor).ToArray(), allowUnused: true);

        for (var k = 0; k < wrt.Count; k++)
        {
            var (name, t) = wrt[k];
            var values = t.ToArray<double>();
            var numeric = new double[values.Length];
            using (Torch.NoGrad())
            {
                var flat = t.View(-1);
                for (var i = 0; i < values.Length; i++)
                {
                    flat[i] = Torch.Scalar(values[i] + eps);
                    var plus = Evaluate(f, weights);
                    flat[i] = Torch.Scalar(values[i] - eps);
                    var minus = Evaluate(f, weights);
                    flat[i] = Torch.Scalar(values[i]);
                    numeric[i] = (plus - minus) / (2 * eps);
                }
            }
            var auto = analytic[k]?.ToArray<double>() ?? new double[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                var diff = Math.Abs(auto[i] - numeric[i]);
                Assert.True(diff <= atol + rtol * Math.Abs(numeric[i]),
                    $"d/d{name}[{i}]: autograd {auto[i]:R} but finite differences {numeric[i]:R} (|diff| {diff:E2})");
            }
        }
    }

    private static double Evaluate(Func<Tensor> f, Tensor weights)
    {
        using var scope = Torch.NewDisposeScope();
        return (f() * weights).Sum().Item<double>();
    }

    /// <summary>A float64 leaf requiring grad, filled from N(0, scale²).</summary>
    public static Tensor Input(long[] shape, double scale = 1.0)
    {
        var t = Torch.Randn(shape, ScalarType.Float64).Mul_(scale);
        t.RequiresGrad = true;
        return t;
    }
}
