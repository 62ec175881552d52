using MLRoadmap.Training.Callbacks;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>char-lstm: a character-level LSTM language model on the English fortunes (any UTF-8 text by
/// <c>data.path</c>); the README beside this file has the numbers. The data side is
/// <see cref="LanguageModelRecipe{TConfig, TModel}"/>.</summary>
public sealed class CharLstmRecipe : LanguageModelRecipe<CharLstmConfig, CharLstmSettings>
{
    public override string Name => "char-lstm";

    public override string Description => "character-level LSTM language model on the English fortunes; val bits per character, samples";

    public override string Monitor => "val_bpc";

    public override MonitorMode MonitorMode => MonitorMode.Min;

    protected override LmVocabulary CreateVocabulary(CharLstmConfig config, IReadOnlyList<string> trainItems) =>
        LmVocabulary.Characters(trainItems);

    protected override string VocabularyKey(CharLstmConfig config) => "char";

    protected override bool CarriesState(CharLstmConfig config) => config?.Model.CarryState ?? false;

    protected override LanguageModelModule CreateModule(CharLstmConfig config, LmVocabulary vocabulary, string boundary) =>
        new CharLstmModule(config, vocabulary, boundary);
}
