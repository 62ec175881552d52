using MLRoadmap.Models;
using MLRoadmap.Recipes.TextLstm;

namespace MLRoadmap.Recipes.TextTransformer;

/// <summary>text-transformer: a small transformer encoder classifying texts, on text-lstm's data, tokenizer,
/// baseline and module (<see cref="TextRecipe{TConfig, TModel}"/>). The README beside this file has the numbers.</summary>
public sealed class TextTransformerRecipe : TextRecipe<TextTransformerConfig, TransformerSettings>
{
    public override string Name => "text-transformer";

    public override string Description => "transformer-encoder text classifier: fortunes by category (class folders, aclImdb or CSV by data.path)";

    protected override TextClassifier CreateNet(TextTransformerConfig config, TextTask task)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(task);
        var m = config.Model;
        return new TransformerClassifier(new TransformerClassifierOptions
        {
            VocabSize = task.Tokenizer.VocabSize,
            NumClasses = task.Classes.Count,
            MaxLength = config.Data.MaxTokens,
            DModel = m.DModel,
            NumHeads = m.NumHeads,
            NumLayers = m.NumLayers,
            DimFeedforward = m.DimFeedforward,
            Dropout = m.Dropout,
            NormFirst = m.NormFirst,
        });
    }

    protected override double LabelSmoothing(TextTransformerConfig config) => config?.Model.LabelSmoothing ?? 0;
}
