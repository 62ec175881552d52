using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="LstmClassifier"/>.</summary>
public sealed record LstmClassifierOptions : TextClassifierOptions
{
    /// <summary>128: enough for short texts of a few thousand examples; most parameters are the embedding table.</summary>
    public int EmbeddingDim { get; init; } = 128;

    /// <summary>128 units per direction.</summary>
    public int HiddenSize { get; init; } = 128;

    /// <summary>One layer: a second one did not help on a few thousand texts.</summary>
    public int NumLayers { get; init; } = 1;

    /// <summary>Reading both ways gives every position its right context too.</summary>
    public bool Bidirectional { get; init; } = true;

    /// <summary>"max": the maximum over the real steps of the last layer's outputs, which keeps a strong cue
    /// wherever it is in a long text; "last": the final hidden state of each direction.</summary>
    public string Pooling { get; init; } = "max";

    /// <summary>Dropout on the embeddings, between LSTM layers and before the head.</summary>
    public double Dropout { get; init; } = 0.3;

    public override void Validate()
    {
        base.Validate();
        if (EmbeddingDim < 1) throw Bad(nameof(EmbeddingDim), EmbeddingDim, "must be at least 1");
        if (HiddenSize < 1) throw Bad(nameof(HiddenSize), HiddenSize, "must be at least 1");
        if (NumLayers < 1) throw Bad(nameof(NumLayers), NumLayers, "must be at least 1");
        if (Pooling is not ("max" or "last")) throw Bad(nameof(Pooling), Pooling, "must be \"max\" or \"last\"");
        CheckProbability(nameof(Dropout), Dropout);
    }
}

/// <summary>
/// An LSTM (by default bidirectional) over token embeddings, pooled to one vector per text and classified by one
/// linear layer. The batch is packed (<see cref="Utils.PackPaddedSequence(Tensor, Tensor, bool, bool)"/>), so
/// padding never enters the recurrence. Keys (PyTorch's, for an <c>nn.Module</c> with these attributes):
/// <c>embedding.weight</c>, <c>lstm.weight_ih_l0</c> … <c>lstm.bias_hh_l0_reverse</c>, <c>head.weight</c>,
/// <c>head.bias</c>.
/// </summary>
public sealed class LstmClassifier : TextClassifier
{
    private readonly Embedding _embedding;
    private readonly LSTM _lstm;
    private readonly Dropout _dropout;
    private readonly Linear _head;

    public LstmClassifier(LstmClassifierOptions? options = null) : base(options ??= new LstmClassifierOptions())
    {
        Options = options;
        var directions = options.Bidirectional ? 2 : 1;
        _embedding = RegisterModule("embedding", new Embedding(options.VocabSize, options.EmbeddingDim, paddingIdx: options.PadIdx));
        _lstm = RegisterModule("lstm", new LSTM(options.EmbeddingDim, options.HiddenSize, options.NumLayers, batchFirst: true,
            dropout: options.NumLayers > 1 ? options.Dropout : 0, bidirectional: options.Bidirectional));
        _dropout = RegisterModule("dropout", new Dropout(options.Dropout));
        _head = RegisterModule("head", new Linear(directions * options.HiddenSize, options.NumClasses));
    }

    public LstmClassifierOptions Options { get; }

    public override Tensor Forward(Tensor tokens, Tensor lengths)
    {
        Check(tokens, lengths);
        using var scope = Torch.NewDisposeScope();
        var x = _dropout.Forward(_embedding.Forward(tokens));                                  // (B, T, E)
        var packed = Utils.PackPaddedSequence(x, lengths, batchFirst: true, enforceSorted: false);
        var (output, h, _) = _lstm.Forward(packed);   // the packed tensors belong to this scope
        Tensor pooled;
        if (Options.Pooling == "last")
        {
            var d = _lstm.Bidirectional ? 2 : 1;
            // h: (layers·D, B, H); the last layer's directions side by side → (B, D·H).
            pooled = h.Narrow(0, h.Size(0) - d, d).Permute(1, 0, 2).Reshape(h.Size(1), -1);
        }
        else
        {
            var (padded, lens) = Utils.PadPackedSequence(output, batchFirst: true);       // (B, T', D·H), (B)
            var steps = Torch.Arange(padded.Size(1), device: padded.Device);              // (T')
            var pad = steps.Unsqueeze(0).Ge(lens.To(padded.Device).Unsqueeze(1));         // (B, T') true past the end
            pooled = padded.MaskedFill(pad.Unsqueeze(2), double.NegativeInfinity).Amax(1); // (B, D·H)
        }
        return _head.Forward(_dropout.Forward(pooled)).MoveToOuterScope();
    }
}
