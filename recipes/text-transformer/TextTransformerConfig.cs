using MLRoadmap.Recipes.TextLstm;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TextTransformer;

/// <summary>text-transformer's configuration: the common keys with this recipe's defaults, text-lstm's
/// <c>data.*</c> (<see cref="TextData"/>) and <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "10 epochs of 108 steps, as text-lstm (README has the curve)")]
[Reason("optim.lr", "3e-3: the one-cycle peak for AdamW on this small pre-norm encoder")]
public sealed record TextTransformerConfig : RunConfig<TextData, TransformerSettings>
{
    public TextTransformerConfig()
    {
        Trainer = Trainer with { MaxEpochs = 10 };
        Optim = Optim with { Lr = 3e-3 };
    }
}

/// <summary>The <c>model.*</c> keys (models/MLRoadmap.Models/TransformerClassifier.cs).</summary>
public sealed record TransformerSettings
{
    [Setting("64 features per token: 128 made a step about ten times the LSTM's on this CPU (0.2 steps/s on a shared core)", Min = 8, Max = 2048)]
    public int DModel { get; init; } = 64;

    [Setting("4 heads of 16 features", Min = 1, Max = 64)]
    public int NumHeads { get; init; } = 4;

    [Setting("2 encoder layers: a few thousand short texts do not feed a deeper stack", Min = 1, Max = 24)]
    public int NumLayers { get; init; } = 2;

    [Setting("128: twice d_model, half the usual 4x, for time on the CPU", Min = 8, Max = 8192)]
    public int DimFeedforward { get; init; } = 128;

    [Setting("0.1 in the layers, on the embeddings and before the head", Min = 0, Max = 0.9)]
    public double Dropout { get; init; } = 0.1;

    [Setting("true: pre-norm layers and a final layer norm train stably without a warm-up tuned to the depth")]
    public bool NormFirst { get; init; } = true;

    [Setting("0.1 label smoothing: keeps the model from growing over-confident on a small training set", Min = 0, Max = 0.5)]
    public double LabelSmoothing { get; init; } = 0.1;
}
