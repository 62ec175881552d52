using MLRoadmap.Models;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// <see cref="Sampling.Next"/>: top-k never leaves the top k, the draws follow the softmax, temperature 0 (and a
/// tiny one) is argmax, a seed reproduces a sample, bad settings are refused by name. Serial: it counts live tensors.
/// </summary>
[Collection(SerialTests.Name)]
public class SamplingTests
{
    private static Tensor Logits(int seed, long rows, long vocab)
    {
        var values = new float[rows * vocab];
        var random = new Random(seed);
        for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 6 - 3);   // distinct almost surely
        return Torch.Tensor(values, [rows, vocab]);
    }

    private static long[][] Draw(Tensor logits, int draws, double temperature, int? topK, Random random)
    {
        var rows = (int)logits.Size(0);
        var picks = new long[rows][];
        for (var r = 0; r < rows; r++) picks[r] = new long[draws];
        for (var d = 0; d < draws; d++)
        {
            using var scope = Torch.NewDisposeScope();
            var next = Sampling.Next(logits, temperature, topK, random);
            Assert.Equal([(long)rows, 1], next.Shape);
            Assert.Equal(ScalarType.Int64, next.Dtype);
            var values = next.ToArray<long>();
            for (var r = 0; r < rows; r++) picks[r][d] = values[r];
        }
        return picks;
    }

    [Fact]
    public void Top_k_draws_only_among_the_k_largest_and_reaches_each_of_them()
    {
        using var scope = Torch.NewDisposeScope();
        const int k = 5;
        var logits = Logits(1, 4, 50);
        var top = logits.Topk(k).Indices;                                  // (4, k)
        var picks = Draw(logits, 2000, 1.0, k, new Random(3));
        for (var r = 0; r < 4; r++)
        {
            var allowed = top.Select(0, r).ToArray<long>().ToHashSet();
            Assert.All(picks[r], p => Assert.Contains(p, allowed));
            Assert.Equal(allowed, picks[r].ToHashSet());                    // every one of the k comes up
        }
    }

    [Fact]
    public void Draws_follow_the_softmax_of_the_scaled_logits()
    {
        using var scope = Torch.NewDisposeScope();
        const int draws = 20_000;
        var logits = Torch.Tensor(new[] { 1.0f, 2.0f, 0.5f, -1.0f, 1.5f }, [1, 5]);
        foreach (var (temperature, topK) in new (double, int?)[] { (1.0, null), (2.0, 0), (0.7, 3) })
        {
            var scaled = logits / temperature;
            if (topK is > 0) scaled = scaled.MaskedFill(scaled < scaled.Topk(topK.Value).Values.Narrow(1, topK.Value - 1, 1), double.NegativeInfinity);
            var p = scaled.Softmax(-1).ToArray<float>();
            var picks = Draw(logits, draws, temperature, topK, new Random(5))[0];
            for (var v = 0; v < 5; v++)
            {
                var observed = picks.Count(x => x == v) / (double)draws;
                var sigma = Math.Sqrt(p[v] * (1 - p[v]) / draws);
                Assert.True(Math.Abs(observed - p[v]) <= 4 * sigma + 1e-12,
                    $"T={temperature}, k={topK}: token {v} drawn {observed:F4} of the time, softmax says {p[v]:F4}");
            }
        }
    }

    [Fact]
    public void Temperature_zero_and_near_zero_pick_the_argmax()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Logits(2, 6, 40);
        var argmax = logits.Argmax(-1, keepDim: true);
        Compare.Exact(Sampling.Next(logits, temperature: 0), argmax, "temperature 0");
        Compare.Exact(Sampling.Next(logits, temperature: 0, topK: 3), argmax, "temperature 0 with top-k");
        var random = new Random(1);
        for (var i = 0; i < 50; i++) Compare.Exact(Sampling.Next(logits, 1e-4, null, random), argmax, "temperature 1e-4");
        Compare.Exact(Sampling.Next(logits, 1.0, 1, random), argmax, "top-1");
    }

    [Fact]
    public void A_seed_reproduces_a_sample_and_another_seed_differs()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Logits(3, 64, 30);
        var a = Sampling.Next(logits, 1.0, null, new Random(42));
        var b = Sampling.Next(logits, 1.0, null, new Random(42));
        var c = Sampling.Next(logits, 1.0, null, new Random(43));
        Compare.Exact(a, b, "same seed");
        Assert.False(a.Equal(c), "64 rows over 30 tokens drawn alike from another seed");
    }

    [Fact]
    public void Bad_settings_are_refused_by_name()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Logits(4, 2, 7);
        Assert.Contains("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Next(logits, -1)).Message, StringComparison.Ordinal);
        Assert.Contains("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Next(logits, double.PositiveInfinity)).Message, StringComparison.Ordinal);
        Assert.Contains("vocabulary size 7", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Next(logits, 1, 8)).Message, StringComparison.Ordinal);
        Assert.Contains("topK", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Next(logits, 1, -2)).Message, StringComparison.Ordinal);
        Assert.Contains("(B, V)", Assert.Throws<ArgumentException>(() => Sampling.Next(Torch.Zeros([7]))).Message, StringComparison.Ordinal);
        Assert.Contains("(B, V)", Assert.Throws<ArgumentException>(() => Sampling.Next(Torch.Zeros([1, 2, 7]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_without_a_distribution_are_refused_not_drawn_as_token_0()
    {
        using var scope = Torch.NewDisposeScope();
        var nan = Torch.Tensor([0.0f, 1, 2, 3, 4, float.NaN], [2, 3]);
        var ninf = Torch.Full([2, 3], float.NegativeInfinity);
        foreach (var logits in new[] { nan, ninf })
        {
            var e = Assert.Throws<InvalidOperationException>(() => Sampling.Next(logits, 1.0, null, new Random(1)));
            Assert.Contains("holds NaN or is −inf everywhere", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(2L, Sampling.Next(Torch.Tensor([0.0f, float.NegativeInfinity, 50], [1, 3]), 1.0, null, new Random(1)).Item<long>());
    }

    [Fact]
    public void Sampling_frees_everything_but_its_result()
    {
        using var logits = Logits(5, 3, 20).DetachFromDisposeScope();
        var baseline = Torch.LiveTensorCount;
        using (var next = Sampling.Next(logits, 0.9, 4, new Random(1)).DetachFromDisposeScope())
            Assert.Equal(baseline + 1, Torch.LiveTensorCount);
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }
}
