namespace MLRoadmap.Data.Transforms;

/// <summary>Integer images (uint8 pixels, say) to float32 times <see cref="Scale"/>: <c>new ToFloat(1.0 / 255)</c>
/// maps 0..255 to 0..1. Tensor 0 of the batch, any shape.</summary>
/// <remarks>Multiplies by the float32 rounding of the scale, where torchvision's <c>convert_image_dtype</c> divides by
/// 255: the two can differ in the last bit.</remarks>
public sealed class ToFloat : IBatchTransform
{
    public ToFloat(double scale)
    {
        if (!double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"the scale must be finite, got {scale}");
        Scale = scale;
    }

    public double Scale { get; }

    public void Apply(Batch batch, DataRandom random)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var x = batch[0];
        if (!x.Dtype.IsIntegral())
            throw new ArgumentException($"ToFloat converts integer images, but the batch's tensor 0 is {x.Dtype.TorchName()}" +
                (x.Dtype.IsFloatingPoint() ? " (already converted?)" : ""), nameof(batch));
        using var scope = Torch.NewDisposeScope();
        batch.Replace(0, x.To(ScalarType.Float32).Mul_(Scale));
    }
}
