using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>
/// Multi-head attention (Vaswani et al.), as torch.nn.MultiheadAttention: project queries, keys and values, attend
/// within each of numHeads heads of size embedDim / numHeads, concatenate the heads and project back.
/// </summary>
/// <remarks>
/// <para>Shapes: query (L, N, E), key (S, N, kdim), value (S, N, vdim), or batch-first (N, L, E) etc. with
/// batchFirst, or unbatched (L, E). Output (L, N, E) and, with needWeights, the attention weights (N, L, S)
/// averaged over heads, or (N, heads, L, S).</para>
/// <para>Masks follow PyTorch's MultiheadAttention convention: keyPaddingMask (N, S) bool, true = ignore that key;
/// attnMask (L, S) or (N·heads, L, S), bool true = not allowed, or float added to the scores.</para>
/// <para>State: in_proj_weight (3E, E) and in_proj_bias (3E), or q/k/v_proj_weight when kdim or vdim differ from E;
/// out_proj.weight, out_proj.bias; bias_k, bias_v (1, 1, E) with addBiasKV.</para>
/// </remarks>
public sealed class MultiheadAttention : Module
{
    private readonly Linear _outProj;

    public MultiheadAttention(long embedDim, long numHeads, double dropout = 0.0, bool bias = true, bool addBiasKV = false,
        bool addZeroAttn = false, long? kdim = null, long? vdim = null, bool batchFirst = false, Device? device = null,
        ScalarType? dtype = null)
    {
        if (embedDim <= 0 || numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(embedDim), "embed_dim and num_heads must be positive");
        if (embedDim % numHeads != 0) throw new ArgumentException($"embed_dim ({embedDim}) must be divisible by num_heads ({numHeads})");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        Dropout = dropout;
        BatchFirst = batchFirst;
        AddZeroAttn = addZeroAttn;
        KDim = kdim ?? embedDim;
        VDim = vdim ?? embedDim;
        SameEmbedDim = KDim == embedDim && VDim == embedDim;

        // Registration order is PyTorch's, so state-dict keys list in its order.
        if (SameEmbedDim) RegisterParameter("in_proj_weight", new Parameter(Torch.Empty([3 * embedDim, embedDim], dtype, device)));
        else
        {
            RegisterParameter("q_proj_weight", new Parameter(Torch.Empty([embedDim, embedDim], dtype, device)));
            RegisterParameter("k_proj_weight", new Parameter(Torch.Empty([embedDim, KDim], dtype, device)));
            RegisterParameter("v_proj_weight", new Parameter(Torch.Empty([embedDim, VDim], dtype, device)));
        }
        RegisterParameter("in_proj_bias", bias ? new Parameter(Torch.Empty([3 * embedDim], dtype, device)) : null);
        // out_proj initialises itself here (drawing from the generator) before the projections below, as in PyTorch.
        _outProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, device, dtype));
        RegisterParameter("bias_k", addBiasKV ? new Parameter(Torch.Empty([1, 1, embedDim], dtype, device)) : null);
        RegisterParameter("bias_v", addBiasKV ? new Parameter(Torch.Empty([1, 1, embedDim], dtype, device)) : null);
        ResetParameters();
    }

    public long EmbedDim { get; }
    public long NumHeads { get; }
    public long HeadDim { get; }
    public long KDim { get; }
    public long VDim { get; }
    /// <summary>Dropout on the attention weights while training.</summary>
    public double Dropout { get; }
    public bool BatchFirst { get; }
    public bool AddZeroAttn { get; }
    /// <summary>True when keys and values have embedDim features, so one packed in_proj_weight projects all three.</summary>
    public bool SameEmbedDim { get; }

    public Parameter? InProjWeight => GetParameter("in_proj_weight");
    public Parameter? InProjBias => GetParameter("in_proj_bias");
    public Parameter? QProjWeight => GetParameter("q_proj_weight");
    public Parameter? KProjWeight => GetParameter("k_proj_weight");
    public Parameter? VProjWeight => GetParameter("v_proj_weight");
    public Parameter? BiasK => GetParameter("bias_k");
    public Parameter? BiasV => GetParameter("bias_v");
    public Linear OutProj => _outProj;

    /// <summary>PyTorch's default: xavier-uniform projections, zero biases, xavier-normal bias_k and bias_v.</summary>
    public void ResetParameters()
    {
        if (SameEmbedDim) Init.XavierUniform_(InProjWeight!);
        else
        {
            Init.XavierUniform_(QProjWeight!);
            Init.XavierUniform_(KProjWeight!);
            Init.XavierUniform_(VProjWeight!);
        }
        if (InProjBias is { } b)
        {
            Init.Zeros_(b);
            Init.Zeros_(_outProj.Bias!);
        }
        if (BiasK is { } bk) Init.XavierNormal_(bk);
        if (BiasV is { } bv) Init.XavierNormal_(bv);
    }

    /// <summary>Attends from query to key/value. Returns the output and, when needWeights, the weights (after
    /// dropout, as PyTorch returns them). Without needWeights the fused attention kernels can run (libtorch 2.x).</summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null,
        bool needWeights = true, Tensor? attnMask = null, bool averageAttnWeights = true)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        using var scope = Torch.NewDisposeScope();
        var batched = query.Dim == 3;
        if (!batched && query.Dim != 2)
            throw new ArgumentException($"query should be unbatched 2-D or batched 3-D, got shape [{string.Join(", ", query.Shape)}]", nameof(query));
        if (key.Dim != query.Dim || value.Dim != query.Dim)
            throw new ArgumentException($"query, key and value must have the same number of dims, got {query.Dim}, {key.Dim} and {value.Dim}");

        // Work sequence-first, (L, N, E), keeping the "same tensor" relations: they pick the packed projections.
        Tensor q = query, k = key, v = value;
        if (BatchFirst && batched)
        {
            q = query.Transpose(1, 0);
            k = ReferenceEquals(key, query) ? q : key.Transpose(1, 0);
            v = ReferenceEquals(value, key) ? k : value.Transpose(1, 0);
        }
        if (!batched)
        {
            q = q.Unsqueeze(1);
            k = ReferenceEquals(key, query) ? q : k.Unsqueeze(1);
            v = ReferenceEquals(value, key) ? k : v.Unsqueeze(1);
            keyPaddingMask = keyPaddingMask?.Unsqueeze(0);
        }
        var (output, weights) = Attend(q, k, v, keyPaddingMask, needWeights, attnMask, averageAttnWeights);

        if (!batched)
        {
            output = output.Squeeze(1);
            weights = weights?.Squeeze(0);
        }
        else if (BatchFirst) output = output.Transpose(1, 0);
        return (output.MoveToOuterScope(), weights?.MoveToOuterScope());
    }

    // PyTorch 1.13's multi_head_attention_forward on sequence-first tensors.
    private (Tensor Output, Tensor? Weights) Attend(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask,
        bool needWeights, Tensor? attnMask, bool average)
    {
        var (tgtLen, bsz, embed) = (query.Size(0), query.Size(1), query.Size(2));
        if (embed != EmbedDim) throw new ArgumentException($"was expecting embedding dimension of {EmbedDim}, but got {embed}", nameof(query));
        if (key.Size(0) != value.Size(0) || key.Size(1) != value.Size(1))
            throw new ArgumentException($"key's sequence and batch dims [{key.Size(0)}, {key.Size(1)}] do not match value's [{value.Size(0)}, {value.Size(1)}]");
        if (keyPaddingMask is not null && keyPaddingMask.Dtype != ScalarType.Bool && !keyPaddingMask.Dtype.IsFloatingPoint())
            throw new ArgumentException("only bool and floating types of key_padding_mask are supported", nameof(keyPaddingMask));

        var (q, k, v) = Project(query, key, value);

        if (attnMask is not null)
        {
            if (attnMask.Dtype != ScalarType.Bool && !attnMask.Dtype.IsFloatingPoint())
                throw new ArgumentException($"only float and bool types are supported for attn_mask, not {attnMask.Dtype.TorchName()}", nameof(attnMask));
            long[] shape = attnMask.Shape;
            if (attnMask.Dim == 2)
            {
                if (shape[0] != tgtLen || shape[1] != key.Size(0))
                    throw new ArgumentException($"The shape of the 2D attn_mask is [{string.Join(", ", shape)}], but should be [{tgtLen}, {key.Size(0)}].", nameof(attnMask));
                attnMask = attnMask.Unsqueeze(0);
            }
            else if (attnMask.Dim == 3)
            {
                if (shape[0] != bsz * NumHeads || shape[1] != tgtLen || shape[2] != key.Size(0))
                    throw new ArgumentException($"The shape of the 3D attn_mask is [{string.Join(", ", shape)}], but should be [{bsz * NumHeads}, {tgtLen}, {key.Size(0)}].", nameof(attnMask));
            }
            else throw new ArgumentException($"attn_mask's dimension {attnMask.Dim} is not supported", nameof(attnMask));
        }

        // Learned extra key/value (add_bias_kv): one more position every query may attend to.
        if (BiasK is { } biasK && BiasV is { } biasV)
        {
            k = Torch.Cat([k, biasK.Repeat(1, bsz, 1)]);
            v = Torch.Cat([v, biasV.Repeat(1, bsz, 1)]);
            attnMask = attnMask is null ? null : F.Pad(attnMask, [0, 1]);
            keyPaddingMask = keyPaddingMask is null ? null : F.Pad(keyPaddingMask, [0, 1]);
        }

        // (L, N, E) → (N·heads, L, head_dim): each head becomes a batch entry.
        q = q.Contiguous().View(tgtLen, bsz * NumHeads, HeadDim).Transpose(0, 1);
        k = k.Contiguous().View(k.Size(0), bsz * NumHeads, HeadDim).Transpose(0, 1);
        v = v.Contiguous().View(v.Size(0), bsz * NumHeads, HeadDim).Transpose(0, 1);

        if (AddZeroAttn)
        {
            k = Torch.Cat([k, Torch.Zeros([bsz * NumHeads, 1, HeadDim], k.Dtype, k.Device)], 1);
            v = Torch.Cat([v, Torch.Zeros([bsz * NumHeads, 1, HeadDim], v.Dtype, v.Device)], 1);
            attnMask = attnMask is null ? null : F.Pad(attnMask, [0, 1]);
            keyPaddingMask = keyPaddingMask is null ? null : F.Pad(keyPaddingMask, [0, 1]);
        }
        var srcLen = k.Size(1);

        // Merge the key padding mask into the attention mask: (N, S) → (N·heads, 1, S).
        if (keyPaddingMask is not null)
        {
            if (keyPaddingMask.Dim != 2 || keyPaddingMask.Size(0) != bsz || keyPaddingMask.Size(1) != srcLen)
                throw new ArgumentException($"expecting key_padding_mask shape of [{bsz}, {srcLen}], but got [{string.Join(", ", keyPaddingMask.Shape)}]", nameof(keyPaddingMask));
            var kpm = keyPaddingMask.View(bsz, 1, 1, srcLen).Expand(-1, NumHeads, -1, -1).Reshape(bsz * NumHeads, 1, srcLen);
            if (attnMask is null) attnMask = kpm;
            else if (attnMask.Dtype == ScalarType.Bool) attnMask = attnMask.LogicalOr(kpm);
            else attnMask = attnMask.MaskedFill(kpm, double.NegativeInfinity);
        }
        // Bool masks (true = blocked) become additive -inf masks.
        if (attnMask is { Dtype: ScalarType.Bool } blocked)
            attnMask = Torch.Zeros(blocked.Shape, q.Dtype, q.Device).MaskedFill_(blocked, double.NegativeInfinity);

        var dropout = IsTraining ? Dropout : 0.0;
        Tensor output;
        Tensor? weights = null;
        if (needWeights) (output, weights) = F.ScaledDotProductAttentionWithWeights(q, k, v, attnMask, dropout);
        else output = F.ScaledDotProductAttention(q, k, v, attnMask, dropout);

        // (N·heads, L, head_dim) → (L·N, E) → out_proj → (L, N, E).
        output = output.Transpose(0, 1).Contiguous().View(tgtLen * bsz, EmbedDim);
        output = F.Linear(output, _outProj.Weight, _outProj.Bias).View(tgtLen, bsz, EmbedDim);
        if (weights is null) return (output, null);
        weights = weights.View(bsz, NumHeads, tgtLen, srcLen);
        if (average) weights = weights.Sum(1) / NumHeads;
        return (output, weights);
    }

    // The input projections, with PyTorch's packing: self-attention projects once and chunks; encoder-decoder
    // attention projects keys and values together.
    private (Tensor Q, Tensor K, Tensor V) Project(Tensor query, Tensor key, Tensor value)
    {
        var b = InProjBias;
        Tensor? bq = null, bk = null, bv = null;
        if (b is not null && !(SameEmbedDim && ReferenceEquals(key, value))) (bq, bk, bv) = Three(b.Chunk(3));
        if (!SameEmbedDim)
            return (F.Linear(query, QProjWeight!, bq), F.Linear(key, KProjWeight!, bk), F.Linear(value, VProjWeight!, bv));
        var w = InProjWeight!;
        var e = EmbedDim;
        if (ReferenceEquals(key, value))
        {
            if (ReferenceEquals(query, key)) return Three(F.Linear(query, w, b).Chunk(3, -1));
            var ws = w.Split([e, 2 * e]);
            var bs = b?.Split([e, 2 * e]);
            var kv = F.Linear(key, ws[1], bs?[1]).Chunk(2, -1);
            return (F.Linear(query, ws[0], bs?[0]), kv[0], kv[1]);
        }
        var (wq, wk, wv) = Three(w.Chunk(3));
        return (F.Linear(query, wq, bq), F.Linear(key, wk, bk), F.Linear(value, wv, bv));
    }

    private static (Tensor, Tensor, Tensor) Three(Tensor[] parts) => (parts[0], parts[1], parts[2]);

    protected override string ExtraRepr() => $"embed_dim={EmbedDim}, num_heads={NumHeads}" + (BatchFirst ? ", batch_first=True" : "");
}
