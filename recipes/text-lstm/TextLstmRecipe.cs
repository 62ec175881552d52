using MLRoadmap.Models;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>text-lstm: a BiLSTM classifying texts (fortunes by category by default; class folders, aclImdb or CSV by
/// <c>data.path</c>). The README beside this file has the numbers; the data side is <see cref="TextRecipe{TConfig, TModel}"/>.</summary>
public sealed class TextLstmRecipe : TextRecipe<TextLstmConfig, LstmSettings>
{
    public override string Name => "text-lstm";

    public override string Description => "BiLSTM text classifier: fortunes by category (class folders, aclImdb or CSV by data.path)";

    protected override TextClassifier CreateNet(TextLstmConfig config, TextTask task)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(task);
        var m = config.Model;
        return new LstmClassifier(new LstmClassifierOptions
        {
            VocabSize = task.Tokenizer.VocabSize,
            NumClasses = task.Classes.Count,
            MaxLength = config.Data.MaxTokens,
            EmbeddingDim = m.EmbeddingDim,
            HiddenSize = m.HiddenSize,
            NumLayers = m.NumLayers,
            Bidirectional = m.Bidirectional,
            Pooling = m.Pooling,
            Dropout = m.Dropout,
        });
    }

    protected override double LabelSmoothing(TextLstmConfig config) => config?.Model.LabelSmoothing ?? 0;
}
