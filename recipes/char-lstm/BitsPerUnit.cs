using MLRoadmap.Metrics;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>
/// Bits per character or per byte over a whole split: the summed cross-entropy of every predicted token (in nats)
/// over ln 2, divided by the characters (or bytes) those tokens stand for, so a tokenizer whose tokens are longer is
/// not flattered or penalised by counting tokens. preds: per-token losses in nats (N); target: the token ids (N),
/// −100 where nothing was predicted (padding). State: <c>nats</c> and <c>units</c> (0-dim float64).
/// <see cref="NatsPerToken"/> is the same sum per predicted token, in nats: the split's exact mean loss, however its
/// padding falls across batches.
/// </summary>
public sealed class BitsPerUnit : AccumulatingMetric
{
    /// <summary>Padded targets: not predicted, not counted.</summary>
    public const long Ignore = -100;

    private readonly Tensor _lengths;
    private readonly double _natsPerOutput;

    /// <param name="name">"bpc" or "bpb".</param>
    /// <param name="lengths">Characters (or bytes) per token id.</param>
    public BitsPerUnit(string name, IReadOnlyList<long> lengths) : this(name, lengths, Math.Log(2))
    {
    }

    private BitsPerUnit(string name, IReadOnlyList<long> lengths, double natsPerOutput) : base(name)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        _natsPerOutput = natsPerOutput;
        _lengths = Torch.Tensor([.. lengths.Select(l => (double)l)]).DetachFromDisposeScope();   // (V) float64
        State.AddTensor("nats", [], ScalarType.Float64);
        State.AddTensor("units", [], ScalarType.Float64);
    }

    /// <summary>The mean loss per predicted token, in nats, over a vocabulary of <paramref name="vocabSize"/> ids.</summary>
    public static BitsPerUnit NatsPerToken(string name, int vocabSize) => new(name, Enumerable.Repeat(1L, vocabSize).ToArray(), 1.0);

    protected override void Accumulate(Tensor preds, Tensor target)
    {
        if (preds.Dim != 1 || target.Dim != 1 || preds.Size(0) != target.Size(0))
            throw new ArgumentException($"{Name}: expected per-token losses (N) and targets (N), got [{string.Join(", ", preds.Shape)}] and [{string.Join(", ", target.Shape)}]");
        var valid = target.Ne(Ignore);                                                  // (N) bool
        var ids = target.MaskedSelect(valid);
        State["nats"].Add_(preds.MaskedSelect(valid).To(ScalarType.Float64).Sum());
        State["units"].Add_(_lengths.To(preds.Device).IndexSelect(0, ids).Sum());
    }

    protected override double ComputeValue()
    {
        var units = State["units"].Item<double>();
        if (units <= 0) throw new InvalidOperationException($"{Name}: nothing predicted since the last Reset");
        return State["nats"].Item<double>() / _natsPerOutput / units;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _lengths.Dispose();
        base.Dispose(disposing);
    }
}
