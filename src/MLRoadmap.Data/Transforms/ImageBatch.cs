namespace MLRoadmap.Data.Transforms;

/// <summary>The checks every image transform makes on the tensor it works on (tensor 0 of the batch).</summary>
internal static class ImageBatch
{
    /// <summary>Tensor 0 of the batch, which must be images (B, C, H, W).</summary>
    public static Tensor Images(Batch batch, string transform)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var x = batch[0];
        if (x.Dim != 4)
            throw new ArgumentException($"{transform} works on images (B, C, H, W), but the batch's tensor 0 has shape " +
                $"[{string.Join(", ", x.Shape)}]", nameof(batch));
        return x;
    }

    public static void RequireFloat(Tensor x, string transform)
    {
        if (!x.Dtype.IsFloatingPoint())
            throw new ArgumentException($"{transform} needs floating-point images, but the batch's tensor 0 is " +
                $"{x.Dtype.TorchName()} (convert it first, e.g. with ToFloat)");
    }

    /// <summary>Per-sample parameters must come one per image.</summary>
    public static void RequireCount(int count, long batchSize, string what)
    {
        if (count != batchSize)
            throw new ArgumentException($"{count} {what} for a batch of {batchSize} images; give one per image");
    }
}
