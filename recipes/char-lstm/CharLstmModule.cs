using MLRoadmap.Models;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>The LSTM language model's training (<see cref="LanguageModelModule"/>): each chunk read from zero states
/// (truncated backpropagation through time over <c>data.seq_len</c> tokens), AdamW under one one-cycle schedule.</summary>
public sealed class CharLstmModule : LanguageModelModule
{
    private readonly LstmLanguageModel _net;
    private readonly CharLstmConfig _config;

    public CharLstmModule(CharLstmConfig config, LmVocabulary vocabulary, string boundary)
        : base(vocabulary, boundary, (config ?? throw new ArgumentNullException(nameof(config))).Sample)
    {
        _config = config;
        var m = config.Model;
        _net = RegisterModule("net", new LstmLanguageModel(new LstmLanguageModelOptions
        {
            VocabSize = vocabulary.Size,
            EmbeddingDim = m.EmbeddingDim ?? m.HiddenSize,
            HiddenSize = m.HiddenSize,
            NumLayers = m.Layers,
            Dropout = m.Dropout,
            TieWeights = m.TieWeights,
        }));
    }

    public LstmLanguageModel Net => _net;

    public override Tensor Logits(Tensor ids) => _net.Forward(ids);

    public override Tensor GenerateIds(Tensor prompt, int maxNewTokens, double temperature, int? topK, Random random) =>
        _net.Generate(prompt, maxNewTokens, logits => Sampling.Next(logits, temperature, topK, random));

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var opt = new AdamW(Parameters(), lr: _config.Optim.Lr, weightDecay: _config.Optim.WeightDecay);
        var total = (int)Math.Clamp(Trainer?.EstimatedTotalSteps ?? 1000, 2, int.MaxValue);
        return OptimizerConfig.One(opt, new OneCycleLR(opt, maxLr: _config.Optim.Lr, totalSteps: total));
    }
}
