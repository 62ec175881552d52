using MLRoadmap.Tests.Support;
using System.Globalization;
using System.Text.RegularExpressions;
using MLRoadmap.NN;
using static MLRoadmap.Tests.Support.TorchFixtures;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// Every case of tests/fixtures/torch/init.safetensors: the case's Python call (e.g.
/// <c>nn.init.kaiming_uniform_(torch.empty(8, 5), a=math.sqrt(5))</c>) translated to our Init, after the same seed,
/// gives PyTorch's values, and leaves the generator where PyTorch's left it (the next torch.rand(2) agrees).
/// </summary>
[Collection(SerialTests.Name)]
public partial class InitFixtureTests
{
    public static TheoryData<string> Cases => CaseNames("init");

    [GeneratedRegex(@"^nn\.init\.(?<fn>\w+)\(torch\.empty\((?<shape>[\d, ]+)\)(?:, (?<args>.*))?\)$")]
    private static partial Regex InitCall();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Init_matches_PyTorch(string name)
    {
        var file = InitCases;
        var meta = Meta(file, name);
        var python = meta.GetProperty("python").GetString()!;
        Assert.Equal("torch.rand(2)", meta.GetProperty("after_python").GetString());
        var m = InitCall().Match(python);
        Assert.True(m.Success, $"the test cannot translate '{python}'");
        var shape = m.Groups["shape"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var (positional, named) = Arguments(m.Groups["args"].Value);

        using var scope = Torch.NewDisposeScope();
        var t = Torch.Empty(shape);
        Tensor after;
        lock (SeedLock)
        {
            Torch.ManualSeed(meta.GetProperty("seed").GetUInt64());
            Apply(m.Groups["fn"].Value, t, positional, named);
            after = Torch.Rand([2]);
        }
        Assert.True(named.Count == 0, $"the test ignores argument(s) {string.Join(", ", named.Keys)} of '{python}'");

        // QR runs through LAPACK, whose blocking may differ with the thread count: a tolerance there, exact elsewhere.
        if (m.Groups["fn"].Value == "orthogonal_") Compare.Close(t, file[$"{name}/out"], 1e-6, 1e-5, "orthogonal_");
        else Compare.Exact(t, file[$"{name}/out"], python);
        Compare.Exact(after, file[$"{name}/rand_after"], "torch.rand(2) after the init");
    }

    private static void Apply(string fn, Tensor t, List<string> positional, Dictionary<string, string> named)
    {
        var usedPositions = new HashSet<int>();
        double Num(string key, int position, double fallback)
        {
            if (named.Remove(key, out var v)) return Value(v);
            if (position >= positional.Count) return fallback;
            usedPositions.Add(position);
            return Value(positional[position]);
        }
        string Str(string key, string fallback) => named.Remove(key, out var v) ? v.Trim('\'', '"') : fallback;
        var mode = Str("mode", "fan_in") == "fan_out" ? FanMode.FanOut : FanMode.FanIn;
        var nonlinearity = Str("nonlinearity", "leaky_relu") switch
        {
            "relu" => Nonlinearity.Relu,
            "leaky_relu" => Nonlinearity.LeakyRelu,
            "tanh" => Nonlinearity.Tanh,
            "linear" => Nonlinearity.Linear,
            "sigmoid" => Nonlinearity.Sigmoid,
            "selu" => Nonlinearity.Selu,
            var other => throw new NotSupportedException($"nonlinearity '{other}'"),
        };
        switch (fn)
        {
            case "kaiming_uniform_": Init.KaimingUniform_(t, Num("a", 0, 0), mode, nonlinearity); break;
            case "kaiming_normal_": Init.KaimingNormal_(t, Num("a", 0, 0), mode, nonlinearity); break;
            case "xavier_uniform_": Init.XavierUniform_(t, Num("gain", 0, 1)); break;
            case "xavier_normal_": Init.XavierNormal_(t, Num("gain", 0, 1)); break;
            case "normal_": Init.Normal_(t, Num("mean", 0, 0), Num("std", 1, 1)); break;
            case "uniform_": Init.Uniform_(t, Num("a", 0, 0), Num("b", 1, 1)); break;
            case "trunc_normal_": Init.TruncNormal_(t, Num("mean", 0, 0), Num("std", 1, 1), Num("a", 2, -2), Num("b", 3, 2)); break;
            case "orthogonal_": Init.Orthogonal_(t, Num("gain", 0, 1)); break;
            case "zeros_": Init.Zeros_(t); break;
            case "ones_": Init.Ones_(t); break;
            case "constant_": Init.Constant_(t, Num("val", 0, double.NaN)); break;
            case "eye_": Init.Eye_(t); break;
            default: throw new NotSupportedException($"nn.init.{fn}");
        }
        Assert.True(usedPositions.Count == positional.Count, $"nn.init.{fn}: the test ignores positional argument(s)");
    }

    // "a=math.sqrt(5), nonlinearity='relu'" → positional and named arguments (no nested commas in these calls).
    private static (List<string>, Dictionary<string, string>) Arguments(string text)
    {
        var positional = new List<string>();
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) positional.Add(raw);
            else named[raw[..eq]] = raw[(eq + 1)..];
        }
        return (positional, named);
    }

    private static double Value(string text)
    {
        if (text.StartsWith("math.sqrt(", StringComparison.Ordinal) && text.EndsWith(')'))
            return Math.Sqrt(double.Parse(text["math.sqrt(".Length..^1], CultureInfo.InvariantCulture));
        return double.Parse(text, CultureInfo.InvariantCulture);
    }
}
