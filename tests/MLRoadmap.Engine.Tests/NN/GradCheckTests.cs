using MLRoadmap.Tests.Support;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.NN;

/// <summary>Finite-difference checks (float64) of the gradients of a representative set of layers, w.r.t. their
/// inputs and parameters, and of every loss.</summary>
public class GradCheckTests
{
    private const ScalarType F64 = ScalarType.Float64;

    private static List<(string, Tensor)> Wrt(Module m, params (string, Tensor)[] inputs) =>
        [.. inputs, .. m.NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter))];

    [Fact]
    public void The_check_itself_catches_a_wrong_gradient()
    {
        using var scope = Torch.NewDisposeScope();
        var x = GradCheck.Input([3]);
        // x · stop_gradient(x): autograd sees x, finite differences see 2x.
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradCheck.Check(() => x * x.Detach(), [("x", x)]));
    }

    [Fact]
    public void Linear()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new Linear(4, 3, dtype: F64);
        var x = GradCheck.Input([2, 3, 4]);
        GradCheck.Check(() => m.Forward(x), Wrt(m, ("x", x)));
    }

    [Theory]
    [InlineData(1, 1, 0, 1, "zeros")]
    [InlineData(2, 1, 1, 2, "zeros")]
    [InlineData(1, 2, 1, 1, "zeros")]
    [InlineData(1, 1, 1, 1, "reflect")]
    [InlineData(1, 1, 1, 1, "circular")]
    public void Conv2d(int stride, int dilation, int padding, int groups, string paddingMode)
    {
        using var scope = Torch.NewDisposeScope();
        var mode = paddingMode == "reflect" ? PaddingMode.Reflect : paddingMode == "circular" ? PaddingMode.Circular : PaddingMode.Zeros;
        using var m = new Conv2d(2, 4, (3, 2), stride, padding, dilation, groups, paddingMode: mode, dtype: F64);
        var x = GradCheck.Input([2, 2, 6, 5]);
        GradCheck.Check(() => m.Forward(x), Wrt(m, ("x", x)));
    }

    [Fact]
    public void Conv1d_same_padding()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new Conv1d(2, 3, 4, padding: "same", dtype: F64);
        var x = GradCheck.Input([2, 2, 7]);
        GradCheck.Check(() => m.Forward(x), Wrt(m, ("x", x)));
        Assert.Equal(new long[] { 2, 3, 7 }, m.Forward(x).Shape);
    }

    [Fact]
    public void ConvTranspose2d_with_output_padding()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new ConvTranspose2d(2, 3, 3, stride: 2, padding: 1, outputPadding: 1, dtype: F64);
        var x = GradCheck.Input([1, 2, 3, 3]);
        GradCheck.Check(() => m.Forward(x), Wrt(m, ("x", x)));
        Assert.Equal(new long[] { 1, 3, 6, 6 }, m.Forward(x).Shape);
    }

    [Fact]
    public void BatchNorm2d_in_training()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new BatchNorm2d(3, dtype: F64);
        var x = GradCheck.Input([3, 3, 2, 2]);
        GradCheck.Check(() => m.Forward(x), Wrt(m, ("x", x)));
    }

    [Fact]
    public void LayerNorm_and_GroupNorm()
    {
        using var scope = Torch.NewDisposeScope();
        using var ln = new LayerNorm([3, 4], dtype: F64);
        using var gn = new GroupNorm(2, 4, dtype: F64);
        var x = GradCheck.Input([2, 3, 4]);
        var y = GradCheck.Input([2, 4, 3]);
        using (Torch.NoGrad())
        {
            // Non-trivial affine parameters, so their gradients are exercised away from (1, 0).
            ln.Weight!.Normal_();
            gn.Bias!.Normal_();
        }
        GradCheck.Check(() => ln.Forward(x), Wrt(ln, ("x", x)));
        GradCheck.Check(() => gn.Forward(y), Wrt(gn, ("y", y)));
    }

    [Fact]
    public void Embedding_weight()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new Embedding(5, 3, dtype: F64);
        var idx = Torch.Tensor(new long[] { 1, 4, 1, 0, 2, 1 }, [2, 3]);
        GradCheck.Check(() => m.Forward(idx), Wrt(m));
    }

    [Fact]
    public void LSTM_two_layers_bidirectional_batch_first_with_initial_state()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new LSTM(3, 2, numLayers: 2, batchFirst: true, bidirectional: true, dtype: F64);
        var x = GradCheck.Input([2, 3, 3]);
        var h0 = GradCheck.Input([4, 2, 2]);
        var c0 = GradCheck.Input([4, 2, 2]);
        GradCheck.Check(() =>
        {
            var (o, h, c) = m.Forward(x, h0, c0);
            return Torch.Cat([o.Flatten(), h.Flatten(), c.Flatten()]);
        }, Wrt(m, ("x", x), ("h0", h0), ("c0", c0)));
    }

    [Fact]
    public void GRU_and_RNN()
    {
        using var scope = Torch.NewDisposeScope();
        using var gru = new GRU(3, 2, numLayers: 2, dtype: F64);
        using var rnn = new RNN(3, 2, useRelu: true, bidirectional: true, dtype: F64);
        var x = GradCheck.Input([4, 2, 3]);
        var h0 = GradCheck.Input([2, 2, 2]);
        GradCheck.Check(() =>
        {
            var (o, h) = gru.Forward(x, h0);
            return Torch.Cat([o.Flatten(), h.Flatten()]);
        }, Wrt(gru, ("x", x), ("h0", h0)));
        GradCheck.Check(() =>
        {
            var (o, h) = rnn.Forward(x);
            return Torch.Cat([o.Flatten(), h.Flatten()]);
        }, Wrt(rnn, ("x", x)));
    }

    [Fact]
    public void MultiheadAttention_with_masks_and_weights()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new MultiheadAttention(4, 2, addBiasKV: true, batchFirst: true, dtype: F64);
        using (Torch.NoGrad()) m.InProjBias!.Normal_(0, 0.1);
        var q = GradCheck.Input([2, 3, 4]);
        var kv = GradCheck.Input([2, 5, 4]);
        var padding = Torch.Tensor(new[] { false, false, true, false, true, false, false, false, false, true }, [2, 5]);
        var mask = Torch.Randn([3, 5], F64).Mul(0.5);
        GradCheck.Check(() =>
        {
            var (o, w) = m.Forward(q, kv, kv, padding, needWeights: true, attnMask: mask, averageAttnWeights: false);
            return Torch.Cat([o.Flatten(), w!.Flatten()]);
        }, Wrt(m, ("query", q), ("key_value", kv)));
    }

    [Fact]
    public void TransformerEncoderLayer_pre_norm_gelu()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new TransformerEncoderLayer(4, 2, dimFeedforward: 6, dropout: 0, activation: TransformerActivation.Gelu,
            batchFirst: true, normFirst: true, dtype: F64);
        var x = GradCheck.Input([2, 3, 4]);
        GradCheck.Check(() => m.Forward(x), Wrt(m, ("x", x)));
    }

    [Fact]
    public void Pooling()
    {
        using var scope = Torch.NewDisposeScope();
        var x = GradCheck.Input([1, 2, 5, 5]);
        GradCheck.Check(() => F.MaxPool2d(x, 3, 2, 1, ceilMode: true), [("x", x)]);
        GradCheck.Check(() => F.AvgPool2d(x, 3, 2, 1, ceilMode: true, countIncludePad: false), [("x", x)]);
        GradCheck.Check(() => F.AdaptiveAvgPool2d(x, (2, 3)), [("x", x)]);
        GradCheck.Check(() => F.Pad(x, [1, 2, 2, 1], PadMode.Reflect), [("x", x)]);
    }

    public static TheoryData<string> ActivationNames => new(
        "gelu", "gelu_tanh", "silu", "mish", "elu", "celu", "selu", "softplus", "leaky_relu", "hardswish", "hardtanh",
        "relu6", "logsigmoid", "softmax", "log_softmax", "tanh", "sigmoid");

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void Activation(string name)
    {
        using var scope = Torch.NewDisposeScope();
        var x = GradCheck.Input([3, 5], scale: 3);
        Func<Tensor> f = name switch
        {
            "gelu" => () => F.Gelu(x),
            "gelu_tanh" => () => F.Gelu(x, GeluApproximation.Tanh),
            "silu" => () => F.Silu(x),
            "mish" => () => F.Mish(x),
            "elu" => () => F.Elu(x, 0.7),
            "celu" => () => F.Celu(x, 0.5),
            "selu" => () => F.Selu(x),
            "softplus" => () => F.Softplus(x, 2, 1),
            "leaky_relu" => () => F.LeakyRelu(x, 0.2),
            "hardswish" => () => F.Hardswish(x),
            "hardtanh" => () => F.Hardtanh(x, -2, 2),
            "relu6" => () => F.Relu6(x),
            "logsigmoid" => () => F.LogSigmoid(x),
            "softmax" => () => F.Softmax(x, 1),
            "log_softmax" => () => F.LogSoftmax(x, 0),
            "tanh" => () => F.Tanh(x),
            "sigmoid" => () => F.Sigmoid(x),
            _ => throw new ArgumentException(name),
        };
        GradCheck.Check(f, [("x", x)]);
    }

    [Fact]
    public void PReLU_per_channel()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new PReLU(3, dtype: F64);
        var x = GradCheck.Input([2, 3, 4]);
        GradCheck.Check(() => m.Forward(x), Wrt(m, ("x", x)));
    }

    [Fact]
    public void Scaled_dot_product_attention_causal_and_masked()
    {
        using var scope = Torch.NewDisposeScope();
        var q = GradCheck.Input([2, 2, 3, 4]);
        var k = GradCheck.Input([2, 2, 3, 4]);
        var v = GradCheck.Input([2, 2, 3, 5]);
        var mask = Torch.Randn([3, 3], F64);
        GradCheck.Check(() => F.ScaledDotProductAttention(q, k, v, isCausal: true), [("q", q), ("k", k), ("v", v)]);
        GradCheck.Check(() => F.ScaledDotProductAttention(q, k, v, mask, scale: 0.3), [("q", q), ("k", k), ("v", v)]);
    }

    // ---- losses ----------------------------------------------------------------------------------------------

    [Fact]
    public void CrossEntropy_with_weights_smoothing_and_ignored_targets()
    {
        using var scope = Torch.NewDisposeScope();
        var x = GradCheck.Input([5, 4]);
        var target = Torch.Tensor(new long[] { 0, 3, 2, 3, 1 });
        var weight = Torch.Tensor(new[] { 0.5, 1.0, 2.0, 1.5 });
        GradCheck.Check(() => F.CrossEntropy(x, target, weight, ignoreIndex: 2, labelSmoothing: 0.2), [("input", x)]);
        var sequence = GradCheck.Input([2, 4, 3]);
        var seqTarget = Torch.Tensor(new long[] { 0, 3, 1, 2, 2, 0 }, [2, 3]);
        GradCheck.Check(() => F.CrossEntropy(sequence, seqTarget, reduction: Reduction.Sum), [("input", sequence)]);
        var probs = Torch.Rand([5, 4], F64).Softmax(1);
        GradCheck.Check(() => F.CrossEntropy(x, probs, labelSmoothing: 0.1, reduction: Reduction.None), [("input", x)]);
    }

    [Fact]
    public void NllLoss_over_extra_dims()
    {
        using var scope = Torch.NewDisposeScope();
        var x = GradCheck.Input([2, 3, 2, 2]);
        var target = Torch.Tensor(new long[] { 0, 2, 1, 1, 2, 0, 0, 1 }, [2, 2, 2]);
        GradCheck.Check(() => F.NllLoss(F.LogSoftmax(x, 1), target, Torch.Tensor(new[] { 1.0, 2.0, 0.5 })), [("input", x)]);
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("l1")]
    [InlineData("smooth_l1")]
    [InlineData("huber")]
    [InlineData("bce")]
    [InlineData("bce_with_logits")]
    [InlineData("kl_div")]
    public void Elementwise_losses(string loss)
    {
        using var scope = Torch.NewDisposeScope();
        var x = GradCheck.Input([3, 4]);
        var y = Torch.Randn([3, 4], F64);
        var p = Torch.Rand([3, 4], F64).Mul(0.8).Add(0.1);
        var logits = GradCheck.Input([3, 4]);
        var weight = Torch.Rand([4], F64).Add(0.5);
        Func<Tensor> f = loss switch
        {
            "mse" => () => F.MseLoss(x, y),
            "l1" => () => F.L1Loss(x, y, Reduction.Sum),
            "smooth_l1" => () => F.SmoothL1Loss(x, y, beta: 0.5),
            "huber" => () => F.HuberLoss(x, y, Reduction.None, 0.8),
            "bce" => () => F.BinaryCrossEntropy(logits.Sigmoid(), p, weight),
            "bce_with_logits" => () => F.BinaryCrossEntropyWithLogits(logits, p, weight, posWeight: Torch.Tensor(new[] { 1.0, 2.0, 3.0, 0.5 })),
            "kl_div" => () => F.KlDiv(F.LogSoftmax(logits, 1), F.LogSoftmax(y, 1), Reduction.BatchMean, logTarget: true),
            _ => throw new ArgumentException(loss),
        };
        GradCheck.Check(f, loss is "bce" or "bce_with_logits" or "kl_div" ? [("logits", logits)] : [("x", x)]);
    }
}
