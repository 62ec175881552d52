namespace MLRoadmap.Data.Transforms;

/// <summary>
/// A random window of <see cref="Length"/> steps cut from each row of a batch of sequences (B, L, ...): the offset
/// is drawn per row, uniform over the L − Length + 1 windows that fit, and the same window is cut from every tensor of
/// the batch, so a row's input and its target stay aligned. The sequence counterpart of <see cref="RandomCrop"/>.
/// </summary>
/// <remarks>
/// A language model trained on fixed chunks meets every token at the same place in the same chunk every epoch, with
/// the same context before it, and can learn those pairs by heart; served spans of 2T − 1 tokens starting every T
/// (<c>TokenChunks.Spans</c>) and cropped to T, it meets each token at a fresh position with fresh context every
/// epoch, and still predicts each token once per epoch on average (nanoGPT draws its chunks at random offsets for
/// the same reason).
/// </remarks>
public sealed class RandomSequenceCrop : IBatchTransform
{
    public RandomSequenceCrop(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Length = length;
    }

    public int Length { get; }

    public void Apply(Batch batch, DataRandom random)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(random);
        var span = SpanOf(batch);
        var n = (int)batch.Size;
        var offsets = new long[n];
        for (var b = 0; b < n; b++) offsets[b] = random.NextInt((int)(span - Length + 1));
        using var scope = Torch.NewDisposeScope();
        // (B, Length): row b reads positions offsets[b] … offsets[b] + Length − 1.
        var index = Torch.Tensor(offsets, [n, 1]) + Torch.Arange(Length, ScalarType.Int64).View(1, Length);
        for (var i = 0; i < batch.Count; i++)
        {
            var x = batch[i];
            var shape = x.Shape;
            var gather = index.To(x.Device);
            if (x.Dim > 2)
            {
                // The same step for every trailing feature: (B, Length) → (B, Length, ...) expanded.
                var view = new long[x.Dim];
                Array.Fill(view, 1L);
                view[0] = n;
                view[1] = Length;
                var expanded = (long[])shape.Clone();
                expanded[1] = Length;
                gather = gather.View(view).Expand(expanded);
            }
            batch.Replace(i, x.Gather(1, gather).MoveToOuterScope());
        }
    }

    // Every tensor must be (B, L, ...) with the same L ≥ Length.
    private long SpanOf(Batch batch)
    {
        long span = -1;
        for (var i = 0; i < batch.Count; i++)
        {
            var x = batch[i];
            if (x.Dim < 2)
                throw new ArgumentException($"RandomSequenceCrop works on sequences (B, L, ...), but the batch's tensor {i} has shape " +
                    $"[{string.Join(", ", x.Shape)}]", nameof(batch));
            if (span >= 0 && x.Shape[1] != span)
                throw new ArgumentException($"RandomSequenceCrop cuts the same window from every tensor, but the batch's tensor {i} is " +
                    $"{x.Shape[1]} steps long and tensor 0 is {span}", nameof(batch));
            span = x.Shape[1];
        }
        if (span < Length)
            throw new ArgumentException($"RandomSequenceCrop of {Length} steps is longer than the batch's sequences ({span} steps)", nameof(batch));
        return span;
    }
}
