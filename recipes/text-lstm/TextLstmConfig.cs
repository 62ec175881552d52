using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>text-lstm's configuration: the common keys with this recipe's defaults, plus <c>data.*</c>
/// (<see cref="TextData"/>) and <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "10 epochs of 108 steps (README has the curve)")]
[Reason("optim.lr", "1e-2: the one-cycle peak for AdamW; 3e-3 left the LSTM under-fitted (training loss 0.93 after 8 epochs)")]
public sealed record TextLstmConfig : RunConfig<TextData, LstmSettings>
{
    public TextLstmConfig()
    {
        Trainer = Trainer with { MaxEpochs = 10 };
        Optim = Optim with { Lr = 1e-2 };
    }
}

/// <summary>The <c>model.*</c> keys (models/MLRoadmap.Models/LstmClassifier.cs).</summary>
public sealed record LstmSettings
{
    [Setting("64: embedding width; most of the model's parameters are this table (8000 x 64)", Min = 4, Max = 1024)]
    public int EmbeddingDim { get; init; } = 64;

    [Setting("64 units per direction: a quarter of 128's cost per token on the CPU, where the recurrence is the run's time", Min = 4, Max = 2048)]
    public int HiddenSize { get; init; } = 64;

    [Setting("1 layer: a second one did not help on a few thousand texts", Min = 1, Max = 8)]
    public int NumLayers { get; init; } = 1;

    [Setting("true: reading both ways gives every position its right context too")]
    public bool Bidirectional { get; init; } = true;

    [Setting("max: the maximum over real steps keeps a strong cue wherever it is; last: each direction's final state", OneOf = ["max", "last"])]
    public string Pooling { get; init; } = "max";

    [Setting("0.3 on the embeddings and before the head: a few thousand texts overfit fast", Min = 0, Max = 0.9)]
    public double Dropout { get; init; } = 0.3;

    [Setting("0.1 label smoothing: keeps the model from growing over-confident on a small training set", Min = 0, Max = 0.5)]
    public double LabelSmoothing { get; init; } = 0.1;
}
