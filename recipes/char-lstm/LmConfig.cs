using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>A language-model recipe's configuration: the common keys, <c>data.*</c> (<see cref="LmData"/>),
/// <c>sample.*</c> (<see cref="SampleSettings"/>) and the recipe's <c>model.*</c>.</summary>
public abstract record LmConfig<TModel> : RunConfig<LmData, TModel> where TModel : class, new()
{
    public SampleSettings Sample { get; init; } = new();
}

/// <summary>The <c>data.*</c> keys: the text, its split, and the chunks trained on.</summary>
[Reason("path", "where Debian's fortunes package installs its English fortunes; a UTF-8 text file or a folder of .txt files works too")]
[Reason("batch_size", "32 chunks a step: enough rows to keep the matrix products efficient on a CPU, and about 560 steps an epoch on fortunes at 128 characters")]
public sealed record LmData : DataSettings
{
    public LmData()
    {
        Path = "/usr/share/games/fortunes";
        BatchSize = 32;
    }

    [Setting("0.05: about 760 fortunes (about 128,000 characters), enough to rank checkpoints by bits per character to about ±0.01", Min = 0.001, Max = 0.5)]
    public double ValFraction { get; init; } = 0.05;

    [Setting("0.05: as many test fortunes, never seen before eval", Min = 0, Max = 0.5)]
    public double TestFraction { get; init; } = 0.05;

    [Setting("a fixed split by item, independent of seed, so every run is validated on the same fortunes")]
    public ulong SplitSeed { get; init; }

    [Setting("128 tokens of context per chunk (truncated backpropagation through time): several lines of a fortune; longer chunks cost the same per token but give fewer steps", Min = 2, Max = 65536)]
    public int SeqLen { get; init; } = 128;

    [Setting("false: training chunks are the text cut every seq_len tokens, the same cut every epoch; true cuts each chunk at a random offset drawn afresh every epoch, so a model of fixed context never meets a token twice at the same place with the same context before it (a model that carries its state across batches ignores it)")]
    public bool RandomOffsets { get; init; }

    [Setting("null: validation and test read the text in chunks of seq_len, each from no context; a number S below seq_len slides a window of seq_len by S tokens and scores only each window's last S, so every token past the first chunk is predicted with at least seq_len − S tokens before it (for a model of fixed context; a model that carries its state across batches ignores it)", Min = 1, Max = 65536)]
    public int? EvalStride { get; init; }

    [Setting("null: every item; a number keeps the first N items read (smoke tests)", Min = 3)]
    public int? Limit { get; init; }
}

/// <summary>The <c>sample.*</c> keys: the continuations written to the run directory's <c>samples.txt</c> after each
/// epoch, with a fixed seed so epochs and runs compare.</summary>
public sealed record SampleSettings
{
    [Setting("three prompts separated by |: an empty one (a new fortune from scratch) and two openings")]
    public string Prompts { get; init; } = "|The computer |Love is ";

    [Setting("300 tokens each: a fortune or two", Min = 0, Max = 100000)]
    public int Tokens { get; init; } = 300;

    [Setting("0.8: a little sharper than the model's distribution, the usual choice for readable samples", Min = 0, Max = 10)]
    public double Temperature { get; init; } = 0.8;

    [Setting("null: sample from every token (0 too); k keeps the k most likely", Min = 0)]
    public int? TopK { get; init; }

    [Setting("a fixed seed for the draws (the i-th prompt: seed + i), independent of seed")]
    public ulong Seed { get; init; } = 1234;
}
