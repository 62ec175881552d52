using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Data;

/// <summary>The transforms against torchvision 0.14 (tests/fixtures/torch/make_transform_fixtures.py).</summary>
public class TransformFixtureTests
{
    private const string File = "transforms.safetensors";

    private static Tensor Get(string key) => TorchFixtures.Open(File)[key];

    /// <summary>The case's input as a one-tensor batch (a copy: transforms must not touch the fixture).</summary>
    private static Batch Input(string name) => new(Get(name + "/in").Clone());

    private static double[] Doubles(string name, string key) =>
        TorchFixtures.Meta(File, name).GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public void ToFloat_matches_convert_image_dtype_to_the_last_bit_or_so()
    {
        using var batch = Input("to_float");
        new ToFloat(1.0 / 255).Apply(batch, new DataRandom(0, 0, 0));
        Compare.Close(batch[0], Get("to_float/out"), atol: 0, rtol: 1.2e-7, "ToFloat(1/255)");
    }

    [Theory]
    [InlineData("normalize_f32")]
    [InlineData("normalize_f64")]
    [InlineData("normalize_one_value")]
    public void Normalize_matches_torchvision_bit_for_bit(string name)
    {
        using var batch = Input(name);
        new Normalize(Doubles(name, "mean"), Doubles(name, "std")).Apply(batch, new DataRandom(0, 0, 0));
        Compare.Exact(batch[0], Get(name + "/out"), name);
    }

    [Theory]
    [InlineData("crop_pad2_u8")]
    [InlineData("crop_pad3_fill_f32")]
    [InlineData("crop_no_padding")]
    public void A_crop_at_given_corners_matches_pad_then_crop(string name)
    {
        var meta = TorchFixtures.Meta(File, name);
        int size = meta.GetProperty("size").GetInt32(), padding = meta.GetProperty("padding").GetInt32();
        var top = Get(name + "/top").ToArray<long>().Select(v => (int)v).ToArray();
        var left = Get(name + "/left").ToArray<long>().Select(v => (int)v).ToArray();
        using var scope = Torch.NewDisposeScope();
        var cropped = RandomCrop.PadAndCrop(Get(name + "/in"), size, padding, meta.GetProperty("fill").GetDouble(), top, left);
        Compare.Exact(cropped, Get(name + "/out"), name);
    }

    [Theory]
    [InlineData("crop_pad2_u8")]
    [InlineData("crop_pad3_fill_f32")]
    public void RandomCrop_draws_corners_over_exactly_torchvisions_range(string name)
    {
        var meta = TorchFixtures.Meta(File, name);
        int size = meta.GetProperty("size").GetInt32(), padding = meta.GetProperty("padding").GetInt32();
        var corners = meta.GetProperty("corners").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var image = Get(name + "/in");
        var seen = new HashSet<(int, int)>();
        // Every image of a batch is one draw; the transform's output says which corner was drawn because the
        // crop of corner (t, l) is the same as PadAndCrop's at (t, l).
        using var scope = Torch.NewDisposeScope();
        var one = image.Narrow(0, 0, 1);
        var candidates = new Dictionary<(int, int), byte[]>();
        for (var t = 0; t < corners[0]; t++)
            for (var l = 0; l < corners[1]; l++)
                candidates[(t, l)] = RandomCrop.PadAndCrop(one, size, padding, meta.GetProperty("fill").GetDouble(), [t], [l]).ToBytes();
        var crop = new RandomCrop(size, padding, meta.GetProperty("fill").GetDouble());
        for (var draw = 0; draw < 40; draw++)
        {
            using var batch = new Batch(one.Expand(16, one.Shape[1], one.Shape[2], one.Shape[3]).Contiguous());
            crop.Apply(batch, new DataRandom(1, 0, draw));
            foreach (var sample in batch[0].Unbind(0))
            {
                var bytes = sample.Unsqueeze(0).ToBytes();
                var match = candidates.Where(c => c.Value.AsSpan().SequenceEqual(bytes)).Select(c => c.Key).ToList();
                Assert.NotEmpty(match);
                seen.UnionWith(match);
            }
        }
        Assert.Equal(corners[0] * corners[1], seen.Count);      // every corner torchvision could draw, and no other
    }

    [Fact]
    public void Flipping_the_chosen_images_matches_hflip()
    {
        var flip = Get("hflip/flip").ToArray<bool>();
        using var scope = Torch.NewDisposeScope();
        Compare.Exact(RandomHorizontalFlip.FlipWhere(Get("hflip/in"), flip), Get("hflip/out"), "FlipWhere");
        Compare.Exact(RandomHorizontalFlip.FlipWhere(Get("hflip/in"), [true, true, true, true, true]), Get("hflip/in").Flip(3), "all flipped");
    }

    [Theory]
    [InlineData("erase_f32")]
    [InlineData("erase_u8")]
    public void Erasing_given_regions_matches_erase(string name)
    {
        var r = Get(name + "/regions").ToArray<long>();
        var regions = Enumerable.Range(0, r.Length / 4).Select(b => new EraseRegion((int)r[4 * b], (int)r[4 * b + 1], (int)r[4 * b + 2], (int)r[4 * b + 3])).ToArray();
        using var scope = Torch.NewDisposeScope();
        var erased = RandomErasing.Erase(Get(name + "/in"), regions, TorchFixtures.Meta(File, name).GetProperty("value").GetDouble());
        Compare.Exact(erased, Get(name + "/out"), name);
    }

    public static TheoryData<string> ErasingParameterCases() =>
        TorchFixtures.Cases(File, k => k.StartsWith("erasing_params_", StringComparison.Ordinal));

    /// <summary>20,000 regions drawn by <see cref="RandomErasing.SampleRegion"/> against 20,000 drawn by torchvision's
    /// get_params: same support, same height and width distributions (total-variation distance; two torchvision runs
    /// with different seeds differ by about 0.02, a uniform instead of log-uniform ratio by 0.2), same rate of giving
    /// up after 10 tries.</summary>
    [Theory]
    [MemberData(nameof(ErasingParameterCases))]
    public void Erasing_regions_follow_torchvisions_distribution(string name)
    {
        var meta = TorchFixtures.Meta(File, name);
        int height = meta.GetProperty("height").GetInt32(), width = meta.GetProperty("width").GetInt32();
        int draws = meta.GetProperty("draws").GetInt32();
        var scale = Doubles(name, "scale");
        var ratio = Doubles(name, "ratio");
        var reference = Get(name + "/counts").ToArray<long>();   // (H + 1, W + 1), the fallback at [H, W]
        var counts = new long[reference.Length];
        var random = new DataRandom(99, 0, 0);
        for (var i = 0; i < draws; i++)
        {
            var r = RandomErasing.SampleRegion(random, height, width, (scale[0], scale[1]), (ratio[0], ratio[1]));
            if (r.IsEmpty)
            {
                counts[height * (width + 1) + width]++;
                continue;
            }
            Assert.True(r.Top >= 0 && r.Left >= 0 && r.Top + r.Height <= height && r.Left + r.Width <= width, $"{r} outside the image");
            Assert.True(r.Height < height && r.Width < width, $"{r} is not smaller than the image");
            counts[r.Height * (width + 1) + r.Width]++;
        }
        var outside = counts.Where((c, k) => reference[k] == 0).Sum() / (double)draws;
        Assert.True(outside < 0.002, $"{outside:P2} of the regions have sizes torchvision never drew");
        double TotalVariation(Func<int, int> bin, int bins)
        {
            var diff = new double[bins];
            for (var k = 0; k < counts.Length; k++) diff[bin(k)] += (counts[k] - reference[k]) / (double)draws;
            return diff.Sum(Math.Abs) / 2;
        }
        var tvHeight = TotalVariation(k => k / (width + 1), height + 1);
        var tvWidth = TotalVariation(k => k % (width + 1), width + 1);
        Assert.True(tvHeight < 0.04 && tvWidth < 0.04, $"height distribution off by {tvHeight:F3}, width by {tvWidth:F3}");
        double ours = counts[^1] / (double)draws, theirs = reference[^1] / (double)draws;
        var sigma = Math.Sqrt(Math.Max(theirs * (1 - theirs), 1.0 / draws) * 2 / draws);
        Assert.True(Math.Abs(ours - theirs) < 5 * sigma + 1e-4, $"gave up on {ours:P2} of the images, torchvision on {theirs:P2}");
    }
}
