using System.Globalization;
using MLRoadmap.Data;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Data;

public class DataRandomTests
{
    private const string File = "transforms.safetensors";

    public static TheoryData<string> BatchStreams() => TorchFixtures.Cases(File, k => k.StartsWith("stream_batch_", StringComparison.Ordinal));

    public static TheoryData<string> Permutations() => TorchFixtures.Cases(File, k => k.StartsWith("stream_perm_", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(BatchStreams))]
    public void Batch_streams_match_an_independent_implementation_of_the_algorithm(string name)
    {
        var meta = TorchFixtures.Meta(File, name);
        var seed = ulong.Parse(meta.GetProperty("seed").GetString()!, CultureInfo.InvariantCulture);
        var random = new DataRandom(seed, meta.GetProperty("epoch").GetInt32(), meta.GetProperty("batch").GetInt32());
        var expected = TorchFixtures.Open(File)[name + "/u64"].ToArray<long>();
        Assert.Equal(expected, expected.Select(_ => (long)random.NextUInt64()));
    }

    [Theory]
    [MemberData(nameof(Permutations))]
    public void Epoch_orders_match_an_independent_implementation_of_the_algorithm(string name)
    {
        var meta = TorchFixtures.Meta(File, name);
        var seed = ulong.Parse(meta.GetProperty("seed").GetString()!, CultureInfo.InvariantCulture);
        var order = DataRandom.Permutation(seed, meta.GetProperty("epoch").GetInt32(), meta.GetProperty("n").GetInt32());
        Assert.Equal(TorchFixtures.Open(File)[name + "/perm"].ToArray<long>(), order.Select(i => (long)i));
    }

    [Fact]
    public void A_stream_is_a_function_of_seed_epoch_and_batch_alone()
    {
        static ulong[] Draw(ulong seed, int epoch, int batch)
        {
            var r = new DataRandom(seed, epoch, batch);
            return Enumerable.Range(0, 4).Select(_ => r.NextUInt64()).ToArray();
        }
        Assert.Equal(Draw(1, 2, 3), Draw(1, 2, 3));
        var variants = new[] { Draw(1, 2, 3), Draw(2, 2, 3), Draw(1, 3, 3), Draw(1, 2, 4), Draw(1, 3, 2), Draw(0, 0, 0) };
        Assert.Equal(variants.Length, variants.Select(v => v[0]).Distinct().Count());
    }

    [Fact]
    public void Bounded_integers_are_uniform_and_in_range()
    {
        // Chi-square over 7 buckets for 70,000 draws: 6 degrees of freedom, 22.46 is the 0.1% critical value.
        var random = new DataRandom(5, 0, 0);
        var counts = new int[7];
        for (var i = 0; i < 70_000; i++) counts[random.NextInt(7)]++;
        var chi2 = counts.Sum(c => (c - 10_000.0) * (c - 10_000.0) / 10_000.0);
        Assert.True(chi2 < 22.46, $"chi-square {chi2:F2} for counts {string.Join(", ", counts)}");

        for (var i = 0; i < 10_000; i++)
        {
            var v = random.NextInt(-3, 4);
            Assert.InRange(v, -3, 3);
            var d = random.NextDouble();
            Assert.True(d >= 0 && d < 1);
        }
        Assert.Equal(0, random.NextInt(1));
        Assert.InRange(random.NextInt(int.MaxValue), 0, int.MaxValue - 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(3, 3));
    }

    [Fact]
    public void Shuffles_are_unbiased_permutations()
    {
        // Where element 0 of 4 ends up over 40,000 shuffles: uniform over the 4 positions (3 dof, 0.1% at 16.27).
        var counts = new int[4];
        for (var epoch = 0; epoch < 40_000; epoch++)
        {
            var order = DataRandom.Permutation(3, epoch, 4);
            Assert.Equal([0, 1, 2, 3], order.Order());
            counts[Array.IndexOf(order, 0)]++;
        }
        var chi2 = counts.Sum(c => (c - 10_000.0) * (c - 10_000.0) / 10_000.0);
        Assert.True(chi2 < 16.27, $"chi-square {chi2:F2} for counts {string.Join(", ", counts)}");
    }
}
