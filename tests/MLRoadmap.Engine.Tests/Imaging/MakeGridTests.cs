using System.Text.Json;
using MLRoadmap.Imaging;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Imaging;

/// <summary>Image.MakeGrid and SaveGrid against torchvision 0.14's make_grid and save_image
/// (tests/fixtures/torch/grid.safetensors, written by make_grid_fixtures.py).</summary>
public class MakeGridTests
{
    private const string Fixture = "grid.safetensors";

    public static TheoryData<string> Cases() => TorchFixtures.Cases(Fixture);

    private static Tensor Grid(Tensor input, JsonElement kwargs, Func<Tensor, int, int, bool, (double, double)?, bool, double, Tensor> call)
    {
        int Int(string name, int fallback) => kwargs.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
        bool Bool(string name) => kwargs.TryGetProperty(name, out var v) && v.GetBoolean();
        (double, double)? range = kwargs.TryGetProperty("value_range", out var r) ? (r[0].GetDouble(), r[1].GetDouble()) : null;
        var padValue = kwargs.TryGetProperty("pad_value", out var p) ? p.GetDouble() : 0;
        return call(input, Int("nrow", 8), Int("padding", 2), Bool("normalize"), range, Bool("scale_each"), padValue);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_grid_is_torchvision_s_bit_for_bit(string name)
    {
        var file = TorchFixtures.Open(Fixture);
        var kwargs = TorchFixtures.Meta(Fixture, name).GetProperty("kwargs");
        using var scope = Torch.NewDisposeScope();
        var input = file[$"{name}/input"];
        var grid = Grid(input, kwargs, (x, nrow, padding, normalize, range, scaleEach, padValue) =>
            Image.MakeGrid(x, nrow, padding, normalize, range, scaleEach, padValue));
        Compare.Exact(grid, file[$"{name}/grid"], $"{name} grid");
        Compare.Exact(input, file[$"{name}/input"], $"{name} input left as it was");
    }

    public static TheoryData<string> SavedCases() => TorchFixtures.Cases(Fixture, k => TorchFixtures.Open(Fixture).Contains($"{k}/saved"));

    [Theory]
    [MemberData(nameof(SavedCases))]
    public void The_saved_png_holds_what_save_image_s_holds(string name)
    {
        var file = TorchFixtures.Open(Fixture);
        var kwargs = TorchFixtures.Meta(Fixture, name).GetProperty("kwargs");
        var path = Path.Combine(Path.GetTempPath(), $"mlr-grid-{Environment.ProcessId}-{name}.png");
        try
        {
            Grid(file[$"{name}/input"], kwargs, (x, nrow, padding, normalize, range, scaleEach, padValue) =>
            {
                Image.SaveGrid(path, x, nrow, padding, normalize, range, scaleEach, padValue);
                return x;
            });
            using var scope = Torch.NewDisposeScope();
            Compare.Exact(Image.Read(path).Permute(1, 2, 0), file[$"{name}/saved"], $"{name} as saved");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bad_arguments_are_refused_by_name()
    {
        using var scope = Torch.NewDisposeScope();
        var images = Torch.Rand([2, 3, 4, 4]);
        Assert.Contains("(B, C, H, W), (C, H, W) or (H, W)", Assert.Throws<ArgumentException>(() => Image.MakeGrid(Torch.Rand([1, 2, 3, 4, 4]))).Message, StringComparison.Ordinal);
        Assert.Contains("normalize needs floating-point", Assert.Throws<ArgumentException>(() => Image.MakeGrid(Torch.Zeros([2, 3, 4, 4], ScalarType.UInt8), normalize: true)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.MakeGrid(images, nrow: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.MakeGrid(images, padding: -1));
        Assert.Contains("low <= high", Assert.Throws<ArgumentException>(() => Image.MakeGrid(images, normalize: true, valueRange: (1, 0))).Message, StringComparison.Ordinal);
    }
}
