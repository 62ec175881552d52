namespace MLRoadmap.Data.Transforms;

/// <summary>Per-channel <c>(x - mean[c]) / std[c]</c> on images (B, C, H, W), as torchvision's <c>normalize</c>:
/// mean and std are rounded to the images' dtype, then subtracted and divided (not multiplied by a reciprocal), so
/// results match PyTorch's bit for bit. One value each applies to every channel.</summary>
public sealed class Normalize : IBatchTransform
{
    private readonly double[] _mean;
    private readonly double[] _std;

    public Normalize(double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0) throw new ArgumentException("Normalize needs at least one mean", nameof(mean));
        if (mean.Length != std.Length)
            throw new ArgumentException($"Normalize got {mean.Length} means but {std.Length} standard deviations", nameof(std));
        for (var c = 0; c < std.Length; c++)
        {
            if (!double.IsFinite(mean[c])) throw new ArgumentException($"mean {c} is {mean[c]}", nameof(mean));
            if (!double.IsFinite(std[c]) || std[c] == 0)
                throw new ArgumentException($"standard deviation {c} is {std[c]}; it must be finite and non-zero", nameof(std));
        }
        _mean = (double[])mean.Clone();
        _std = (double[])std.Clone();
    }

    public IReadOnlyList<double> Mean => _mean;

    public IReadOnlyList<double> Std => _std;

    public void Apply(Batch batch, DataRandom random)
    {
        var x = ImageBatch.Images(batch, nameof(Normalize));
        ImageBatch.RequireFloat(x, nameof(Normalize));
        var channels = x.Shape[1];
        if (_mean.Length != 1 && _mean.Length != channels)
            throw new ArgumentException($"Normalize has {_mean.Length} means and standard deviations, but the images have " +
                $"{channels} channels", nameof(batch));
        using var scope = Torch.NewDisposeScope();
        long[] shape = [1, _mean.Length, 1, 1];
        var mean = Torch.Tensor(_mean, shape, x.Device).To(x.Dtype);
        var std = Torch.Tensor(_std, shape, x.Device).To(x.Dtype);
        batch.Replace(0, x.Sub(mean).Div_(std));
    }
}
