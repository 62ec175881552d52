using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>The <c>data.*</c> keys: where the texts are, how they are split and tokenized.</summary>
[Reason("batch_size", "32: 108 steps an epoch on the fortunes' 3,444 training texts; 64 left the LSTM under-fitted after 8 epochs (68.1% validation)")]
[Reason("path", "null: the embedded default, English fortunes by category from Debian's fortunes package; or a folder of class folders, an aclImdb folder, or a CSV file with text,label columns")]
public sealed record TextData : DataSettings
{
    public TextData()
    {
        BatchSize = 32;
    }

    [Setting("auto: a .csv file is CSV, a folder with train/pos and train/neg is aclImdb, any other folder holds one folder per class", OneOf = ["auto", "folders", "imdb", "csv"])]
    public string Format { get; init; } = "auto";

    [Setting("five categories of 600-1,200 fortunes each, of distinct subjects and styles (no ASCII art, no one-liner lists); a comma-separated list of files in fortunes_dir")]
    public string Categories { get; init; } = "computers,definitions,politics,science,songs-poems";

    [Setting("where Debian's fortunes package installs the English fortune files")]
    public string FortunesDir { get; init; } = "/usr/share/games/fortunes";

    [Setting("text: the CSV column holding the text")]
    public string TextColumn { get; init; } = "text";

    [Setting("label: the CSV column holding the label")]
    public string LabelColumn { get; init; } = "label";

    [Setting("0.1 of each class for validation: about 430 fortunes rank checkpoints to about ±2 points", Min = 0.01, Max = 0.5)]
    public double ValFraction { get; init; } = 0.1;

    [Setting("0.1 of each class for testing when the data has no test split of its own (fortunes, class folders, CSV)", Min = 0.01, Max = 0.5)]
    public double TestFraction { get; init; } = 0.1;

    [Setting("a fixed split, independent of seed, so runs with different seeds are compared on the same texts")]
    public ulong SplitSeed { get; init; }

    [Setting("8000: a byte-level BPE trained on the training split; on 3,440 fortunes it keeps most words whole and splits rare ones", Min = 300, Max = 200_000)]
    public int VocabSize { get; init; } = 8000;

    [Setting("true: lower-cased before BPE, so 'The' and 'the' share a token; a few thousand texts are too few to learn both")]
    public bool Lowercase { get; init; } = true;

    [Setting("128 tokens: longer texts are cut (the long poems and rants); the category shows well before that, and time grows with it", Min = 8, Max = 4096)]
    public int MaxTokens { get; init; } = 128;

    [Setting("null: every text; a number keeps the first N texts of each class before splitting (smoke tests)", Min = 3)]
    public int? LimitPerClass { get; init; }
}
