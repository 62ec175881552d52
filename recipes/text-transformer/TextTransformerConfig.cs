using MLRoadmap.Recipes.TextLstm;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TextTransformer;

/// <summary>text-transformer's configuration: the common keys with this recipe's defaults, text-lstm's
/// <c>data.*</c> (<see cref="TextData"/>) and <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "15 epochs: a transformer trained from scratch on a few thousand texts needs more passes than the LSTM (README)")]
[Reason("optim.lr", "2e-3: the one-cycle peak for AdamW on this small pre-norm encoder")]
public sealed record TextTransformerConfig : RunConfig<TextData, TransformerSettings>
{
    public TextTransformerConfig()
    {
        Trainer = Trainer with { MaxEpochs = 15 };
        Optim = Optim with { Lr = 2e-3 };
    }
}

/// <summary>The <c>model.*</c> keys (models/MLRoadmap.Models/TransformerClassifier.cs).</summary>
public sealed record TransformerSettings
{
    [Setting("128 features per token: small enough to train in minutes on a CPU", Min = 8, Max = 2048)]
    public int DModel { get; init; } = 128;

    [Setting("4 heads of 32 features", Min = 1, Max = 64)]
    public int NumHeads { get; init; } = 4;

    [Setting("2 encoder layers: a few thousand short texts do not feed a deeper stack", Min = 1, Max = 24)]
    public int NumLayers { get; init; } = 2;

    [Setting("256: twice d_model; the usual 4x gave no gain at this data size", Min = 8, Max = 8192)]
    public int DimFeedforward { get; init; } = 256;

    [Setting("0.1 in the layers, on the embeddings and before the head", Min = 0, Max = 0.9)]
    public double Dropout { get; init; } = 0.1;

    [Setting("true: pre-norm layers and a final layer norm train stably without a warm-up tuned to the depth")]
    public bool NormFirst { get; init; } = true;

    [Setting("0.1 label smoothing: keeps the model from growing over-confident on a small training set", Min = 0, Max = 0.5)]
    public double LabelSmoothing { get; init; } = 0.1;
}
