using MLRoadmap.NN;
using MLRoadmap.Tests.Support;
using Xunit.Abstractions;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// Key-padding masks in the transformer layers: a right-padded batch with its key padding mask gives every item, on
/// its real positions, what the item gets alone and unpadded (issue 5's property, for the encoder path of text
/// classification and, with a causal mask, the GPT-style path). Two stacked layers, so padded positions' outputs
/// (which are not masked as queries) must not leak into the next layer either. Eval mode: dropout off.
/// </summary>
public class TransformerPaddingTests(ITestOutputHelper log)
{
    private static readonly long[] Lengths = [6, 2, 4, 1, 6];
    private const long DModel = 8;

    public static TheoryData<bool, bool, bool> Configs => new()
    {
        // batchFirst, normFirst, causal
        { true, false, false },
        { false, false, false },
        { true, true, false },
        { true, true, true },
        { false, false, true },
    };

    /// <summary>(S, S) bool, true above the diagonal: MultiheadAttention's convention (true = blocked).</summary>
    private static Tensor Causal(long s) => Torch.Ones([s, s], ScalarType.Bool).Triu(1);

    [Theory]
    [MemberData(nameof(Configs))]
    public void A_padded_encoder_batch_gives_each_item_what_it_gets_alone(bool batchFirst, bool normFirst, bool causal)
    {
        using var scope = Torch.NewDisposeScope();
        using var layers = new Sequential(
            new TransformerEncoderLayer(DModel, 2, 16, batchFirst: batchFirst, normFirst: normFirst),
            new TransformerEncoderLayer(DModel, 2, 16, batchFirst: batchFirst, normFirst: normFirst, activation: TransformerActivation.Gelu));
        layers.Eval();
        var (n, s) = (Lengths.Length, Lengths.Max());
        var batch = batchFirst ? 0 : 1;
        var x = Torch.Randn(batchFirst ? [n, s, DModel] : [s, n, DModel]);
        var padding = Torch.Arange(0, s).Unsqueeze(0).Ge(Torch.Tensor(Lengths, [n]).Unsqueeze(1)); // (N, S), true = pad

        var output = Encode(layers, x, causal ? Causal(s) : null, padding);
        Assert.False(output.IsNan().Any().Item<bool>(), "NaN in the padded batch's output");
        double worst = 0;
        for (var i = 0; i < n; i++)
        {
            var alone = x.Select(batch, i).Narrow(0, 0, Lengths[i]).Unsqueeze(batch);   // a batch of one, unpadded
            var expected = Encode(layers, alone, causal ? Causal(Lengths[i]) : null, null).Select(batch, 0);
            var actual = output.Select(batch, i).Narrow(0, 0, Lengths[i]);
            worst = Math.Max(worst, Compare.Close(actual, expected, 1e-5, 0, $"item {i}"));
        }
        log.WriteLine($"batchFirst={batchFirst} normFirst={normFirst} causal={causal}: max |diff| {worst:E2}");
    }

    private static Tensor Encode(Sequential layers, Tensor x, Tensor? mask, Tensor? padding)
    {
        foreach (var layer in layers.Children().Cast<TransformerEncoderLayer>()) x = layer.Forward(x, mask, padding);
        return x;
    }

    [Fact]
    public void A_padded_decoder_batch_gives_each_item_what_it_gets_alone()
    {
        using var scope = Torch.NewDisposeScope();
        using var layer = new TransformerDecoderLayer(DModel, 2, 16, batchFirst: true);
        layer.Eval();
        long[] memoryLengths = [3, 5, 5, 2, 1];
        var (n, t, s) = (Lengths.Length, Lengths.Max(), memoryLengths.Max());
        var tgt = Torch.Randn([n, t, DModel]);
        var memory = Torch.Randn([n, s, DModel]);
        var tgtPadding = Torch.Arange(0, t).Unsqueeze(0).Ge(Torch.Tensor(Lengths, [n]).Unsqueeze(1));
        var memoryPadding = Torch.Arange(0, s).Unsqueeze(0).Ge(Torch.Tensor(memoryLengths, [n]).Unsqueeze(1));

        var output = layer.Forward(tgt, memory, Causal(t), null, tgtPadding, memoryPadding);
        for (var i = 0; i < n; i++)
        {
            var expected = layer.Forward(tgt[i..(i + 1), ..(int)Lengths[i]], memory[i..(i + 1), ..(int)memoryLengths[i]], Causal(Lengths[i]));
            Compare.Close(output[i, ..(int)Lengths[i]], expected[0], 1e-5, 0, $"item {i}");
        }
    }
}
