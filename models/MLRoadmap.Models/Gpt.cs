using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="Gpt"/>. The defaults are a small character-level model that trains on a CPU in
/// minutes (nanoGPT's CPU configuration for Shakespeare); <see cref="Gpt2Small"/> is GPT-2's 124M shape.</summary>
public sealed record GptConfig : ModelOptions
{
    /// <summary>Tokens in the vocabulary: 65 is tiny Shakespeare's character set; set it to the tokenizer's size.</summary>
    public int VocabSize { get; init; } = 65;

    /// <summary>The longest context the model reads (the learned positions): 64 characters suffice for a CPU run.</summary>
    public int BlockSize { get; init; } = 64;

    /// <summary>Transformer blocks: 4 keeps a CPU step in milliseconds; GPT-2 small has 12.</summary>
    public int NLayer { get; init; } = 4;

    /// <summary>Attention heads per block: 4 heads of 32 dims at the default width.</summary>
    public int NHead { get; init; } = 4;

    /// <summary>The residual stream's width (must divide by <see cref="NHead"/>): 128, 810k parameters in all.</summary>
    public int NEmbd { get; init; } = 128;

    /// <summary>Dropout on the embeddings, the attention weights and each residual branch while training: 0, as
    /// nanoGPT's default (a small model on a small corpus may want 0.1–0.2).</summary>
    public double Dropout { get; init; }

    /// <summary>Biases in the linear layers and layer norms: true as GPT-2 (false is slightly better and faster).</summary>
    public bool Bias { get; init; } = true;

    /// <summary>A sequence of token ids is one channel; the field exists because every zoo option has it.</summary>
    public override int InChannels { get; init; } = 1;

    /// <summary>GPT-2 small's shape (124.5M parameters, the tied head counted once); vocabulary 50304 (GPT-2's 50257 rounded up
    /// to a multiple of 64, as nanoGPT pads it for speed).</summary>
    public static GptConfig Gpt2Small { get; } = new() { VocabSize = 50304, BlockSize = 1024, NLayer = 12, NHead = 12, NEmbd = 768 };

    public override void Validate()
    {
        base.Validate();
        if (InChannels != 1) throw Bad(nameof(InChannels), InChannels, "token ids are one channel; must be 1");
        if (VocabSize < 1) throw Bad(nameof(VocabSize), VocabSize, "must be at least 1");
        if (BlockSize < 1) throw Bad(nameof(BlockSize), BlockSize, "must be at least 1");
        if (NLayer < 1) throw Bad(nameof(NLayer), NLayer, "must be at least 1");
        if (NHead < 1) throw Bad(nameof(NHead), NHead, "must be at least 1");
        if (NEmbd < 1 || NEmbd % NHead != 0) throw Bad(nameof(NEmbd), NEmbd, $"must be a positive multiple of NHead ({NHead})");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw Bad(nameof(Dropout), Dropout, "a dropout probability must be in [0, 1)");
    }
}

/// <summary>
/// The keys and values every block has computed for the tokens read so far, (B, nh, BlockSize, hs) per layer,
/// allocated on the first write, filled from the front. Owns its tensors: <see cref="Dispose"/> frees them at once.
/// </summary>
internal sealed class GptKvCache(int layers, long capacity) : IDisposable
{
    private readonly Tensor?[] _keys = new Tensor?[layers];
    private readonly Tensor?[] _values = new Tensor?[layers];

    /// <summary>Tokens whose keys and values are held (the next token's position).</summary>
    public long Length { get; set; }

    /// <summary>Writes <paramref name="k"/> and <paramref name="v"/> (B, nh, T, hs) at positions Length … Length + T − 1
    /// of <paramref name="layer"/> and returns views of positions 0 … Length + T − 1, in the current scope.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        var t = k.Size(2);
        var keys = _keys[layer] ??= Slots(k);
        var values = _values[layer] ??= Slots(v);
        if (Length + t > keys.Size(2))
            throw new InvalidOperationException($"the KV cache holds {keys.Size(2)} positions; {Length} + {t} do not fit");
        keys.Narrow(2, Length, t).Copy_(k);
        values.Narrow(2, Length, t).Copy_(v);
        return (keys.Narrow(2, 0, Length + t), values.Narrow(2, 0, Length + t));
    }

    private Tensor Slots(Tensor like) =>
        Torch.Empty([like.Size(0), like.Size(1), capacity, like.Size(3)], like.Dtype, like.Device).DetachFromDisposeScope();

    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
    }
}

/// <summary>Masked multi-head self-attention: each position attends to itself and the positions before it. One
/// fused projection makes queries, keys and values (<c>c_attn</c>, (C, 3C)); <c>c_proj</c> mixes the heads back.</summary>
public sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
    private readonly long _nHead;
    private readonly double _dropout;

    public CausalSelfAttention(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _nHead = config.NHead;
        _dropout = config.Dropout;
        CAttn = RegisterModule("c_attn", new Linear(config.NEmbd, 3L * config.NEmbd, config.Bias));
        CProj = RegisterModule("c_proj", new Linear(config.NEmbd, config.NEmbd, config.Bias));
        ResidDropout = RegisterModule("resid_dropout", new Dropout(config.Dropout));
    }

    public Linear CAttn { get; }
    public Linear CProj { get; }
    public Dropout ResidDropout { get; }

    public override Tensor Forward(Tensor input) => Forward(input, null, 0);

    /// <summary>With a <paramref name="cache"/>, the keys and values of <paramref name="input"/>'s positions are
    /// written into layer <paramref name="layer"/>'s slots after the ones already there, and the queries attend to all
    /// of them: the prompt at once (causally), then one new token a step.</summary>
    internal Tensor Forward(Tensor input, GptKvCache? cache, int layer)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Torch.NewDisposeScope();
        var (b, t, c) = (input.Size(0), input.Size(1), input.Size(2));
        var qkv = CAttn.Forward(input).Split(c, 2);                                // 3 × (B, T, C)
        var q = qkv[0].View(b, t, _nHead, c / _nHead).Transpose(1, 2);             // (B, nh, T, hs)
        var k = qkv[1].View(b, t, _nHead, c / _nHead).Transpose(1, 2);             // (B, nh, T, hs)
        var v = qkv[2].View(b, t, _nHead, c / _nHead).Transpose(1, 2);             // (B, nh, T, hs)
        // A single new query sees every cached key, so it needs no mask; libtorch's is_causal would align the mask
        // top-left and let it see key 0 only.
        var causal = cache is null || cache.Length == 0;
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                 // (B, nh, past + T, hs)
        var y = F.ScaledDotProductAttention(q, k, v, dropoutP: IsTraining ? _dropout : 0.0, isCausal: causal); // (B, nh, T, hs)
        y = y.Transpose(1, 2).Contiguous().View(b, t, c);                          // (B, T, C): heads side by side
        return ResidDropout.Forward(CProj.Forward(y)).MoveToOuterScope();          // (B, T, C)
    }
}

/// <summary>The position-wise feed-forward network: C → 4C → GELU → C.</summary>
public sealed class GptMlp : Module<Tensor, Tensor>
{
    public GptMlp(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        CFc = RegisterModule("c_fc", new Linear(config.NEmbd, 4L * config.NEmbd, config.Bias));
        Gelu = RegisterModule("gelu", new GELU());
        CProj = RegisterModule("c_proj", new Linear(4L * config.NEmbd, config.NEmbd, config.Bias));
        Dropout = RegisterModule("dropout", new Dropout(config.Dropout));
    }

    public Linear CFc { get; }
    public GELU Gelu { get; }
    public Linear CProj { get; }
    public Dropout Dropout { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var h = Gelu.Forward(CFc.Forward(input));                                  // (B, T, 4C)
        return Dropout.Forward(CProj.Forward(h)).MoveToOuterScope();               // (B, T, C)
    }
}

/// <summary>A pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). Normalising the branch inputs
/// rather than the sum keeps the residual stream an identity path, which is what lets deep stacks train.</summary>
public sealed class GptBlock : Module<Tensor, Tensor>
{
    public GptBlock(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Ln1 = RegisterModule("ln_1", new LayerNorm(config.NEmbd, bias: config.Bias));
        Attn = RegisterModule("attn", new CausalSelfAttention(config));
        Ln2 = RegisterModule("ln_2", new LayerNorm(config.NEmbd, bias: config.Bias));
        Mlp = RegisterModule("mlp", new GptMlp(config));
    }

    public LayerNorm Ln1 { get; }
    public CausalSelfAttention Attn { get; }
    public LayerNorm Ln2 { get; }
    public GptMlp Mlp { get; }

    public override Tensor Forward(Tensor input) => Forward(input, null, 0);

    internal Tensor Forward(Tensor input, GptKvCache? cache, int layer)
    {
        using var scope = Torch.NewDisposeScope();
        var x = input + Attn.Forward(Ln1.Forward(input), cache, layer);            // (B, T, C)
        x = x + Mlp.Forward(Ln2.Forward(x));                                       // (B, T, C)
        return x.MoveToOuterScope();
    }
}

/// <summary>
/// A GPT-style causal language model (Radford et al., 2018/2019) in nanoGPT's layout: token and learned position
/// embeddings, <see cref="GptConfig.NLayer"/> pre-norm blocks, a final layer norm and a linear head that shares its
/// weight with the token embedding. <see cref="Forward"/>: token ids (B, T) → next-token logits (B, T, V).
/// </summary>
/// <remarks>
/// <para>State-dict keys are nanoGPT's (and GPT-2's module names): <c>transformer.wte.weight</c>,
/// <c>transformer.wpe.weight</c>, <c>transformer.h.{i}.ln_1/attn.c_attn/attn.c_proj/ln_2/mlp.c_fc/mlp.c_proj.*</c>,
/// <c>transformer.ln_f.*</c>, <c>lm_head.weight</c>. The tied weight is one <see cref="Parameter"/> (listed once by
/// <see cref="Module.Parameters"/>, so an optimizer steps it once) under both keys in the state dict, as PyTorch's
/// state_dict() lists it; loading copies both entries into it, the later (<c>lm_head.weight</c>) last.</para>
/// <para>Initialisation is nanoGPT's: every linear and embedding weight N(0, 0.02), biases 0, and the projections
/// that end a residual branch (<c>c_proj</c>) N(0, 0.02/√(2·NLayer)) so the stream's variance does not grow with
/// depth. Draws happen in PyTorch's order, so after the same seed the weights are the PyTorch model's.</para>
/// </remarks>
public sealed class Gpt : Module<Tensor, Tensor>
{
    public Gpt(GptConfig? config = null)
    {
        Config = config ?? new GptConfig();
        Config.Validate();
        var c = Config;
        Wte = new Embedding(c.VocabSize, c.NEmbd);
        Wpe = new Embedding(c.BlockSize, c.NEmbd);
        Drop = new Dropout(c.Dropout);
        H = new ModuleList<GptBlock>(Enumerable.Range(0, c.NLayer).Select(_ => new GptBlock(c)));
        LnF = new LayerNorm(c.NEmbd, bias: c.Bias);
        RegisterModule("transformer", new ModuleDict(("wte", Wte), ("wpe", Wpe), ("drop", Drop), ("h", H), ("ln_f", LnF)));
        LmHead = RegisterModule("lm_head", new Linear(c.NEmbd, c.VocabSize, bias: false));
        Wte.Weight = LmHead.Weight;   // tied: the embedding's own weight is disposed, one Parameter remains
        InitWeights();
    }

    public GptConfig Config { get; }
    public Embedding Wte { get; }
    public Embedding Wpe { get; }
    public Dropout Drop { get; }
    public ModuleList<GptBlock> H { get; }
    public LayerNorm LnF { get; }
    public Linear LmHead { get; }

    private void InitWeights()
    {
        foreach (var (_, m) in NamedModules())
        {
            if (m is Linear linear)
            {
                Init.Normal_(linear.Weight, 0.0, 0.02);
                if (linear.Bias is { } bias) Init.Zeros_(bias);
            }
            else if (m is Embedding embedding) Init.Normal_(embedding.Weight, 0.0, 0.02);
        }
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.NLayer);
        foreach (var (name, p) in NamedParameters())
            if (name.EndsWith("c_proj.weight", StringComparison.Ordinal)) Init.Normal_(p, 0.0, residualStd);
    }

    /// <summary>Parameters, counting the tied weight once; without the position embedding when
    /// <paramref name="nonEmbedding"/> (the count scaling laws use, as nanoGPT reports it).</summary>
    public long NumParameters(bool nonEmbedding = false) =>
        Parameters().Sum(p => p.Numel) - (nonEmbedding ? Wpe.Weight.Numel : 0);

    /// <summary>Token ids (B, T), T ≤ BlockSize → logits over the next token at every position, (B, T, V).</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        return LmHead.Forward(Hidden(input)).MoveToOuterScope();                   // (B, T, V)
    }

    /// <summary>The mean cross-entropy of <paramref name="logits"/> (B, T, V) against the next tokens
    /// <paramref name="targets"/> (B, T); targets equal to <paramref name="ignoreIndex"/> (nanoGPT's −1) count for nothing.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets, long ignoreIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Dim != 3 || targets.Dim != 2 || logits.Size(0) != targets.Size(0) || logits.Size(1) != targets.Size(1))
            throw new ArgumentException($"Gpt.Loss expects logits (B, T, V) and targets (B, T), got [{string.Join(", ", logits.Shape)}] " +
                                        $"and [{string.Join(", ", targets.Shape)}]");
        using var scope = Torch.NewDisposeScope();
        var flat = logits.Reshape(-1, logits.Size(2));                             // (B·T, V)
        return F.CrossEntropy(flat, targets.Reshape(-1), ignoreIndex: ignoreIndex).MoveToOuterScope();
    }

    // (B, T) ids → the final layer norm's output (B, T, C). With a cache, the ids continue the ones it holds: their
    // positions start at its length, and their keys and values are added to it.
    private Tensor Hidden(Tensor idx, GptKvCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(idx);
        if (idx.Dim != 2 || idx.Dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"Gpt expects token ids of shape (B, T) and dtype int64, got {idx.Dtype.TorchName()} " +
                                        $"[{string.Join(", ", idx.Shape)}]", nameof(idx));
        var t = idx.Size(1);
        var past = cache?.Length ?? 0;
        if (t < 1 || past + t > Config.BlockSize)
            throw new ArgumentException($"Gpt cannot read a sequence of length {past + t}: the block size is {Config.BlockSize} " +
                                        "(crop the context to the last BlockSize tokens)", nameof(idx));
        using var scope = Torch.NewDisposeScope();
        var pos = Torch.Arange(past, past + t, dtype: ScalarType.Int64, device: idx.Device);   // (T)
        var x = Drop.Forward(Wte.Forward(idx) + Wpe.Forward(pos));                 // (B, T, C) + (T, C)
        for (var i = 0; i < H.Count; i++) x = H[i].Forward(x, cache, i);           // (B, T, C)
        if (cache is not null) cache.Length = past + t;
        return LnF.Forward(x).MoveToOuterScope();                                  // (B, T, C)
    }

    /// <summary>Continues each row of <paramref name="idx"/> (B, T) by <paramref name="maxNewTokens"/> tokens, feeding
    /// each sample back in: (B, T + maxNewTokens) int64. The context is cropped to the last BlockSize tokens. Runs in
    /// evaluation mode without gradients (the module's training mode is restored after); the same
    /// <paramref name="random"/> state gives the same continuation. See <see cref="Sampling.Next"/> for the settings.</summary>
    /// <remarks><paramref name="kvCache"/> keeps every block's keys and values, so each step reads one new token
    /// rather than the whole context, for as long as the text fits the block; past it, the learned positions of the
    /// cropped window shift every step and each step reads the window whole. false reads the whole context every
    /// step; the tokens are the same either way.</remarks>
    public Tensor Generate(Tensor idx, int maxNewTokens, double temperature = 1.0, int? topK = null, Random? random = null, bool kvCache = true)
    {
        ArgumentNullException.ThrowIfNull(idx);
        if (idx.Dim != 2 || idx.Size(1) < 1 || idx.Dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"Gpt.Generate expects a prompt of token ids (B, T) with T ≥ 1, got {idx.Dtype.TorchName()} " +
                                        $"[{string.Join(", ", idx.Shape)}]", nameof(idx));
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        Sampling.CheckSettings(temperature, topK, Config.VocabSize);
        var wasTraining = IsTraining;
        Eval();
        try
        {
            using var noGrad = Torch.NoGrad();
            using var scope = Torch.NewDisposeScope();
            var (b, t) = (idx.Size(0), idx.Size(1));
            var tokens = Torch.Empty([b, t + maxNewTokens], ScalarType.Int64, idx.Device);   // (B, T + N)
            tokens.Narrow(1, 0, t).Copy_(idx);
            using var cache = kvCache && t < Config.BlockSize ? new GptKvCache(Config.NLayer, Config.BlockSize) : null;
            for (var n = t; n < t + maxNewTokens; n++)
            {
                using var step = Torch.NewDisposeScope();
                Tensor last;                                                                 // (B, C)
                if (cache is not null && n <= Config.BlockSize)
                {
                    // The cache holds tokens 0 … Length − 1: read the prompt once, then the token sampled last.
                    var fresh = tokens.Narrow(1, cache.Length, n - cache.Length);           // (B, T or 1)
                    last = Hidden(fresh, cache).Narrow(1, fresh.Size(1) - 1, 1).Squeeze(1);
                }
                else
                {
                    var start = Math.Max(0, n - Config.BlockSize);
                    var context = tokens.Narrow(1, start, n - start);                        // (B, ≤ BlockSize)
                    last = Hidden(context).Narrow(1, n - start - 1, 1).Squeeze(1);
                }
                var next = Sampling.Next(LmHead.Forward(last), temperature, topK, random);  // (B, 1)
                tokens.Narrow(1, n, 1).Copy_(next);
            }
            return tokens.MoveToOuterScope();
        }
        finally
        {
            Train(wasTraining);
        }
    }

    /// <summary><see cref="Generate(Tensor, int, double, int?, Random?, bool)"/> with <c>new Random(seed)</c>: a seed
    /// reproduces the sample.</summary>
    public Tensor Generate(Tensor idx, int maxNewTokens, double temperature, int? topK, int seed) =>
        Generate(idx, maxNewTokens, temperature, topK, new Random(seed));

    protected override string ExtraRepr() =>
        $"vocab_size={Config.VocabSize}, block_size={Config.BlockSize}, n_layer={Config.NLayer}, n_head={Config.NHead}, n_embd={Config.NEmbd}";
}

