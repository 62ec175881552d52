using MLRoadmap.Tests.Support;
using MLRoadmap.Interop;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.NN;

/// <summary>Functional ops beyond the fixtures (attention, padding, pooling indices), the activation table's
/// agreement with the native one, and the error paths: bad shapes must be exceptions with clear messages.</summary>
public class FunctionalTests
{
    [Fact]
    public unsafe void Activation_enum_matches_the_native_table_in_order()
    {
        var names = Enum.GetNames<ActivationOp>();
        for (var code = 0; code < names.Length; code++)
        {
            var native = Native.Utf8(Native.mlr_nn_functional_activation_name(code));
            var snake = System.Text.RegularExpressions.Regex.Replace(names[code], "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();
            Assert.Equal(native, snake);
        }
        Assert.True(Native.mlr_nn_functional_activation_name(names.Length) == null, "the native table has more activations");
    }

    [Fact]
    public void Attention_equals_softmax_of_scaled_scores_times_values()
    {
        using var scope = Torch.NewDisposeScope();
        var q = Torch.Randn([2, 3, 4, 8]);
        var k = Torch.Randn([2, 3, 6, 8]);
        var v = Torch.Randn([2, 3, 6, 5]);
        var mask = Torch.Randn([4, 6]);
        var expected = (q.Matmul(k.MT()) / Math.Sqrt(8) + mask).Softmax(-1).Matmul(v);
        Assert.True(F.ScaledDotProductAttention(q, k, v, mask).AllClose(expected, 1e-5, 1e-6));
        var (o, w) = F.ScaledDotProductAttentionWithWeights(q, k, v, mask, scale: 0.5);
        Assert.True(w.AllClose((q.Matmul(k.MT()) * 0.5 + mask).Softmax(-1), 1e-5, 1e-6));
        Assert.True(o.AllClose(w.Matmul(v), 1e-5, 1e-6));
    }

    [Fact]
    public void Attention_causal_equals_a_lower_triangular_bool_mask()
    {
        using var scope = Torch.NewDisposeScope();
        var q = Torch.Randn([2, 5, 4]);
        var k = Torch.Randn([2, 5, 4]);
        var v = Torch.Randn([2, 5, 4]);
        var allowed = Torch.Ones([5, 5], ScalarType.Bool).Tril();
        var causal = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        Assert.True(causal.AllClose(F.ScaledDotProductAttention(q, k, v, allowed), 1e-5, 1e-6));
        // The first query sees only the first key, so its output is exactly that value row.
        Assert.True(causal.Select(1, 0).AllClose(v.Select(1, 0), 1e-5, 1e-6));
        var (_, weights) = F.ScaledDotProductAttentionWithWeights(q, k, v, isCausal: true);
        Assert.Equal(0f, weights.Triu(1).Abs().Sum().Item<float>());
        Assert.Throws<TorchException>(() => F.ScaledDotProductAttention(q, k, v, allowed, isCausal: true));
    }

    [Fact]
    public void MultiheadAttention_without_weights_equals_with_weights()
    {
        using var scope = Torch.NewDisposeScope();
        using var mha = new MultiheadAttention(8, 2, batchFirst: true);
        mha.Eval();
        var x = Torch.Randn([3, 4, 8]);
        var padding = Torch.Tensor(new[] { false, false, true, false, false, false, false, true, false, true, false, false }, [3, 4]);
        var (fast, none) = mha.Forward(x, x, x, padding, needWeights: false);
        var (slow, weights) = mha.Forward(x, x, x, padding);
        Assert.Null(none);
        Assert.True(fast.AllClose(slow, 1e-5, 1e-6));
        Assert.Equal(new long[] { 3, 4, 4 }, weights!.Shape);
        Assert.Equal(0f, weights.Select(0, 0).Select(1, 2).Abs().Sum().Item<float>()); // the padded key gets no attention
        var unbatched = mha.Forward(x.Select(0, 0), x.Select(0, 0), x.Select(0, 0)).Output;
        Assert.True(unbatched.AllClose(mha.Forward(x, x, x).Output.Select(0, 0), 1e-5, 1e-6));
    }

    [Fact]
    public void Pad_modes()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { 1f, 2f, 3f }, [1, 1, 3]);
        Assert.Equal(new[] { 9f, 1f, 2f, 3f, 9f, 9f }, F.Pad(x, [1, 2], value: 9).ToArray<float>());
        Assert.Equal(new[] { 2f, 1f, 2f, 3f, 2f }, F.Pad(x, [1, 1], PadMode.Reflect).ToArray<float>());
        Assert.Equal(new[] { 1f, 1f, 2f, 3f, 3f }, F.Pad(x, [1, 1], PadMode.Replicate).ToArray<float>());
        Assert.Equal(new[] { 3f, 1f, 2f, 3f, 1f }, F.Pad(x, [1, 1], PadMode.Circular).ToArray<float>());
        Assert.Equal(new[] { 2f }, F.Pad(x, [-1, -1]).ToArray<float>());
        Assert.Throws<ArgumentException>(() => F.Pad(x, [1]));
    }

    [Fact]
    public void MaxPool_indices_point_at_the_maxima()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn([2, 3, 6, 6]);
        var (values, indices) = F.MaxPool2dWithIndices(x, 2);
        Assert.True(values.Equal(F.MaxPool2d(x, 2)));
        Assert.True(x.Flatten(2).Gather(2, indices.Flatten(2)).Equal(values.Flatten(2)));
    }

    [Fact]
    public void Functional_conv_and_linear_agree_with_their_modules()
    {
        using var scope = Torch.NewDisposeScope();
        using var conv = new Conv2d(3, 4, (3, 1), stride: (2, 1), padding: (1, 0), dilation: 1, groups: 1);
        var x = Torch.Randn([2, 3, 7, 5]);
        Assert.True(conv.Forward(x).Equal(F.Conv2d(x, conv.Weight, conv.Bias, (2, 1), (1, 0))));
        Assert.Equal(new long[] { 2, 4, 4, 5 }, conv.Forward(x).Shape);
        using var linear = new Linear(5, 2, bias: false);
        Assert.True(linear.Forward(x).Equal(x.Matmul(linear.Weight.T())));
    }

    // ---- error paths -----------------------------------------------------------------------------------------

    [Fact]
    public void Linear_with_the_wrong_input_size_says_what_it_expected()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new Linear(5, 3);
        var e = Assert.Throws<ArgumentException>(() => m.Forward(Torch.Randn([4, 6])));
        Assert.Contains("last dim to be 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 6]", e.Message, StringComparison.Ordinal);
        var f = Assert.Throws<TorchException>(() => F.Linear(Torch.Randn([4, 6]), m.Weight));
        Assert.Contains("4x6", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conv_with_the_wrong_channel_count_is_a_TorchException_naming_the_channels()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new Conv2d(3, 4, 3);
        var e = Assert.Throws<TorchException>(() => m.Forward(Torch.Randn([2, 5, 8, 8])));
        Assert.Contains("3 channels", e.Message, StringComparison.Ordinal);
        Assert.Contains("5 channels", e.Message, StringComparison.Ordinal);
        Assert.Throws<TorchException>(() => m.Forward(Torch.Randn([8, 8])));
        Assert.Throws<TorchException>(() => m.Forward(Torch.Randn([1, 3, 2, 2]))); // smaller than the kernel
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, stride: 2, padding: "same"));
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, groups: 2));
    }

    [Fact]
    public void Recurrent_layers_check_input_and_state_shapes()
    {
        using var scope = Torch.NewDisposeScope();
        using var lstm = new LSTM(4, 5, numLayers: 2);
        var e = Assert.Throws<ArgumentException>(() => lstm.Forward(Torch.Randn([3, 2, 6])));
        Assert.Contains("Expected 4, got 6", e.Message, StringComparison.Ordinal);
        var h = Assert.Throws<ArgumentException>(() => lstm.Forward(Torch.Randn([3, 2, 4]), Torch.Zeros([1, 2, 5]), null));
        Assert.Contains("h_0 of size [2, 2, 5]", h.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => lstm.Forward(Torch.Randn([1, 3, 2, 4])));
        // Unbatched input works and drops the batch dim again.
        var (o, hn, cn) = lstm.Forward(Torch.Randn([3, 4]));
        Assert.Equal(new long[] { 3, 5 }, o.Shape);
        Assert.Equal(new long[] { 2, 5 }, hn.Shape);
        Assert.Equal(new long[] { 2, 5 }, cn.Shape);
    }

    [Fact]
    public void Losses_reject_mismatched_targets_with_clear_messages()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.Randn([4, 3]);
        var e = Assert.ThrowsAny<TorchException>(() => F.CrossEntropy(logits, Torch.Tensor(new long[] { 0, 1, 5, 2 })));
        Assert.Contains("out of bounds", e.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<TorchException>(() => F.CrossEntropy(logits, Torch.Tensor(new long[] { 0, 1 })));
        var bce = Assert.Throws<TorchException>(() => F.BinaryCrossEntropyWithLogits(logits, Torch.Rand([4, 2])));
        Assert.Contains("must be the same as input size", bce.Message, StringComparison.Ordinal);
        Assert.Throws<TorchException>(() => F.MseLoss(logits, Torch.Randn([5, 3])));
        Assert.Throws<ArgumentException>(() => F.MseLoss(logits, logits, Reduction.BatchMean));
        Assert.Throws<TorchException>(() => F.CrossEntropy(logits, Torch.Tensor(new long[] { 0, 1, 2, 2 }), labelSmoothing: 1.5));
    }

    [Fact]
    public void Other_layers_refuse_bad_input_without_crashing()
    {
        using var scope = Torch.NewDisposeScope();
        using var bn = new BatchNorm2d(3);
        Assert.Contains("expected 4D input (got 3D input)", Assert.Throws<ArgumentException>(() => bn.Forward(Torch.Randn([2, 3, 4]))).Message, StringComparison.Ordinal);
        Assert.Contains("more than 1 value per channel", Assert.Throws<ArgumentException>(() => bn.Forward(Torch.Randn([1, 3, 1, 1]))).Message, StringComparison.Ordinal);
        using var e = new Embedding(4, 2);
        Assert.ThrowsAny<TorchException>(() => e.Forward(Torch.Tensor(new long[] { 1, 4 })));
        Assert.ThrowsAny<TorchException>(() => e.Forward(Torch.Tensor(new[] { 1f })));
        using var mha = new MultiheadAttention(8, 2);
        Assert.Contains("embedding dimension of 8", Assert.Throws<ArgumentException>(() => mha.Forward(Torch.Randn([3, 2, 6]), Torch.Randn([3, 2, 6]), Torch.Randn([3, 2, 6]))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MultiheadAttention(8, 3));
        Assert.Throws<ArgumentException>(() => new GroupNorm(3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
        using var ln = new LayerNorm(5);
        Assert.Throws<TorchException>(() => ln.Forward(Torch.Randn([2, 4])));
        Assert.Throws<TorchException>(() => F.MaxPool2d(Torch.Randn([1, 1, 2, 2]), 3));
    }
}
