using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>char-lstm's configuration: the common keys with this recipe's defaults, <c>data.*</c> and
/// <c>sample.*</c> (<see cref="LmConfig{TModel}"/>) and <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "10 epochs, 5,620 steps: val 1.937 bits per character (test 1.934), the last epoch still gaining 0.005 (README has the curve); about 80 minutes on one core (1.1-1.2 steps a second on one thread at width 384)")]
[Reason("optim.lr", "3e-3: the one-cycle peak for AdamW on this LSTM; higher diverges in the warm-up")]
[Reason("optim.weight_decay", "0.01: AdamW's default; the embeddings and gates are small enough not to need more")]
[Reason("trainer.gradient_clip_val", "1.0: recurrent networks' occasional gradient spikes are clipped by norm, as is usual for LSTMs")]
public sealed record CharLstmConfig : LmConfig<CharLstmSettings>
{
    public CharLstmConfig()
    {
        Trainer = Trainer with { MaxEpochs = 10, GradientClipVal = 1.0 };
        Optim = Optim with { Lr = 3e-3, WeightDecay = 0.01 };
    }
}

/// <summary>The <c>model.*</c> keys: the zoo's LSTM language model (models/MLRoadmap.Models/LstmLanguageModel.cs).</summary>
public sealed record CharLstmSettings
{
    [Setting("384 units: about 2.4 M parameters with two layers; 256 stalled at 2.014 bits per character after 12 epochs with training loss well below validation, 384 with dropout 0.1 reaches 1.937 in 10 (README); an epoch is about 8 minutes on one thread", Min = 1, Max = 8192)]
    public int HiddenSize { get; init; } = 384;

    [Setting("2 layers: the second adds more than a wider single layer at the same cost", Min = 1, Max = 16)]
    public int Layers { get; init; } = 2;

    [Setting("null: as wide as hidden_size (needed to tie weights); a number sets it", Min = 1, Max = 8192)]
    public int? EmbeddingDim { get; init; }

    [Setting("0.1 on the embeddings, between the layers and before the head: the wider LSTM fits the training fortunes faster than the validation ones (0.05 nats apart at the end with it); the 256-wide one without it ended 0.12 apart", Min = 0, Max = 0.9)]
    public double Dropout { get; init; } = 0.1;

    [Setting("true: batches are contiguous streams and each starts from the states the one before ended with, so the LSTM reads every fortune with everything before it as context (false: independent chunks from zero states, shuffled)")]
    public bool CarryState { get; init; } = true;

    [Setting("false: with a hundred characters the head is tiny, and tying gains nothing measurable")]
    public bool TieWeights { get; init; }
}
