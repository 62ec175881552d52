using System.Globalization;
using System.Text.Json;
using MLRoadmap.Metrics;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Metrics;

/// <summary>
/// tests/fixtures/sklearn/metrics.safetensors (made by make_metric_fixtures.py with Debian's sklearn): random cases,
/// their uneven batch sizes, and sklearn's value for every <c>&lt;case&gt;/expected/&lt;key&gt;</c>. Loaded once and
/// shared read-only; tests hand the metrics views (Narrow) of these tensors, never copies.
/// </summary>
internal static class SklearnFixtures
{
    private static readonly Lazy<SafeTensors.Contents> File =
        new(() => SafeTensors.Load(Path.Combine(Repo.Fixtures, "sklearn", "metrics.safetensors")));

    public static SafeTensors.Contents Contents => File.Value;

    public static JsonElement Meta(string caseName)
    {
        using var doc = JsonDocument.Parse(Contents.Metadata[caseName]);
        return doc.RootElement.Clone();
    }

    public static Tensor Get(string caseName, string name) => Contents[$"{caseName}/{name}"];

    public static Tensor Expected(string caseName, string key) => Contents[$"{caseName}/expected/{key}"];

    public static long Classes(string caseName) => Meta(caseName).GetProperty("classes").GetInt64();

    public static int[] Batches(string caseName) =>
        Meta(caseName).GetProperty("batches").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Every (case, expected key) of one kind ("classification" or "regression").</summary>
    public static IEnumerable<(string Case, string Key)> Keys(string kind)
    {
        foreach (var c in Contents.Metadata.Keys.Where(k => k != "_about").Order(StringComparer.Ordinal))
        {
            if (Meta(c).GetProperty("kind").GetString() != kind) continue;
            var prefix = $"{c}/expected/";
            foreach (var name in Contents.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
                yield return (c, name[prefix.Length..]);
        }
    }

    /// <summary>Feeds rows [batches[from] .. batches[to]) of preds and target, one batch at a time.</summary>
    public static void Stream(Metric metric, Tensor preds, Tensor target, int[] batches, int from = 0, int? to = null)
    {
        long start = batches.Take(from).Sum();
        for (var b = from; b < (to ?? batches.Length); b++)
        {
            using var scope = Torch.NewDisposeScope();
            metric.Update(preds.Narrow(0, start, batches[b]), target.Narrow(0, start, batches[b]));
            start += batches[b];
        }
    }

    /// <summary>|actual − expected| ≤ atol + rtol·|expected|, with both numbers in the message.</summary>
    public static void Close(double actual, double expected, double rtol, string what, double atol = 1e-15)
    {
        var ok = Math.Abs(actual - expected) <= atol + rtol * Math.Abs(expected);
        Assert.True(ok, string.Create(CultureInfo.InvariantCulture,
            $"{what}: {actual:R} but sklearn gives {expected:R} (rel. diff {Math.Abs(actual - expected) / Math.Abs(expected):E2}, rtol {rtol:E0})"));
    }

    public static void Close(double[] actual, Tensor expected, double rtol, string what)
    {
        var e = expected.ToArray<double>();
        Assert.Equal(e.Length, actual.Length);
        for (var i = 0; i < e.Length; i++) Close(actual[i], e[i], rtol, $"{what}[{i}]");
    }
}
