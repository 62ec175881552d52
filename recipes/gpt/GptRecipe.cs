using MLRoadmap.Recipes.CharLstm;
using MLRoadmap.Training.Callbacks;

namespace MLRoadmap.Recipes.Gpt;

/// <summary>gpt: a small GPT language model on the English fortunes (any UTF-8 text by <c>data.path</c>), over a
/// byte-level BPE learned from the training split; the README beside this file has the numbers and the comparison
/// with char-lstm. The data side is char-lstm's <see cref="LanguageModelRecipe{TConfig, TModel}"/>.</summary>
public sealed class GptRecipe : LanguageModelRecipe<GptLmConfig, GptSettings>
{
    public override string Name => "gpt";

    public override string Description => "small GPT language model on the English fortunes over a byte-level BPE; val bits per byte, samples";

    /// <summary>Bits per byte: comparable across tokenizers (and, on the nearly all-ASCII fortunes, with char-lstm's
    /// bits per character, which the module logs too).</summary>
    public override string Monitor => "val_bpb";

    public override MonitorMode MonitorMode => MonitorMode.Min;

    protected override LmVocabulary CreateVocabulary(GptLmConfig config, IReadOnlyList<string> trainItems) =>
        config.Model.Tokenizer == "char" ? LmVocabulary.Characters(trainItems) : LmVocabulary.BytePairs(trainItems, config.Model.VocabSize);

    protected override string VocabularyKey(GptLmConfig config) =>
        config.Model.Tokenizer == "char" ? "char" : $"bpe-{config.Model.VocabSize}";

    protected override LanguageModelModule CreateModule(GptLmConfig config, LmVocabulary vocabulary, string boundary) =>
        new GptLmModule(config, vocabulary, boundary);
}
