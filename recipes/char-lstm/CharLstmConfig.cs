using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>char-lstm's configuration: the common keys with this recipe's defaults, <c>data.*</c> and
/// <c>sample.*</c> (<see cref="LmConfig{TModel}"/>) and <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "8 epochs, 4,496 steps: val 2.050 bits per character, 2.958 to 2.050 over the epochs and still falling about 0.013 at the last (README has the curve); about 35 minutes on one core (2.2 steps a second on one thread)")]
[Reason("optim.lr", "3e-3: the one-cycle peak for AdamW on this LSTM; higher diverges in the warm-up")]
[Reason("optim.weight_decay", "0.01: AdamW's default; the embeddings and gates are small enough not to need more")]
[Reason("trainer.gradient_clip_val", "1.0: recurrent networks' occasional gradient spikes are clipped by norm, as is usual for LSTMs")]
public sealed record CharLstmConfig : LmConfig<CharLstmSettings>
{
    public CharLstmConfig()
    {
        Trainer = Trainer with { MaxEpochs = 8, GradientClipVal = 1.0 };
        Optim = Optim with { Lr = 3e-3, WeightDecay = 0.01 };
    }
}

/// <summary>The <c>model.*</c> keys: the zoo's LSTM language model (models/MLRoadmap.Models/LstmLanguageModel.cs).</summary>
public sealed record CharLstmSettings
{
    [Setting("256 units: with two layers about 1.1 M parameters, an epoch of fortunes in about 8 CPU-minutes on one thread", Min = 1, Max = 8192)]
    public int HiddenSize { get; init; } = 256;

    [Setting("2 layers: the second adds more than a wider single layer at the same cost", Min = 1, Max = 16)]
    public int Layers { get; init; } = 2;

    [Setting("null: as wide as hidden_size (needed to tie weights); a number sets it", Min = 1, Max = 8192)]
    public int? EmbeddingDim { get; init; }

    [Setting("0: in 8 epochs the LSTM underfits more than it overfits (training loss ends 0.07 nats below validation); an 8-epoch run with 0.1 and independent chunks was 0.03-0.04 bits behind at every epoch (both changed at once, README); raise it for longer runs", Min = 0, Max = 0.9)]
    public double Dropout { get; init; }

    [Setting("true: batches are contiguous streams and each starts from the states the one before ended with, so the LSTM reads every fortune with everything before it as context (false: independent chunks from zero states, shuffled)")]
    public bool CarryState { get; init; } = true;

    [Setting("false: with a hundred characters the head is tiny, and tying gains nothing measurable")]
    public bool TieWeights { get; init; }
}
