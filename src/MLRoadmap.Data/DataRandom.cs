namespace MLRoadmap.Data;

/// <summary>
/// The data pipeline's own random numbers: xoshiro256** seeded through SplitMix64 from (seed, epoch, batch).
/// Every stream is a pure function of those three numbers, so an epoch's shuffle and a batch's augmentation come out
/// the same whichever worker builds the batch, in whatever order, and after a resume. It never touches libtorch's
/// global generator (the model's dropout draws from that one, and checkpoints save it).
/// </summary>
/// <remarks>
/// Not thread-safe: one instance serves one batch on one thread. Transforms draw per-sample parameters from it in a
/// fixed order (sample 0 first), then apply them with batched tensor ops.
/// </remarks>
public sealed class DataRandom
{
    // Separate streams for the shuffle and the per-batch draws of the same (seed, epoch), so adding a transform never
    // changes the order of the examples.
    internal const ulong BatchStream = 1;
    internal const ulong ShuffleStream = 2;

    private ulong _s0, _s1, _s2, _s3;

    /// <summary>The stream for batch <paramref name="batch"/> of epoch <paramref name="epoch"/> under
    /// <paramref name="seed"/>: the one a <see cref="DataLoader"/> hands to its transform for that batch.</summary>
    public DataRandom(ulong seed, int epoch, int batch) : this(seed, BatchStream, epoch, batch)
    {
    }

    internal DataRandom(ulong seed, ulong stream, int epoch, int batch)
    {
        // Each component goes through the SplitMix64 finaliser before the next is folded in, so nearby tuples
        // ((s, 0, 1) and (s, 1, 0)) land on unrelated states.
        var key = Mix(seed);
        unchecked
        {
            key = Mix(key ^ Mix(stream + Golden));
            key = Mix(key ^ Mix((ulong)(uint)epoch + 2 * Golden));
            key = Mix(key ^ Mix((ulong)(uint)batch + 3 * Golden));
        }
        // xoshiro's authors seed its 256-bit state with successive SplitMix64 outputs; it can't come out all zero
        // in practice (four consecutive outputs of a bijection of distinct inputs).
        _s0 = SplitMix(ref key);
        _s1 = SplitMix(ref key);
        _s2 = SplitMix(ref key);
        _s3 = SplitMix(ref key);
    }

    private const ulong Golden = 0x9E3779B97F4A7C15;

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    public ulong NextUInt64()
    {
        // Wrapping multiplication is the algorithm (unchecked even if the build checks overflow).
        var result = unchecked(ulong.RotateLeft(_s1 * 5, 7) * 9);
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>True with probability <paramref name="p"/> (draws one double even when p is 0 or 1, so the stream's
    /// position doesn't depend on p).</summary>
    public bool NextBool(double p) => NextDouble() < p;

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)NextBounded((uint)maxExclusive);
    }

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int min, int maxExclusive)
    {
        if (maxExclusive <= min)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"empty range [{min}, {maxExclusive})");
        return (int)(min + NextBounded((uint)((long)maxExclusive - min)));
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates, last position first).</summary>
    public void Shuffle(Span<int> values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = (int)NextBounded((uint)(i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    // Lemire's multiply-shift with rejection: the high 32 bits of a 32x32 product are uniform on [0, bound) once the
    // low bits' short range (2^32 mod bound values) is rejected.
    private uint NextBounded(uint bound)
    {
        var product = (NextUInt64() >> 32) * bound;
        var low = (uint)product;
        if (low < bound)
        {
            var threshold = unchecked(0u - bound) % bound;     // 2^32 mod bound
            while (low < threshold)
            {
                product = (NextUInt64() >> 32) * bound;
                low = (uint)product;
            }
        }
        return (uint)(product >> 32);
    }

    private static ulong SplitMix(ref ulong state)
    {
        state = unchecked(state + Golden);
        return Mix(state);
    }

    // SplitMix64's output function (a bijection on 64-bit values).
    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
        return z ^ (z >> 31);
    }

    /// <summary>The order of epoch <paramref name="epoch"/>: a permutation of 0..count-1 (a pure function of seed,
    /// epoch and count).</summary>
    internal static int[] Permutation(ulong seed, int epoch, int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++) order[i] = i;
        new DataRandom(seed, ShuffleStream, epoch, 0).Shuffle(order);
        return order;
    }
}
