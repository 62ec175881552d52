namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// A batch of encodings of one length, with its tensors: <see cref="InputIds"/>, <see cref="AttentionMask"/> and
/// <see cref="TypeIds"/>, each (B, T) int64 on the CPU, made on first use. The batch owns its tensors (they are in
/// no dispose scope, as a Batch's are); <see cref="Dispose"/> frees them.
/// </summary>
public sealed class BatchEncoding : IDisposable
{
    private Tensor? _ids, _mask, _types;

    internal BatchEncoding(IReadOnlyList<Encoding> encodings, int length)
    {
        Encodings = encodings;
        SequenceLength = length;
    }

    public IReadOnlyList<Encoding> Encodings { get; }

    public int BatchSize => Encodings.Count;

    /// <summary>T: the padded length of every encoding.</summary>
    public int SequenceLength { get; }

    public bool IsDisposed { get; private set; }

    /// <summary>(B, T) int64 token ids.</summary>
    public Tensor InputIds => _ids ??= Make(e => e.IdArray);

    /// <summary>(B, T) int64: 1 for tokens, 0 for padding.</summary>
    public Tensor AttentionMask => _mask ??= Make(e => e.MaskArray);

    /// <summary>(B, T) int64 segment ids (0 for a first text, 1 for a second).</summary>
    public Tensor TypeIds => _types ??= Make(e => e.TypeIdArray);

    /// <summary>Row <paramref name="row"/>'s ids as a managed array (padding included).</summary>
    public IReadOnlyList<int> Ids(int row) => Encodings[row].Ids;

    private Tensor Make(Func<Encoding, int[]> field)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var data = new long[(long)BatchSize * SequenceLength];
        for (var b = 0; b < BatchSize; b++)
        {
            var row = field(Encodings[b]);
            var offset = b * SequenceLength;
            for (var t = 0; t < row.Length; t++) data[offset + t] = row[t];
        }
        return Torch.Tensor(data, [BatchSize, SequenceLength]).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        _ids?.Dispose();
        _mask?.Dispose();
        _types?.Dispose();
    }
}
