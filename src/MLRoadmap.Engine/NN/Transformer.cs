using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>The feed-forward activation of a transformer layer.</summary>
public enum TransformerActivation
{
    Relu,
    Gelu,
}

/// <summary>
/// One transformer encoder block, as torch.nn.TransformerEncoderLayer: self-attention then a two-layer feed-forward
/// network, each wrapped in dropout, a residual connection and layer norm. normFirst puts the norms before each
/// sub-block (pre-norm, what GPT-style models train more stably with); the default is the original post-norm.
/// Input (S, N, E), or (N, S, E) with batchFirst. State keys: self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*.
/// </summary>
public sealed class TransformerEncoderLayer : Module<Tensor, Tensor>
{
    private readonly MultiheadAttention _selfAttn;
    private readonly Linear _linear1, _linear2;
    private readonly Dropout _dropout, _dropout1, _dropout2;
    private readonly LayerNorm _norm1, _norm2;

    public TransformerEncoderLayer(long dModel, long nhead, long dimFeedforward = 2048, double dropout = 0.1,
        TransformerActivation activation = TransformerActivation.Relu, double layerNormEps = 1e-5, bool batchFirst = false,
        bool normFirst = false, bool bias = true, Device? device = null, ScalarType? dtype = null)
    {
        // Construction order is PyTorch's, so a seeded construction draws the same initial weights.
        _selfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst: batchFirst, device: device, dtype: dtype));
        _linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, device, dtype));
        _dropout = RegisterModule("dropout", new Dropout(dropout));
        _linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, device, dtype));
        _norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        _norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        _dropout1 = RegisterModule("dropout1", new Dropout(dropout));
        _dropout2 = RegisterModule("dropout2", new Dropout(dropout));
        Activation = activation;
        NormFirst = normFirst;
    }

    public TransformerActivation Activation { get; }
    public bool NormFirst { get; }
    public MultiheadAttention SelfAttn => _selfAttn;

    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>srcMask (S, S) or (N·heads, S, S): bool true = blocked, or float added to the scores.
    /// srcKeyPaddingMask (N, S): true = padding.</summary>
    public Tensor Forward(Tensor src, Tensor? srcMask, Tensor? srcKeyPaddingMask)
    {
        ArgumentNullException.ThrowIfNull(src);
        using var scope = Torch.NewDisposeScope();
        var x = src;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(_norm1.Forward(x), srcMask, srcKeyPaddingMask);
            x = x + FeedForwardBlock(_norm2.Forward(x));
        }
        else
        {
            x = _norm1.Forward(x + SelfAttentionBlock(x, srcMask, srcKeyPaddingMask));
            x = _norm2.Forward(x + FeedForwardBlock(x));
        }
        return x.MoveToOuterScope();
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? mask, Tensor? keyPaddingMask) =>
        _dropout1.Forward(_selfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask).Output);

    private Tensor FeedForwardBlock(Tensor x) =>
        _dropout2.Forward(_linear2.Forward(_dropout.Forward(Activate(_linear1.Forward(x), Activation))));

    internal static Tensor Activate(Tensor x, TransformerActivation activation) =>
        activation == TransformerActivation.Gelu ? F.Gelu(x) : F.Relu(x);
}

/// <summary>
/// One transformer decoder block, as torch.nn.TransformerDecoderLayer: masked self-attention over the target,
/// attention from the target to the encoder's output (memory), then the feed-forward network, each with dropout,
/// a residual connection and layer norm (before the sub-block with normFirst). State keys: self_attn.*,
/// multihead_attn.*, linear1.*, linear2.*, norm1.*, norm2.*, norm3.*.
/// </summary>
public sealed class TransformerDecoderLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly MultiheadAttention _selfAttn, _crossAttn;
    private readonly Linear _linear1, _linear2;
    private readonly Dropout _dropout, _dropout1, _dropout2, _dropout3;
    private readonly LayerNorm _norm1, _norm2, _norm3;

    public TransformerDecoderLayer(long dModel, long nhead, long dimFeedforward = 2048, double dropout = 0.1,
        TransformerActivation activation = TransformerActivation.Relu, double layerNormEps = 1e-5, bool batchFirst = false,
        bool normFirst = false, bool bias = true, Device? device = null, ScalarType? dtype = null)
    {
        _selfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst: batchFirst, device: device, dtype: dtype));
        _crossAttn = RegisterModule("multihead_attn", new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst: batchFirst, device: device, dtype: dtype));
        _linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, device, dtype));
        _dropout = RegisterModule("dropout", new Dropout(dropout));
        _linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, device, dtype));
        _norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        _norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        _norm3 = RegisterModule("norm3", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        _dropout1 = RegisterModule("dropout1", new Dropout(dropout));
        _dropout2 = RegisterModule("dropout2", new Dropout(dropout));
        _dropout3 = RegisterModule("dropout3", new Dropout(dropout));
        Activation = activation;
        NormFirst = normFirst;
    }

    public TransformerActivation Activation { get; }
    public bool NormFirst { get; }
    public MultiheadAttention SelfAttn => _selfAttn;
    public MultiheadAttention MultiheadAttn => _crossAttn;

    public override Tensor Forward(Tensor tgt, Tensor memory) => Forward(tgt, memory, null, null, null, null);

    /// <summary>tgtMask (T, T), usually causal (-inf above the diagonal); memoryMask (T, S); the key padding masks
    /// (N, T) and (N, S), true = padding.</summary>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask, Tensor? memoryMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        ArgumentNullException.ThrowIfNull(memory);
        using var scope = Torch.NewDisposeScope();
        var x = tgt;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(_norm1.Forward(x), tgtMask, tgtKeyPaddingMask);
            x = x + CrossAttentionBlock(_norm2.Forward(x), memory, memoryMask, memoryKeyPaddingMask);
            x = x + FeedForwardBlock(_norm3.Forward(x));
        }
        else
        {
            x = _norm1.Forward(x + SelfAttentionBlock(x, tgtMask, tgtKeyPaddingMask));
            x = _norm2.Forward(x + CrossAttentionBlock(x, memory, memoryMask, memoryKeyPaddingMask));
            x = _norm3.Forward(x + FeedForwardBlock(x));
        }
        return x.MoveToOuterScope();
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? mask, Tensor? keyPaddingMask) =>
        _dropout1.Forward(_selfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask).Output);

    private Tensor CrossAttentionBlock(Tensor x, Tensor memory, Tensor? mask, Tensor? keyPaddingMask) =>
        _dropout2.Forward(_crossAttn.Forward(x, memory, memory, keyPaddingMask, needWeights: false, attnMask: mask).Output);

    private Tensor FeedForwardBlock(Tensor x) =>
        _dropout3.Forward(_linear2.Forward(_dropout.Forward(TransformerEncoderLayer.Activate(_linear1.Forward(x), Activation))));
}
