using System.Collections.Concurrent;
using System.Text.Json;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Support;

/// <summary>The PyTorch reference files in tests/fixtures/torch, loaded once per test run.</summary>
internal static class TorchFixtures
{
    private static readonly ConcurrentDictionary<string, SafeTensors.Contents> Files = new();

    public static SafeTensors.Contents Load(string file) =>
        Files.GetOrAdd(file, f => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torch", f)));

    /// <summary>Case names of a file (metadata keys except _about), for xunit theories.</summary>
    public static TheoryData<string> Cases(string file, Func<string, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (var key in Load(file).Metadata.Keys.Where(k => k != "_about" && (where?.Invoke(k) ?? true)).Order())
            data.Add(key);
        return data;
    }

    public static JsonElement Meta(string file, string @case) =>
        JsonDocument.Parse(Load(file).Metadata[@case]).RootElement;
}

/// <summary>The CPU generator is process-global and xunit runs test classes in parallel: every test that seeds it
/// and depends on the draws that follow holds this lock.</summary>
internal static class GlobalRng
{
    public static readonly Lock Lock = new();
}

internal static class TensorAssert
{
    /// <summary>Same dtype and shape, and values within atol + rtol·|expected| (NaN matches NaN). Failure messages give
    /// the worst element.</summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string? what = null)
    {
        var label = what is null ? "" : what + ": ";
        Assert.True(expected.Dtype == actual.Dtype, $"{label}dtype {actual.Dtype.TorchName()} != expected {expected.Dtype.TorchName()}");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{label}shape [{string.Join(", ", actual.Shape)}] != expected [{string.Join(", ", expected.Shape)}]");
        if (!expected.Dtype.IsFloatingPoint())
        {
            Assert.True(expected.ToBytes().SequenceEqual(actual.ToBytes()), $"{label}values differ");
            return;
        }
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        double worst = 0;
        var at = -1;
        for (var i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            if (double.IsInfinity(e[i]) && e[i] == a[i]) continue;
            var err = Math.Abs(e[i] - a[i]) - (atol + rtol * Math.Abs(e[i]));
            if (double.IsNaN(err) || err > worst)
            {
                worst = double.IsNaN(err) ? double.PositiveInfinity : err;
                at = i;
            }
        }
        Assert.True(at < 0, $"{label}element {at}: {a.ElementAtOrDefault(at)} vs expected {e.ElementAtOrDefault(at)} " +
                            $"(beyond atol {atol} + rtol {rtol})");
    }

    /// <summary>Bit-for-bit equality of dtype, shape and data.</summary>
    public static void Equal(Tensor expected, Tensor actual, string? what = null)
    {
        var label = what is null ? "" : what + ": ";
        Assert.True(expected.Dtype == actual.Dtype, $"{label}dtype {actual.Dtype.TorchName()} != expected {expected.Dtype.TorchName()}");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{label}shape [{string.Join(", ", actual.Shape)}] != expected [{string.Join(", ", expected.Shape)}]");
        Assert.True(expected.ToBytes().SequenceEqual(actual.ToBytes()), $"{label}values differ bitwise");
    }
}
