using System.Text.Json;
using MLRoadmap.NN;
using MLRoadmap.Tests.Support;
using Xunit.Abstractions;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// tests/fixtures/torch/sequence.safetensors (make_sequence_fixtures.py, PyTorch 1.13): packed batches of varied
/// lengths through LSTM/GRU/RNN with PyTorch's weights loaded by their state-dict names (packing, outputs padded
/// back, final states, gradients of a loss with respect to the input and every weight), and scaled dot-product
/// attention with causal, padding and additive masks (outputs, weights, gradients).
/// </summary>
public class SequenceFixtureTests(ITestOutputHelper log)
{
    private const string File = "sequence.safetensors";
    private const double Atol = 1e-5, Rtol = 1e-5;

    public static TheoryData<string> RnnCases => TorchFixtures.Cases(File, c => Meta(c).GetProperty("kind").GetString() == "rnn");
    public static TheoryData<string> AttentionCases => TorchFixtures.Cases(File, c => Meta(c).GetProperty("kind").GetString() == "sdpa");

    private static JsonElement Meta(string caseName) => TorchFixtures.Meta(File, caseName);

    private static Tensor Get(string key) => TorchFixtures.Copy(TorchFixtures.Open(File)[key]);

    private static bool Has(string key) => TorchFixtures.Open(File).Contains(key);

    private static RNNBase Build(JsonElement m)
    {
        var (input, hidden, layers) = (m.GetProperty("input_size").GetInt64(), m.GetProperty("hidden_size").GetInt64(), m.GetProperty("num_layers").GetInt64());
        var (bi, bf) = (m.GetProperty("bidirectional").GetBoolean(), m.GetProperty("batch_first").GetBoolean());
        return m.GetProperty("module").GetString() switch
        {
            "LSTM" => new LSTM(input, hidden, layers, batchFirst: bf, bidirectional: bi),
            "GRU" => new GRU(input, hidden, layers, batchFirst: bf, bidirectional: bi),
            _ => new RNN(input, hidden, layers, useRelu: m.GetProperty("nonlinearity").GetString() == "relu", batchFirst: bf, bidirectional: bi),
        };
    }

    [Theory]
    [MemberData(nameof(RnnCases))]
    public void Packed_recurrent_layer_matches_pytorch(string name)
    {
        using var scope = Torch.NewDisposeScope();
        var m = Meta(name);
        using var module = Build(m);
        var state = TorchFixtures.Under(TorchFixtures.Open(File), name + "/state.").ToDictionary(kv => kv.Key, kv => kv.Value);
        module.LoadStateDict(state);
        var batchFirst = m.GetProperty("batch_first").GetBoolean();
        var enforceSorted = m.GetProperty("enforce_sorted").GetBoolean();
        var x = Get(name + "/input").RequiresGrad_();
        Tensor? h0 = Has(name + "/h0") ? Get(name + "/h0") : null, c0 = Has(name + "/c0") ? Get(name + "/c0") : null;

        var packed = Utils.PackPaddedSequence(x, Get(name + "/lengths"), batchFirst, enforceSorted);
        Compare.Exact(packed.Data, Get(name + "/packed.data"), "packed.data");
        Compare.Exact(packed.BatchSizes, Get(name + "/packed.batch_sizes"), "packed.batch_sizes");
        Assert.Equal(enforceSorted, packed.SortedIndices is null);
        if (!enforceSorted)
        {
            Compare.Exact(packed.SortedIndices!, Get(name + "/packed.sorted_indices"), "packed.sorted_indices");
            Compare.Exact(packed.UnsortedIndices!, Get(name + "/packed.unsorted_indices"), "packed.unsorted_indices");
        }

        PackedSequence output;
        Tensor h;
        Tensor? c = null;
        switch (module)
        {
            case LSTM lstm: (output, h, c) = lstm.Forward(packed, h0, c0); break;
            case GRU gru: (output, h) = gru.Forward(packed, h0); break;
            default: (output, h) = ((RNN)module).Forward(packed, h0); break;
        }
        var totalLength = m.GetProperty("total_length").ValueKind == JsonValueKind.Null ? (long?)null : m.GetProperty("total_length").GetInt64();
        var (padded, lengths) = Utils.PadPackedSequence(output, batchFirst, m.GetProperty("padding_value").GetDouble(), totalLength);
        var worstOut = Compare.Close(padded, Get(name + "/output"), Atol, Rtol, "output");
        Compare.Exact(lengths, Get(name + "/output_lengths"), "output lengths");
        var worstState = Compare.Close(h, Get(name + "/h_n"), Atol, Rtol, "h_n");
        if (c is not null) worstState = Math.Max(worstState, Compare.Close(c, Get(name + "/c_n"), Atol, Rtol, "c_n"));
        Assert.Equal(c is not null, Has(name + "/c_n"));

        var loss = (padded * Get(name + "/loss.output")).Sum() + (h * Get(name + "/loss.h_n")).Sum();
        if (c is not null) loss += (c * Get(name + "/loss.c_n")).Sum();
        loss.Backward();
        var worstGrad = Compare.Close(x.Grad!, Get(name + "/grad.input"), Atol, Rtol, "grad of input");
        foreach (var (key, parameter) in module.NamedParameters())
            worstGrad = Math.Max(worstGrad, Compare.Close(parameter.Grad!, Get(name + "/grad." + key), Atol, Rtol, "grad of " + key));
        log.WriteLine($"{name}: max |diff| output {worstOut:E2}, states {worstState:E2}, gradients {worstGrad:E2}");
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void Scaled_dot_product_attention_matches_pytorch(string name)
    {
        using var scope = Torch.NewDisposeScope();
        var m = Meta(name);
        var isCausal = m.GetProperty("is_causal").GetBoolean();
        var q = Get(name + "/q").RequiresGrad_();
        var k = Get(name + "/k").RequiresGrad_();
        var v = Get(name + "/v").RequiresGrad_();
        var mask = Has(name + "/mask") ? Get(name + "/mask") : null;

        var output = F.ScaledDotProductAttention(q, k, v, mask, 0.0, isCausal);
        var worstOut = Compare.Close(output, Get(name + "/out"), Atol, Rtol, "output");
        var (withWeights, weights) = F.ScaledDotProductAttentionWithWeights(q, k, v, mask, 0.0, isCausal);
        Compare.Close(withWeights, Get(name + "/out"), Atol, Rtol, "output (with weights)");
        var worstWeights = Compare.Close(weights, Get(name + "/weights"), 1e-6, Rtol, "weights");

        (output * Get(name + "/loss.out")).Sum().Backward();
        var worstGrad = Compare.Close(q.Grad!, Get(name + "/grad.q"), Atol, Rtol, "grad of q");
        worstGrad = Math.Max(worstGrad, Compare.Close(k.Grad!, Get(name + "/grad.k"), Atol, Rtol, "grad of k"));
        worstGrad = Math.Max(worstGrad, Compare.Close(v.Grad!, Get(name + "/grad.v"), Atol, Rtol, "grad of v"));
        log.WriteLine($"{name}: max |diff| output {worstOut:E2}, weights {worstWeights:E2}, gradients {worstGrad:E2}");
    }
}
