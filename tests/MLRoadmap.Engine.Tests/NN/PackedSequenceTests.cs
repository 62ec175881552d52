using MLRoadmap.NN;
using MLRoadmap.Tests.Support;
using Xunit.Abstractions;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// Packed sequences beyond the PyTorch fixtures (SequenceFixtureTests): a padded batch through pack → LSTM/GRU/RNN
/// gives each item the outputs and final states it gets alone, unpadded (issue 5: "a batch with padded sequences
/// gives the same per-item outputs as running each item alone"); packing round-trips; every malformed input is an
/// exception naming the problem, never a native crash.
/// </summary>
public class PackedSequenceTests(ITestOutputHelper log)
{
    private static readonly long[] Lengths = [7, 3, 5, 1, 4, 7];

    public static TheoryData<string, bool, bool> Configs => new()
    {
        { "LSTM", false, false },
        { "LSTM", true, true },
        { "GRU", true, false },
        { "RNN", false, true },
    };

    private static RNNBase Build(string kind, bool batchFirst) => kind switch
    {
        "LSTM" => new LSTM(5, 6, numLayers: 2, batchFirst: batchFirst, bidirectional: true),
        "GRU" => new GRU(5, 6, numLayers: 2, batchFirst: batchFirst, bidirectional: true),
        _ => new RNN(5, 6, numLayers: 2, batchFirst: batchFirst, bidirectional: true),
    };

    private static (Tensor Output, Tensor H, Tensor? C) Run(RNNBase module, Tensor input, Tensor? h0, Tensor? c0) => module switch
    {
        LSTM lstm => lstm.Forward(input, h0, c0),
        GRU gru => Two(gru.Forward(input, h0)),
        _ => Two(((RNN)module).Forward(input, h0)),
    };

    private static (PackedSequence Output, Tensor H, Tensor? C) Run(RNNBase module, PackedSequence input, Tensor? h0, Tensor? c0) => module switch
    {
        LSTM lstm => lstm.Forward(input, h0, c0),
        GRU gru => Two(gru.Forward(input, h0)),
        _ => Two(((RNN)module).Forward(input, h0)),
    };

    private static (T, Tensor, Tensor?) Two<T>((T Output, Tensor H) r) => (r.Output, r.H, null);

    [Theory]
    [MemberData(nameof(Configs))]
    public void A_padded_batch_gives_each_item_what_it_gets_alone(string kind, bool batchFirst, bool initialState)
    {
        using var scope = Torch.NewDisposeScope();
        using var module = Build(kind, batchFirst);
        var (n, t) = (Lengths.Length, Lengths.Max());
        // The padding holds large values: any leak into the recurrence would show.
        var x = Torch.Randn(batchFirst ? [n, t, 5] : [t, n, 5]) * 3;
        Tensor? h0 = initialState ? Torch.Randn([4, n, 6]) : null;
        Tensor? c0 = initialState && kind == "LSTM" ? Torch.Randn([4, n, 6]) : null;

        var packed = Utils.PackPaddedSequence(x, Lengths, batchFirst, enforceSorted: false);
        var (output, h, c) = Run(module, packed, h0, c0);
        var (padded, lengths) = Utils.PadPackedSequence(output, batchFirst, paddingValue: -5);
        Assert.Equal(Lengths, lengths.ToArray<long>());
        Assert.Equal(batchFirst ? new long[] { n, t, 12 } : [t, n, 12], padded.Shape);

        double worst = 0;
        var seq = batchFirst ? 1 : 0;
        var batch = 1 - seq;
        for (var i = 0; i < n; i++)
        {
            var alone = x.Select(batch, i).Narrow(0, 0, Lengths[i]);                // (len, 5), unbatched
            var (o, hi, ci) = Run(module, alone, h0?.Select(1, i), c0?.Select(1, i));
            var item = padded.Select(batch, i);
            worst = Math.Max(worst, Compare.Close(item.Narrow(0, 0, Lengths[i]), o, 1e-6, 0, $"output of item {i}"));
            worst = Math.Max(worst, Compare.Close(h.Select(1, i), hi, 1e-6, 0, $"h_n of item {i}"));
            if (c is not null) worst = Math.Max(worst, Compare.Close(c.Select(1, i), ci!, 1e-6, 0, $"c_n of item {i}"));
            if (Lengths[i] < t)
                Assert.True(item.Narrow(0, Lengths[i], t - Lengths[i]).Eq(-5).All().Item<bool>(), $"item {i}: padding after its end");
        }
        log.WriteLine($"{kind} batch_first={batchFirst}: max |diff| from running each item alone {worst:E2}");
    }

    [Fact]
    public void Packed_gradients_match_finite_differences()
    {
        using var scope = Torch.NewDisposeScope();
        using var lstm = new LSTM(3, 2, numLayers: 2, bidirectional: true, dtype: ScalarType.Float64);
        using var gru = new GRU(3, 2, batchFirst: true, dtype: ScalarType.Float64);
        var x = GradCheck.Input([4, 3, 3]);                                         // (T, N, in)
        var h0 = GradCheck.Input([4, 3, 2]);
        var c0 = GradCheck.Input([4, 3, 2]);
        long[] lengths = [2, 4, 3];
        GradCheck.Check(() =>
        {
            var (o, h, c) = lstm.Forward(Utils.PackPaddedSequence(x, lengths, enforceSorted: false), h0, c0);
            return Torch.Cat([Utils.PadPackedSequence(o).Padded.Flatten(), h.Flatten(), c.Flatten()]);
        }, [.. lstm.NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter)), ("x", x), ("h0", h0), ("c0", c0)]);

        var xb = GradCheck.Input([3, 4, 3]);                                        // (N, T, in)
        GradCheck.Check(() =>
        {
            var (o, h) = gru.Forward(Utils.PackPaddedSequence(xb, lengths, batchFirst: true, enforceSorted: false));
            return Torch.Cat([Utils.PadPackedSequence(o, batchFirst: true).Padded.Flatten(), h.Flatten()]);
        }, [.. gru.NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter)), ("x", xb)]);
    }

    [Fact]
    public void Packing_round_trips_and_pack_sequence_equals_pack_padded()
    {
        using var scope = Torch.NewDisposeScope();
        var sequences = Lengths.Select(l => Torch.Randn([l, 2, 3])).ToArray();
        var padded = Utils.PadSequence(sequences, batchFirst: true, paddingValue: 9);
        Assert.Equal(new long[] { 6, 7, 2, 3 }, padded.Shape);
        for (var i = 0; i < sequences.Length; i++)
        {
            Compare.Exact(padded[i].Narrow(0, 0, Lengths[i]), sequences[i], $"sequence {i}");
            Assert.True(padded[i].Narrow(0, Lengths[i], 7 - Lengths[i]).Eq(9).All().Item<bool>());
        }

        var packed = Utils.PackSequence(sequences, enforceSorted: false);
        var viaPadded = Utils.PackPaddedSequence(padded, Torch.Tensor(Lengths, [6]).To(ScalarType.Int32), batchFirst: true, enforceSorted: false);
        Compare.Exact(packed.Data, viaPadded.Data, "data");
        Compare.Exact(packed.BatchSizes, viaPadded.BatchSizes, "batch_sizes");
        Assert.Equal(Enumerable.Range(0, 7).Select(t => (long)Lengths.Count(l => l > t)), packed.BatchSizes.ToArray<long>());
        Assert.Equal(Lengths.Sum(), packed.Data.Size(0));

        var (back, lengths) = Utils.PadPackedSequence(packed, batchFirst: true, paddingValue: 9, totalLength: 9);
        Assert.Equal(Lengths, lengths.ToArray<long>());
        Compare.Exact(back.Narrow(1, 0, 7), padded, "padded back");
        Assert.True(back.Narrow(1, 7, 2).Eq(9).All().Item<bool>());

        // Sorted lengths need no permutation, and padding back gives the same batch.
        var sorted = Utils.PackPaddedSequence(padded.Narrow(0, 0, 1), [7], batchFirst: true);
        Assert.Null(sorted.SortedIndices);
        Assert.Null(sorted.UnsortedIndices);
        Compare.Exact(Utils.PadPackedSequence(sorted, batchFirst: true).Padded, padded.Narrow(0, 0, 1), "one sequence");
    }

    [Fact]
    public void A_packed_output_and_its_input_can_be_disposed_in_either_order()
    {
        using var scope = Torch.NewDisposeScope();
        using var lstm = new LSTM(3, 4);
        var packed = Utils.PackPaddedSequence(Torch.Randn([5, 3, 3]), [2, 5, 4], enforceSorted: false);
        var (output, _, _) = lstm.Forward(packed);
        packed.Dispose();
        Assert.True(packed.IsDisposed);
        Assert.False(output.BatchSizes.IsDisposed);
        var (padded, _) = Utils.PadPackedSequence(output);
        Assert.Equal(new long[] { 5, 3, 4 }, padded.Shape);
        output.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Utils.PadPackedSequence(output));
    }

    private static string Refused(Action action) => Assert.Throws<TorchArgumentException>(action).Message;

    [Fact]
    public void Bad_lengths_are_refused_by_name()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn([5, 3, 2]);                                              // T = 5, N = 3
        Assert.Contains("lengths has 2 entries but the batch has 3 sequences", Refused(() => Utils.PackPaddedSequence(x, [5, 4])));
        Assert.Contains("lengths[1] is 0: every sequence needs at least one step", Refused(() => Utils.PackPaddedSequence(x, [5, 0, 0])));
        Assert.Contains("lengths[2] is -1", Refused(() => Utils.PackPaddedSequence(x, [5, 4, -1])));
        Assert.Contains("lengths[0] is 6, longer than the input's 5 steps", Refused(() => Utils.PackPaddedSequence(x, [6, 4, 1])));
        Assert.Contains("lengths[1] is 9, longer than the input's 3 steps",
            Refused(() => Utils.PackPaddedSequence(x, [1, 9, 3, 2, 2], batchFirst: true, enforceSorted: false)));
        var unsorted = Refused(() => Utils.PackPaddedSequence(x, [3, 5, 1]));
        Assert.Contains("sorted in decreasing order when enforce_sorted is true, but lengths[1] = 5 follows 3", unsorted);
        Assert.Contains("enforce_sorted = false", unsorted);
        Assert.Contains("lengths must be integers, got Float", Refused(() => Utils.PackPaddedSequence(x, Torch.Tensor(new[] { 5f, 4f, 1f }))));
        Assert.Contains("lengths must be 1-D", Refused(() => Utils.PackPaddedSequence(x, Torch.Tensor(new long[] { 5, 4, 1 }, [1, 3]))));
        Assert.Contains("at least 2 dims", Refused(() => Utils.PackPaddedSequence(Torch.Randn([5]), [5])));
        Assert.Contains("cannot pack an empty batch", Refused(() => Utils.PackPaddedSequence(Torch.Randn([5, 0, 2]), ReadOnlySpan<long>.Empty)));
    }

    [Fact]
    public void Malformed_packed_batches_are_refused_by_name()
    {
        using var scope = Torch.NewDisposeScope();
        using var lstm = new LSTM(2, 3);
        var data = Torch.Randn([6, 2]);
        PackedSequence Forged(long[] sizes) => new(data, Torch.Tensor(sizes, [sizes.Length]));

        Assert.Contains("batch_sizes sums to 5", Refused(() => Utils.PadPackedSequence(Forged([3, 2]))));
        Assert.Contains("batch_sizes sums to 7", Refused(() => lstm.Forward(Forged([3, 2, 2]))));
        Assert.Contains("batch_sizes[1] is 3 after 2", Refused(() => lstm.Forward(Forged([2, 3, 1]))));
        Assert.Contains("batch_sizes[2] is 0", Refused(() => Utils.PadPackedSequence(Forged([4, 2, 0]))));
        Assert.Contains("1-D int64 CPU tensor", Refused(() => Utils.PadPackedSequence(new PackedSequence(data, Torch.Tensor(new[] { 3, 3 })))));
        Assert.Contains("batch_sizes is empty", Refused(() => lstm.Forward(new PackedSequence(data.Narrow(0, 0, 0), Torch.Empty([0], ScalarType.Int64)))));
        var wrongPermutation = new PackedSequence(data, Torch.Tensor(new long[] { 3, 3 }), Torch.Tensor(new long[] { 0, 1 }), Torch.Tensor(new long[] { 0, 1 }));
        Assert.Contains("one entry per sequence (3)", Refused(() => lstm.Forward(wrongPermutation)));
        Assert.Throws<ArgumentException>(() => new PackedSequence(data, Torch.Tensor(new long[] { 6 }), Torch.Tensor(new long[] { 0 })));

        var good = Forged([3, 3]);
        Assert.Contains("total_length is 1, shorter than the longest sequence (2 steps)", Refused(() => Utils.PadPackedSequence(good, totalLength: 1)));
        Assert.Contains("expected h_0 of size [1, 3, 3], got [1, 2, 3]", Refused(() => lstm.Forward(good, Torch.Zeros([1, 2, 3]), null)));
        Assert.Contains("expected c_0 of size [1, 3, 3], got [3, 3]", Refused(() => lstm.Forward(good, null, Torch.Zeros([3, 3]))));
        var wrongWidth = Assert.Throws<ArgumentException>(() => lstm.Forward(new PackedSequence(Torch.Randn([6, 4]), Torch.Tensor(new long[] { 3, 3 }))));
        Assert.Contains("Expected 2, got 4", wrongWidth.Message);
        Assert.Throws<ArgumentException>(() => lstm.Forward(new PackedSequence(Torch.Randn([6, 2, 1]), Torch.Tensor(new long[] { 3, 3 }))));
    }

    [Fact]
    public void Pad_sequence_refuses_mismatched_or_missing_sequences()
    {
        using var scope = Torch.NewDisposeScope();
        Assert.Contains("sequence 1 has shape [2, 4] but sequence 0 has [3, 3]",
            Refused(() => Utils.PadSequence([Torch.Randn([3, 3]), Torch.Randn([2, 4])])));
        Assert.Contains("at least one sequence", Refused(() => Utils.PadSequence([])));
        Assert.Contains("sequence 0 is 0-dim", Refused(() => Utils.PadSequence([Torch.Randn([])])));
    }
}

/// <summary>Packing, a packed forward and backward, and padding back leave no native tensor behind; serial because
/// the live count is process-wide.</summary>
[Collection(SerialTests.Name)]
public class PackedSequenceMemoryTests
{
    [Fact]
    public void A_packed_step_in_a_scope_leaves_nothing_behind()
    {
        using var lstm = new LSTM(3, 4, numLayers: 2, bidirectional: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        var baseline = Torch.LiveTensorCount;
        using (var scope = Torch.NewDisposeScope())
        {
            var x = Torch.Randn([5, 3, 3]).RequiresGrad_();
            var packed = Utils.PackPaddedSequence(x, [2, 5, 4], enforceSorted: false);
            var (output, h, c) = lstm.Forward(packed);
            var (padded, _) = Utils.PadPackedSequence(output);
            (padded.Sum() + h.Sum() + c.Sum()).Backward();
            Utils.PackSequence([Torch.Randn([2, 3]), Torch.Randn([4, 3])], enforceSorted: false);
        }
        lstm.ZeroGrad();
        Assert.Equal(baseline, Torch.LiveTensorCount);

        // Without a scope, a packed forward creates only what it returns: the packed output's four tensors, h and c.
        using var raw = Torch.Randn([5, 3, 3]);
        using var input = Utils.PackPaddedSequence(raw, [5, 4, 2]).DetachFromDisposeScope();
        var before = Torch.LiveTensorCount;
        var (o, hn, cn) = lstm.Forward(input);
        Assert.Equal(before + 4, Torch.LiveTensorCount);                         // sorted input: no permutations
        o.Dispose();
        hn.Dispose();
        cn.Dispose();
        Assert.Equal(before, Torch.LiveTensorCount);
    }
}
