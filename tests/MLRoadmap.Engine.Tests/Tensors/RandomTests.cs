using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Tensors;

/// <summary>The same seed gives PyTorch's draws, bit for bit (rng/* in ops.safetensors), and generator state
/// saved and restored replays the same stream (what exact-resume checkpoints rely on).</summary>
[Collection(SerialTests.Name)]
public class RandomTests
{
    private static readonly Dictionary<string, Func<Tensor>> Draws = new()
    {
        ["rng/rand_seed_42"] = () => Torch.Rand([5]),
        ["rng/randn_seed_42"] = () => Torch.Randn([5]),
        ["rng/randint_seed_42"] = () => Torch.Randint(0, 10, [5]),
        ["rng/randperm_seed_42"] = () => Torch.Randperm(10),
        ["rng/rand_f64_seed_42"] = () => Torch.Rand([5], ScalarType.Float64),
        ["rng/randn_20_seed_42"] = () => Torch.Randn([20]),
        ["rng/rand_then_randn_seed_42"] = () => Torch.Cat([Torch.Rand([3]), Torch.Randn([3])]),
        ["rng/normal_seed_7"] = () => Torch.Empty([3, 4]).Normal_(2.0, 0.5),
        ["rng/uniform_seed_7"] = () => Torch.Empty([3, 4]).Uniform_(-1.0, 1.0),
        ["rng/bernoulli_seed_7"] = () => Torch.Bernoulli(Torch.Full([10], 0.3)),
        ["rng/bernoulli_scalar_p_seed_7"] = () => Torch.Empty([10]).Bernoulli_(0.3),
        ["rng/multinomial_seed_7"] = () => Torch.Multinomial(Torch.Tensor(new[] { 0.1f, 0.2f, 0.3f, 0.4f }), 8, replacement: true),
        ["rng/multinomial_no_replacement_seed_7"] = () => Torch.Multinomial(Torch.Tensor(new[] { 0.1f, 0.2f, 0.3f, 0.4f }), 3),
    };

    public static TheoryData<string> RngCases =>
        TorchFixtures.Cases("ops.safetensors", k => k.StartsWith("rng/", StringComparison.Ordinal) && k != "rng/state_after_seed_42");

    [Theory]
    [MemberData(nameof(RngCases))]
    public void Seeded_draws_equal_pytorchs_bit_for_bit(string key)
    {
        Assert.True(Draws.ContainsKey(key), $"no C# draw for {key}");
        var seed = (ulong)TorchFixtures.Meta("ops.safetensors", key).GetProperty("seed").GetInt64();
        using var scope = Torch.NewDisposeScope();
        Tensor actual;
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(seed);
            actual = Draws[key]();
        }
        Compare.Exact(actual, TorchFixtures.Open("ops.safetensors")[key], key);
    }

    [Fact]
    public void Generator_state_after_seeding_equals_torch_get_rng_state()
    {
        byte[] state;
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(42);
            state = Torch.GetRngState();
        }
        Assert.Equal(5056, state.Length);
        Assert.Equal(TorchFixtures.Open("ops.safetensors")["rng/state_after_seed_42"].ToBytes(), state);
    }

    [Fact]
    public void Restoring_a_saved_state_replays_the_same_draws()
    {
        using var scope = Torch.NewDisposeScope();
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(123);
            Torch.Randn([7]);
            var saved = Torch.GetRngSnapshot();
            var first = Torch.Cat([Torch.Rand([40]), Torch.Randn([40]), Torch.Randperm(20).To(ScalarType.Float32)]);
            Torch.SetRngSnapshot(saved);
            var second = Torch.Cat([Torch.Rand([40]), Torch.Randn([40]), Torch.Randperm(20).To(ScalarType.Float32)]);
            Compare.Exact(second, first, "replayed draws");
            Assert.Equal(Torch.Cuda.DeviceCount, saved.Cuda.Count); // one generator state per CUDA device
        }
    }

    [Fact]
    public void A_corrupt_state_is_refused_with_libtorchs_message()
    {
        lock (TorchFixtures.SeedLock)
        {
            var e = Assert.ThrowsAny<TorchException>(() => Torch.SetRngState(new byte[10]));
            Assert.False(string.IsNullOrEmpty(e.Message));
        }
    }

    [NoCudaFact]
    public void Cuda_generator_state_without_a_gpu_is_a_clear_error()
    {
        var e = Assert.Throws<TorchArgumentException>(() => Torch.GetRngState(Device.CUDA(0)));
        Assert.Contains("no CUDA device", e.Message, StringComparison.Ordinal);
    }
}
