using MLRoadmap.Interop;

namespace MLRoadmap.NN;

/// <summary>
/// A batch of sequences of different lengths, as torch.nn.utils.rnn.PackedSequence: sorted longest first and stored
/// step by step, each step holding only the sequences still running. LSTM, GRU and RNN take it directly, so padding
/// never enters the recurrence and each sequence's final state is the one after its own last step.
/// Build one with <see cref="Utils.PackPaddedSequence(Tensor, Tensor, bool, bool)"/> or
/// <see cref="Utils.PackSequence"/>; undo it with <see cref="Utils.PadPackedSequence"/>.
/// </summary>
/// <remarks>The tensors belong to the dispose scope they were created in, like any op's result; <see cref="Dispose"/>
/// frees all four now. A recurrent layer's packed output has its own handles on the input's batch sizes and indices,
/// so either can be disposed first.</remarks>
public sealed class PackedSequence : IDisposable
{
    /// <summary>Wraps packed tensors as they are (see the properties). Pass both permutations or neither.</summary>
    public PackedSequence(Tensor data, Tensor batchSizes, Tensor? sortedIndices = null, Tensor? unsortedIndices = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batchSizes);
        if ((sortedIndices is null) != (unsortedIndices is null))
            throw new ArgumentException("sortedIndices and unsortedIndices must be given together or not at all", nameof(sortedIndices));
        Data = data;
        BatchSizes = batchSizes;
        SortedIndices = sortedIndices;
        UnsortedIndices = unsortedIndices;
    }

    /// <summary>(sum of lengths, *): step 0 of every sequence, then step 1 of those at least 2 long, and so on,
    /// each step's rows in the sorted order.</summary>
    public Tensor Data { get; }

    /// <summary>(longest length,) int64 on the CPU: how many sequences are still running at each step.</summary>
    public Tensor BatchSizes { get; }

    /// <summary>(N,) int64 on the data's device: batch position of the i-th longest sequence; null when the batch
    /// came sorted (enforceSorted).</summary>
    public Tensor? SortedIndices { get; }

    /// <summary>The inverse permutation: where each sequence of the original batch sits in the sorted order.</summary>
    public Tensor? UnsortedIndices { get; }

    /// <summary>Whether all four tensors are disposed.</summary>
    public bool IsDisposed => Data.IsDisposed && BatchSizes.IsDisposed && (SortedIndices?.IsDisposed ?? true) && (UnsortedIndices?.IsDisposed ?? true);

    /// <summary>The packed sequence with new data and this one's batch sizes and permutations (new handles on them).</summary>
    public PackedSequence WithData(Tensor data) =>
        new(data, BatchSizes.Alias(), SortedIndices?.Alias(), UnsortedIndices?.Alias());

    /// <summary>A copy on <paramref name="device"/> (and dtype for the data); the batch sizes stay on the CPU, as
    /// the kernels need them there.</summary>
    public PackedSequence To(Device device, ScalarType? dtype = null, bool nonBlocking = false) =>
        new(Data.To(device, dtype, nonBlocking), BatchSizes.Alias(), SortedIndices?.To(device, null, nonBlocking),
            UnsortedIndices?.To(device, null, nonBlocking));

    /// <summary>Hands the four tensors to the enclosing dispose scope.</summary>
    public PackedSequence MoveToOuterScope()
    {
        foreach (var t in Tensors()) t.MoveToOuterScope();
        return this;
    }

    /// <summary>Takes the four tensors out of every scope: the caller disposes this.</summary>
    public PackedSequence DetachFromDisposeScope()
    {
        foreach (var t in Tensors()) t.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }

    private IEnumerable<Tensor> Tensors()
    {
        yield return Data;
        yield return BatchSizes;
        if (SortedIndices is not null) yield return SortedIndices;
        if (UnsortedIndices is not null) yield return UnsortedIndices;
    }

    internal IntPtr RawSorted => Functional.Raw(SortedIndices);
    internal IntPtr RawUnsorted => Functional.Raw(UnsortedIndices);

    /// <summary>Keeps the index tensors (passed as raw handles) alive until here.</summary>
    internal void KeepAlive() => GC.KeepAlive(this);
}

/// <summary>torch.nn.utils.rnn: packing and padding batches of sequences of different lengths.</summary>
public static partial class Utils
{
    /// <summary>
    /// torch.nn.utils.rnn.pack_padded_sequence: packs a padded batch, input (T, N, *), or (N, T, *) with
    /// batchFirst, where sequence i holds lengths[i] real steps (1 ≤ lengths[i] ≤ T; any integer tensor on any
    /// device, read on the CPU). With enforceSorted the lengths must be non-increasing; otherwise the batch is sorted
    /// by length first and the permutation kept, so outputs come back in the original order. One native call.
    /// </summary>
    /// <exception cref="TorchArgumentException">A length is out of range, the count of lengths differs from the
    /// batch, or enforceSorted and the lengths are not sorted; the message names which.</exception>
    public static PackedSequence PackPaddedSequence(Tensor input, Tensor lengths, bool batchFirst = false, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(lengths);
        Native.Check(Native.mlr_nn_rnn_pack_padded(input.Handle, lengths.Handle, batchFirst ? 1 : 0, enforceSorted ? 1 : 0,
            out var data, out var batchSizes, out var sorted, out var unsorted));
        return new PackedSequence(new Tensor(data), new Tensor(batchSizes), Tensor.Wrap(sorted), Tensor.Wrap(unsorted));
    }

    /// <inheritdoc cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>
    public static PackedSequence PackPaddedSequence(Tensor input, ReadOnlySpan<long> lengths, bool batchFirst = false, bool enforceSorted = true)
    {
        using var lens = Torch.Tensor(lengths, [lengths.Length]);
        return PackPaddedSequence(input, lens, batchFirst, enforceSorted);
    }

    /// <summary>
    /// torch.nn.utils.rnn.pad_packed_sequence: the padded batch (T, N, *) (or batch-first) in the original order,
    /// paddingValue after each sequence's end, T the longest length or totalLength when given (it may not be
    /// shorter); and the lengths (N,) int64 on the CPU.
    /// </summary>
    public static (Tensor Padded, Tensor Lengths) PadPackedSequence(PackedSequence sequence, bool batchFirst = false,
        double paddingValue = 0.0, long? totalLength = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        if (totalLength is < 0) throw new ArgumentOutOfRangeException(nameof(totalLength), totalLength, "total_length cannot be negative");
        Native.Check(Native.mlr_nn_rnn_pad_packed(sequence.Data.Handle, sequence.BatchSizes.Handle, sequence.RawSorted,
            sequence.RawUnsorted, batchFirst ? 1 : 0, paddingValue, totalLength ?? -1, out var padded, out var lengths));
        sequence.KeepAlive();
        return (new Tensor(padded), new Tensor(lengths));
    }

    /// <summary>torch.nn.utils.rnn.pad_sequence: sequences (L_i, *) with the same trailing dims into one padded
    /// batch (max L, count, *), or (count, max L, *) with batchFirst.</summary>
    public static unsafe Tensor PadSequence(IReadOnlyList<Tensor> sequences, bool batchFirst = false, double paddingValue = 0.0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var list = sequences.ToArray();
        var handles = Tensor.Handles(list);
        TensorHandle r;
        fixed (IntPtr* p = handles) Native.Check(Native.mlr_nn_rnn_pad_sequence(p, handles.Length, batchFirst ? 1 : 0, paddingValue, out r));
        GC.KeepAlive(list);
        return new Tensor(r);
    }

    /// <summary>torch.nn.utils.rnn.pack_sequence: packs sequences (L_i, *) given as a list, each its own length.</summary>
    public static PackedSequence PackSequence(IReadOnlyList<Tensor> sequences, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var lengths = new long[sequences.Count];
        for (var i = 0; i < lengths.Length; i++)
        {
            var s = sequences[i] ?? throw new ArgumentException($"sequence {i} is null", nameof(sequences));
            lengths[i] = s.Dim == 0 ? 0 : s.Size(0);
        }
        using var padded = PadSequence(sequences);
        return PackPaddedSequence(padded, lengths, batchFirst: false, enforceSorted);
    }
}
