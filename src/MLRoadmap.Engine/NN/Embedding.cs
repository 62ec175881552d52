using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>
/// A lookup table: integer indices (*) → rows of weight (*, embeddingDim). State: weight (numEmbeddings,
/// embeddingDim), drawn from N(0, 1). The paddingIdx row starts at zero and never receives a gradient, so padding
/// tokens stay neutral.
/// </summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public Embedding(long numEmbeddings, long embeddingDim, long? paddingIdx = null, double? maxNorm = null,
        double normType = 2.0, bool scaleGradByFreq = false, bool sparse = false, Device? device = null,
        ScalarType? dtype = null)
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is null ? null : F.NormalizePaddingIdx(paddingIdx, numEmbeddings);
        MaxNorm = maxNorm;
        NormType = normType;
        ScaleGradByFreq = scaleGradByFreq;
        Sparse = sparse;
        RegisterParameter("weight", new Parameter(Torch.Empty([numEmbeddings, embeddingDim], dtype, device)));
        ResetParameters();
    }

    /// <summary>An embedding holding a copy of <paramref name="embeddings"/> (frozen unless told otherwise).</summary>
    public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, long? paddingIdx = null,
        double? maxNorm = null, double normType = 2.0, bool scaleGradByFreq = false, bool sparse = false)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Dim != 2) throw new ArgumentException("embeddings must be 2-D (num_embeddings, embedding_dim)", nameof(embeddings));
        var e = new Embedding(embeddings.Size(0), embeddings.Size(1), paddingIdx, maxNorm, normType, scaleGradByFreq,
            sparse, embeddings.Device, embeddings.Dtype);
        using (Torch.NoGrad()) e.Weight.Copy_(embeddings);
        e.Weight.RequiresGrad = !freeze;
        return e;
    }

    public long NumEmbeddings { get; }
    public long EmbeddingDim { get; }
    public long? PaddingIdx { get; }
    public double? MaxNorm { get; }
    public double NormType { get; }
    public bool ScaleGradByFreq { get; }
    public bool Sparse { get; }

    public Parameter Weight
    {
        get => GetParameter("weight")!;
        set => RegisterParameter("weight", value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>PyTorch's default: N(0, 1), then the padding row zeroed.</summary>
    public void ResetParameters()
    {
        Init.Normal_(Weight);
        if (PaddingIdx is not { } pad) return;
        using var row = Weight.Select(0, pad).DetachFromDisposeScope();
        Init.Zeros_(row);
    }

    public override Tensor Forward(Tensor input) =>
        F.Embedding(input, Weight, PaddingIdx, MaxNorm, NormType, ScaleGradByFreq, Sparse);

    protected override string ExtraRepr() =>
        $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is { } p ? $", padding_idx={p}" : "") + (MaxNorm is { } m ? $", max_norm={Py(m)}" : "");
}
