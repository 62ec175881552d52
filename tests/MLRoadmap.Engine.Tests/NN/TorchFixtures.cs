using System.Globalization;
using System.Text.Json;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// The serial collection: tests that seed the process-global CPU generator and need nobody else to draw from it
/// between the seed and their draws, and tests that count live tensors (a process-wide figure). xunit runs this
/// collection after all the parallel ones, alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTests
{
    public const string Name = "global generator and live-tensor count";
}

/// <summary>The PyTorch reference files of tests/fixtures/torch, loaded once per test run and shared read-only.
/// Tests take copies (<see cref="Copy"/>) of anything they modify.</summary>
internal static class TorchFixtures
{
    /// <summary>Held by every test that seeds the global generator, from the seed until its last seeded draw.</summary>
    public static readonly Lock SeedLock = new();

    private static readonly Lazy<SafeTensors.Contents> LayersFile = new(() => Load("layers"));
    private static readonly Lazy<SafeTensors.Contents> LossesFile = new(() => Load("losses"));
    private static readonly Lazy<SafeTensors.Contents> InitFile = new(() => Load("init"));

    public static SafeTensors.Contents Layers => LayersFile.Value;
    public static SafeTensors.Contents Losses => LossesFile.Value;
    public static SafeTensors.Contents InitCases => InitFile.Value;

    private static SafeTensors.Contents Load(string name) => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torch", name + ".safetensors"));

    /// <summary>Every case name of a file (metadata keys except _about), as xunit theory data.</summary>
    public static TheoryData<string> CaseNames(string file)
    {
        var contents = file switch { "layers" => Layers, "losses" => Losses, _ => InitCases };
        var data = new TheoryData<string>();
        foreach (var key in contents.Metadata.Keys.Where(k => k != "_about").Order(StringComparer.Ordinal)) data.Add(key);
        return data;
    }

    public static JsonElement Meta(SafeTensors.Contents file, string caseName)
    {
        using var doc = JsonDocument.Parse(file.Metadata[caseName]);
        return doc.RootElement.Clone();
    }

    /// <summary>The entries under "case/prefix", keyed by the rest of the name, in file order.</summary>
    public static List<KeyValuePair<string, Tensor>> Under(SafeTensors.Contents file, string prefix) =>
        file.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, Tensor>(kv.Key[prefix.Length..], kv.Value)).ToList();

    /// <summary>A copy in the current dispose scope.</summary>
    public static Tensor Copy(Tensor t) => t.Clone();
}

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
