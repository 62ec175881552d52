using System.Globalization;
using System.Text.Json;
using MLRoadmap.Imaging;
using MLRoadmap.NN;
using MLRoadmap.Tests.Support;
using Xunit.Abstractions;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.NN;

/// <summary>F.Interpolate against tests/fixtures/torch/interpolate.safetensors (PyTorch's F.interpolate: outputs
/// and input gradients), and Image.Resize against torchvision's uint8 resize.</summary>
public class InterpolateFixtureTests(ITestOutputHelper log)
{
    private const string File = "interpolate.safetensors";

    public static TheoryData<string> InterpolateCases => TorchFixtures.Cases(File, c => !c.StartsWith("resize_", StringComparison.Ordinal));

    public static TheoryData<string> ResizeCases => TorchFixtures.Cases(File, c => c.StartsWith("resize_", StringComparison.Ordinal));

    private static InterpolateMode Mode(string name) => name switch
    {
        "nearest" => InterpolateMode.Nearest,
        "nearest-exact" => InterpolateMode.NearestExact,
        "linear" => InterpolateMode.Linear,
        "bilinear" => InterpolateMode.Bilinear,
        "bicubic" => InterpolateMode.Bicubic,
        "trilinear" => InterpolateMode.Trilinear,
        "area" => InterpolateMode.Area,
        _ => throw new ArgumentException($"unknown mode {name}"),
    };

    [Theory]
    [MemberData(nameof(InterpolateCases))]
    public void Interpolate_matches_PyTorch(string name)
    {
        var file = TorchFixtures.Open(File);
        var meta = TorchFixtures.Meta(File, name);
        using var scope = Torch.NewDisposeScope();
        var input = file[$"{name}/input"].Clone();
        var isFloat = input.Dtype.IsFloatingPoint();
        if (isFloat) input.RequiresGrad_();
        SpatialSize? size = meta.TryGetProperty("size", out var s) ? SpatialSize.FromArray(s.EnumerateArray().Select(e => e.GetInt64()).ToArray()) : (SpatialSize?)null;
        double[]? scale = meta.TryGetProperty("scale_factor", out var f) ? f.EnumerateArray().Select(e => e.GetDouble()).ToArray() : null;
        bool? corners = meta.GetProperty("align_corners").ValueKind == JsonValueKind.Null ? null : meta.GetProperty("align_corners").GetBoolean();
        var output = F.Interpolate(input, size, scale, Mode(meta.GetProperty("mode").GetString()!), corners,
            meta.GetProperty("recompute_scale_factor").GetBoolean(), meta.GetProperty("antialias").GetBoolean());
        // Same kernels as PyTorch's, one thread or several: float32 may differ by summation order only.
        var (atol, rtol) = input.Dtype == ScalarType.Float64 ? (1e-12, 1e-12) : (1e-6, 1e-5);
        var err = Compare.Close(output, file[$"{name}/output"], atol, rtol, "output");
        if (!isFloat) return;
        (output * file[$"{name}/weight"]).Sum().Backward();
        var gradErr = Compare.Close(input.Grad!, file[$"{name}/grad"], atol, rtol, "grad of input");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: output {err:E2} grad {gradErr:E2}"));
    }

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Uint8_resize_matches_torchvision(string name)
    {
        var file = TorchFixtures.Open(File);
        var meta = TorchFixtures.Meta(File, name);
        var size = meta.GetProperty("size").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        using var scope = Torch.NewDisposeScope();
        var resized = Image.Resize(file[$"{name}/input"], size[0], size[1], antialias: meta.GetProperty("antialias").GetBoolean());
        Compare.Exact(resized, file[$"{name}/output"], name);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_clear_messages()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn([1, 2, 5, 5]);
        Assert.Contains("exactly one of size and scaleFactor",
            Assert.Throws<ArgumentException>(() => F.Interpolate(x)).Message, StringComparison.Ordinal);
        Assert.Contains("exactly one of size and scaleFactor",
            Assert.Throws<ArgumentException>(() => F.Interpolate(x, 3, [2.0])).Message, StringComparison.Ordinal);
        Assert.Contains("needs a 5-D input",
            Assert.Throws<TorchArgumentException>(() => F.Interpolate(x, 3, mode: InterpolateMode.Trilinear)).Message, StringComparison.Ordinal);
        Assert.Contains("align_corners applies to",
            Assert.Throws<TorchArgumentException>(() => F.Interpolate(x, 3, alignCorners: true)).Message, StringComparison.Ordinal);
        Assert.Contains("antialias applies to bilinear and bicubic",
            Assert.Throws<TorchArgumentException>(() => F.Interpolate(x, 3, mode: InterpolateMode.Area, antialias: true)).Message, StringComparison.Ordinal);
        Assert.Contains("scale factors must be positive",
            Assert.Throws<TorchArgumentException>(() => F.Interpolate(x, scaleFactor: [-1.0])).Message, StringComparison.Ordinal);
        Assert.Contains("has 3 values",
            Assert.Throws<ArgumentException>(() => F.Interpolate(x, new long[] { 1, 2, 3 })).Message, StringComparison.Ordinal);
        Assert.Contains("3-D, 4-D or 5-D",
            Assert.Throws<ArgumentException>(() => F.Interpolate(Torch.Randn([5, 5]), 3)).Message, StringComparison.Ordinal);
    }
}
