using MLRoadmap.Models;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Recipes.CharLstm;
using MLRoadmap.Training;

namespace MLRoadmap.Recipes.Gpt;

/// <summary>The GPT's training (char-lstm's <see cref="LanguageModelModule"/>): each chunk of <c>data.seq_len</c>
/// tokens read with causal attention, AdamW with weight decay on matrices only (nanoGPT's split: not on biases, layer
/// norms or position embeddings) under one one-cycle schedule.</summary>
public sealed class GptLmModule : LanguageModelModule
{
    private readonly Models.Gpt _net;
    private readonly GptLmConfig _config;

    public GptLmModule(GptLmConfig config, LmVocabulary vocabulary, string boundary)
        : base(vocabulary, boundary, (config ?? throw new ArgumentNullException(nameof(config))).Sample)
    {
        _config = config;
        var m = config.Model;
        _net = RegisterModule("net", new Models.Gpt(new GptConfig
        {
            VocabSize = vocabulary.Size,
            BlockSize = config.Data.SeqLen,
            NLayer = m.Layers,
            NHead = m.Heads,
            NEmbd = m.Width,
            Dropout = m.Dropout,
        }));
    }

    public Models.Gpt Net => _net;

    public override Tensor Logits(Tensor ids) => _net.Forward(ids);

    public override Tensor GenerateIds(Tensor prompt, int maxNewTokens, double temperature, int? topK, Random random) =>
        _net.Generate(prompt, maxNewTokens, temperature, topK, random);

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var decayed = _net.Parameters().Where(p => p.Dim >= 2).ToList();
        var rest = _net.Parameters().Where(p => p.Dim < 2).ToList();
        var opt = new AdamW([new AdamGroup(decayed) { WeightDecay = _config.Optim.WeightDecay }, new AdamGroup(rest) { WeightDecay = 0 }],
            lr: _config.Optim.Lr, betas: (0.9, 0.95));
        var total = (int)Math.Clamp(Trainer?.EstimatedTotalSteps ?? 1000, 2, int.MaxValue);
        return OptimizerConfig.One(opt, new OneCycleLR(opt, maxLr: _config.Optim.Lr, totalSteps: total));
    }
}
