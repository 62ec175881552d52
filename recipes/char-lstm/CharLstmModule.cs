using MLRoadmap.Models;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>The LSTM language model's training (<see cref="LanguageModelModule"/>): truncated backpropagation through
/// time over <c>data.seq_len</c> tokens, AdamW under one one-cycle schedule. With <c>model.carry_state</c> the loaders
/// serve contiguous streams (<see cref="TokenChunks.Streams"/>) and each batch starts from the states the batch before
/// it ended with, detached, so the network reads every stream as one text; each pass over a split (an epoch, a
/// validation, a test) starts from zeros. Without it every chunk starts from zeros.</summary>
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

    private (Tensor H, Tensor C)? _state;     // (layers, B, H) each, detached, owned here
    private string? _stateStage;

    public LstmLanguageModel Net => _net;

    protected override Tensor BatchLogits(Tensor ids, int batchIndex, string stage)
    {
        if (!_config.Model.CarryState) return Logits(ids);
        // Batch 0 starts a pass; a different stage or row count means this is not the previous batch's continuation
        // (a run resumed mid-epoch starts its first batch from zeros too).
        if (batchIndex == 0 || _stateStage != stage || _state is { } s && s.H.Size(1) != ids.Size(0)) ResetState();
        var (logits, state) = _net.Forward(ids, _state);                            // (B, T, V)
        ResetState();
        _state = (state.H.Detach().DetachFromDisposeScope(), state.C.Detach().DetachFromDisposeScope());
        _stateStage = stage;
        return logits;
    }

    private void ResetState()
    {
        _state?.H.Dispose();
        _state?.C.Dispose();
        _state = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) ResetState();
        base.Dispose(disposing);
    }

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
