using System.Globalization;

namespace MLRoadmap.Tests.Support;

/// <summary>Tensor comparisons that say where and by how much two tensors differ.</summary>
internal static class Compare
{
    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (NaNs must match, ±inf equal) and
    /// returns the largest absolute difference.</summary>
    public static double Close(Tensor actual, Tensor expected, double atol, double rtol, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(", ", actual.Shape)}] but expected [{string.Join(", ", expected.Shape)}]");
        Assert.True(actual.Dtype == expected.Dtype, $"{what}: dtype {actual.Dtype} but expected {expected.Dtype}");
        if (!actual.Dtype.IsFloatingPoint())
        {
            Assert.True(actual.Equal(expected), $"{what}: values differ (exact comparison of {actual.Dtype})");
            return 0;
        }
        var a = actual.ToArray<double>();
        var e = expected.ToArray<double>();
        double worst = 0, worstExcess = 0;
        var at = -1;
        for (var i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(e[i]) || double.IsInfinity(e[i]))
            {
                Assert.True(a[i].Equals(e[i]), $"{what}[{i}]: {a[i]} but expected {e[i]}");
                continue;
            }
            var diff = Math.Abs(a[i] - e[i]);
            if (double.IsNaN(diff)) diff = double.PositiveInfinity;
            worst = Math.Max(worst, diff);
            var excess = diff - (atol + rtol * Math.Abs(e[i]));
            if (excess > worstExcess)
            {
                worstExcess = excess;
                at = i;
            }
        }
        Assert.True(at < 0, at < 0 ? "" :
            $"{what}: element {at} is {a[at].ToString("R", CultureInfo.InvariantCulture)} but expected " +
            $"{e[at].ToString("R", CultureInfo.InvariantCulture)} (|diff| {Math.Abs(a[at] - e[at]):E3}, atol {atol:E1}, rtol {rtol:E1}); " +
            $"max |diff| {worst:E3}");
        return worst;
    }

    /// <summary>Bit-for-bit equality (same dtype, shape and bytes).</summary>
    public static void Exact(Tensor actual, Tensor expected, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(", ", actual.Shape)}] but expected [{string.Join(", ", expected.Shape)}]");
        Assert.True(actual.Dtype == expected.Dtype, $"{what}: dtype {actual.Dtype} but expected {expected.Dtype}");
        if (actual.ToBytes().AsSpan().SequenceEqual(expected.ToBytes())) return;
        using var scope = Torch.NewDisposeScope();
        var diff = actual.Dtype.IsFloatingPoint() ? (actual - expected).Abs().Max().Item<double>() : double.NaN;
        Assert.Fail($"{what}: not bit-identical to PyTorch's (max |diff| {diff:E3})");
    }
}
