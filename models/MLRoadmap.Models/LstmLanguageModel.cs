using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="LstmLanguageModel"/>.</summary>
public sealed record LstmLanguageModelOptions : ModelOptions
{
    /// <summary>Not used: a language model reads token ids, not images (1 keeps <see cref="ModelOptions"/> valid).</summary>
    public override int InChannels { get; init; } = 1;

    /// <summary>Tokens in the vocabulary: the embedding's rows and the head's outputs (about 100 for English
    /// characters).</summary>
    public int VocabSize { get; init; } = 128;

    /// <summary>The embedding's width; equal to <see cref="HiddenSize"/> when the weights are tied.</summary>
    public int EmbeddingDim { get; init; } = 256;

    /// <summary>Each LSTM layer's hidden and cell width.</summary>
    public int HiddenSize { get; init; } = 256;

    /// <summary>Stacked LSTM layers, run as one fused call.</summary>
    public int NumLayers { get; init; } = 2;

    /// <summary>Dropout on the embeddings, between LSTM layers and before the head (Zaremba et al.'s placement, as
    /// PyTorch's word_language_model example).</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Share the embedding matrix with the head (Press &amp; Wolf, 2017); needs EmbeddingDim == HiddenSize.</summary>
    public bool TieWeights { get; init; }

    public override void Validate()
    {
        base.Validate();
        if (VocabSize < 1) throw Bad(nameof(VocabSize), VocabSize, "must be at least 1");
        if (EmbeddingDim < 1) throw Bad(nameof(EmbeddingDim), EmbeddingDim, "must be at least 1");
        if (HiddenSize < 1) throw Bad(nameof(HiddenSize), HiddenSize, "must be at least 1");
        if (NumLayers < 1) throw Bad(nameof(NumLayers), NumLayers, "must be at least 1");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw Bad(nameof(Dropout), Dropout, "a dropout probability must be in [0, 1)");
        if (TieWeights && EmbeddingDim != HiddenSize)
            throw Bad(nameof(TieWeights), TieWeights, $"tied weights need EmbeddingDim ({EmbeddingDim}) == HiddenSize ({HiddenSize})");
    }
}

/// <summary>
/// A recurrent language model: token ids (B, T) → embedding → a stacked LSTM (the engine's fused call) → dropout →
/// a linear head → next-token logits (B, T, V). Keys as PyTorch names them in the same layout: <c>embedding.weight</c>,
/// <c>lstm.weight_ih_l0</c>, <c>lstm.weight_hh_l0</c>, <c>lstm.bias_ih_l0</c>, … , <c>head.weight</c>,
/// <c>head.bias</c> (with tied weights <c>head.weight</c> is <c>embedding.weight</c>, listed under both keys as PyTorch's
/// state dict does). PyTorch's default initialisation of each layer.
/// </summary>
public sealed class LstmLanguageModel : Module<Tensor, Tensor>
{
    private readonly Embedding _embedding;
    private readonly LSTM _lstm;
    private readonly Dropout _dropout;
    private readonly Linear _head;

    public LstmLanguageModel(LstmLanguageModelOptions? options = null)
    {
        Options = options ?? new LstmLanguageModelOptions();
        Options.Validate();
        var o = Options;
        _embedding = RegisterModule("embedding", new Embedding(o.VocabSize, o.EmbeddingDim));
        _lstm = RegisterModule("lstm", new LSTM(o.EmbeddingDim, o.HiddenSize, o.NumLayers, batchFirst: true,
            dropout: o.NumLayers > 1 ? o.Dropout : 0));
        _dropout = RegisterModule("dropout", new Dropout(o.Dropout));
        _head = RegisterModule("head", new Linear(o.HiddenSize, o.VocabSize));
        if (o.TieWeights) _head.RegisterParameter("weight", _embedding.Weight);
    }

    public LstmLanguageModelOptions Options { get; }

    /// <summary>Ids (B, T) int64 → logits (B, T, V), from zero initial states.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null).Logits;

    /// <summary>Ids (B, T) int64 → logits (B, T, V) and the states after the last step, (layers, B, H) each, from
    /// <paramref name="state"/> (null: zeros). Carrying the state on is how text longer than one call is read.</summary>
    public (Tensor Logits, (Tensor H, Tensor C) State) Forward(Tensor input, (Tensor H, Tensor C)? state)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim != 2)
            throw new ArgumentException($"LstmLanguageModel: expected token ids (B, T), got shape [{string.Join(", ", input.Shape)}]", nameof(input));
        using var scope = Torch.NewDisposeScope();
        var x = _dropout.Forward(_embedding.Forward(input));                       // (B, T, E)
        var (output, h, c) = _lstm.Forward(x, state?.H, state?.C);                 // (B, T, H), (layers, B, H) ×2
        var logits = _head.Forward(_dropout.Forward(output));                       // (B, T, V)
        return (logits.MoveToOuterScope(), (h.MoveToOuterScope(), c.MoveToOuterScope()));
    }

    /// <summary>
    /// Continues each row of <paramref name="prompt"/> (B, T ≥ 1) by <paramref name="maxNewTokens"/> tokens drawn one
    /// at a time by <paramref name="pick"/> (last-step logits (B, V) → ids (B, 1)), reading the prompt once and then
    /// one token per step with the carried state. Returns (B, T + maxNewTokens). Run it in eval mode without gradients.
    /// </summary>
    public Tensor Generate(Tensor prompt, int maxNewTokens, Func<Tensor, Tensor> pick)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(pick);
        if (prompt.Dim != 2 || prompt.Size(1) < 1)
            throw new ArgumentException($"LstmLanguageModel.Generate: the prompt must be ids (B, T ≥ 1), got shape [{string.Join(", ", prompt.Shape)}]", nameof(prompt));
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        using var scope = Torch.NewDisposeScope();
        var pieces = new List<Tensor> { prompt };
        var (logits, state) = Forward(prompt, null);                                 // (B, T, V)
        for (var i = 0; i < maxNewTokens; i++)
        {
            using var step = Torch.NewDisposeScope();
            var next = pick(logits.Select(1, -1));                                   // (B, V) → (B, 1)
            (logits, state) = Forward(next, state);                                  // (B, 1, V)
            pieces.Add(next.MoveToOuterScope());
            logits.MoveToOuterScope();
            state.H.MoveToOuterScope();
            state.C.MoveToOuterScope();
        }
        return Torch.Cat(pieces.ToArray(), 1).MoveToOuterScope();
    }

    protected override string ExtraRepr() => $"vocab={Options.VocabSize}, tied={Py(Options.TieWeights)}";
}
