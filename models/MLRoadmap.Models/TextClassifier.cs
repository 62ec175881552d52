using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>Options every text classifier shares: the vocabulary, the classes, the padding id.</summary>
public abstract record TextClassifierOptions : ClassifierOptions
{
    /// <summary>Token ids are one channel; the field exists for the registry's common surface and must stay 1.</summary>
    public override int InChannels { get; init; } = 1;

    /// <summary>Five classes: the text recipes' default fortune categories.</summary>
    public override int NumClasses { get; init; } = 5;

    /// <summary>8,000 tokens: the text recipes' BPE vocabulary on a few thousand short texts.</summary>
    public int VocabSize { get; init; } = 8000;

    /// <summary>Id 0 pads (the recipes' tokenizers put &lt;pad&gt; first); its embedding row stays zero.</summary>
    public int PadIdx { get; init; }

    /// <summary>The longest token sequence described by the registry's input shape (the transformer's positions).</summary>
    public int MaxLength { get; init; } = 256;

    public override void Validate()
    {
        base.Validate();
        if (InChannels != 1) throw Bad(nameof(InChannels), InChannels, "token ids are one channel; it must be 1");
        if (VocabSize < 2) throw Bad(nameof(VocabSize), VocabSize, "needs at least the padding token and one more");
        if (PadIdx < 0 || PadIdx >= VocabSize) throw Bad(nameof(PadIdx), PadIdx, $"must be a token id in [0, {VocabSize})");
        if (MaxLength < 1) throw Bad(nameof(MaxLength), MaxLength, "must be at least 1");
    }
}

/// <summary>
/// A classifier of token sequences: (B, T) int64 token ids, right-padded, with each row's length (B) → (B, classes)
/// logits. Padding never changes a row's logits: the LSTM runs on packed sequences, the transformer masks the padded
/// keys and pools over real tokens only.
/// </summary>
public abstract class TextClassifier : Module<Tensor, Tensor>
{
    private protected TextClassifier(TextClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        PadIdx = options.PadIdx;
        NumClasses = options.NumClasses;
    }

    public long PadIdx { get; }

    public long NumClasses { get; }

    /// <summary>(B, T) int64 tokens, right-padded; lengths (B) int64, each in [1, T] → (B, classes) logits.</summary>
    public abstract Tensor Forward(Tensor tokens, Tensor lengths);

    /// <summary>(B, T) tokens whose lengths are their counts of non-padding ids (right padding, no pad id inside a
    /// text; an all-padding row counts as one token) → (B, classes) logits.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Torch.NewDisposeScope();
        var lengths = input.Ne(PadIdx).Sum(1, dtype: ScalarType.Int64).ClampMin(1);
        return Forward(input, lengths).MoveToOuterScope();
    }

    /// <summary>Refuses what is not (B, T) int64 tokens with (B) lengths in [1, T].</summary>
    private protected static void Check(Tensor tokens, Tensor lengths, long? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(lengths);
        if (tokens.Dim != 2 || tokens.Dtype != ScalarType.Int64)
            throw new ArgumentException($"expected (B, T) int64 token ids, got {tokens.Dtype.TorchName()} [{string.Join(", ", tokens.Shape)}]", nameof(tokens));
        if (lengths.Dim != 1 || lengths.Size(0) != tokens.Size(0))
            throw new ArgumentException($"expected {tokens.Size(0)} lengths, got shape [{string.Join(", ", lengths.Shape)}]", nameof(lengths));
        if (maxLength is { } max && tokens.Size(1) > max)
            throw new ArgumentException($"{tokens.Size(1)} tokens per row is more than the model's {max} positions (truncate the texts)", nameof(tokens));
    }
}
