using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="TransformerClassifier"/>.</summary>
public sealed record TransformerClassifierOptions : TextClassifierOptions
{
    /// <summary>128 features per token: small enough to train in minutes on a CPU.</summary>
    public int DModel { get; init; } = 128;

    /// <summary>4 heads of 32 features.</summary>
    public int NumHeads { get; init; } = 4;

    /// <summary>Two encoder layers: a few thousand short texts do not feed a deeper stack.</summary>
    public int NumLayers { get; init; } = 2;

    /// <summary>The feed-forward width, 2·d_model: the usual 4× gave no gain at this data size.</summary>
    public int DimFeedforward { get; init; } = 256;

    /// <summary>Dropout on the embeddings, in every layer and before the head.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Pre-norm layers (and a final layer norm) train stably without a warm-up tuned to the depth.</summary>
    public bool NormFirst { get; init; } = true;

    /// <summary>"mean": masked mean of the final token states (padding excluded).</summary>
    public string Pooling { get; init; } = "mean";

    public override void Validate()
    {
        base.Validate();
        if (DModel < 1) throw Bad(nameof(DModel), DModel, "must be at least 1");
        if (NumHeads < 1 || DModel % NumHeads != 0) throw Bad(nameof(NumHeads), NumHeads, $"must divide d_model ({DModel})");
        if (NumLayers < 1) throw Bad(nameof(NumLayers), NumLayers, "must be at least 1");
        if (DimFeedforward < 1) throw Bad(nameof(DimFeedforward), DimFeedforward, "must be at least 1");
        if (Pooling is not "mean") throw Bad(nameof(Pooling), Pooling, "must be \"mean\"");
        CheckProbability(nameof(Dropout), Dropout);
    }
}

/// <summary>
/// A transformer encoder over token plus learned position embeddings (GELU, pre-norm by default), masked mean
/// pooling over the real tokens, and one linear layer. The padded keys are masked in every layer and the pool skips
/// padded positions, so padding never changes a row's logits. Keys: <c>tok_emb.weight</c>, <c>pos_emb.weight</c>,
/// <c>layers.N.*</c> (torch.nn.TransformerEncoderLayer's: <c>self_attn.in_proj_weight</c>, <c>linear1.weight</c>,
/// <c>norm1.weight</c>, …), <c>norm.*</c>, <c>head.*</c>.
/// </summary>
public sealed class TransformerClassifier : TextClassifier
{
    private readonly Embedding _tokEmb, _posEmb;
    private readonly ModuleList<TransformerEncoderLayer> _layers;
    private readonly LayerNorm _norm;
    private readonly Dropout _dropout;
    private readonly Linear _head;

    public TransformerClassifier(TransformerClassifierOptions? options = null) : base(options ??= new TransformerClassifierOptions())
    {
        Options = options;
        var o = options;
        _tokEmb = RegisterModule("tok_emb", new Embedding(o.VocabSize, o.DModel, paddingIdx: o.PadIdx));
        _posEmb = RegisterModule("pos_emb", new Embedding(o.MaxLength, o.DModel));
        _layers = RegisterModule("layers", new ModuleList<TransformerEncoderLayer>(Enumerable.Range(0, o.NumLayers).Select(_ =>
            new TransformerEncoderLayer(o.DModel, o.NumHeads, o.DimFeedforward, o.Dropout, TransformerActivation.Gelu,
                batchFirst: true, normFirst: o.NormFirst))));
        _norm = RegisterModule("norm", new LayerNorm(o.DModel));
        _dropout = RegisterModule("dropout", new Dropout(o.Dropout));
        _head = RegisterModule("head", new Linear(o.DModel, o.NumClasses));
    }

    public TransformerClassifierOptions Options { get; }

    public override Tensor Forward(Tensor tokens, Tensor lengths)
    {
        Check(tokens, lengths, Options.MaxLength);
        using var scope = Torch.NewDisposeScope();
        var t = tokens.Size(1);
        var positions = Torch.Arange(t, device: tokens.Device);                                  // (T)
        var pad = positions.Unsqueeze(0).Ge(lengths.To(tokens.Device).Unsqueeze(1));              // (B, T) true = padding
        var x = _dropout.Forward(_tokEmb.Forward(tokens).Add(_posEmb.Forward(positions)));        // (B, T, E)
        foreach (var layer in _layers) x = layer.Forward(x, null, pad);
        x = _norm.Forward(x);
        var keep = pad.LogicalNot().Unsqueeze(2).To(x.Dtype);                                     // (B, T, 1)
        var pooled = x.Mul(keep).Sum(1).Div(keep.Sum(1));                                         // (B, E)
        return _head.Forward(_dropout.Forward(pooled)).MoveToOuterScope();
    }
}
