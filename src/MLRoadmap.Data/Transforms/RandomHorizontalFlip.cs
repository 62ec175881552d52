namespace MLRoadmap.Data.Transforms;

/// <summary>torchvision's <c>RandomHorizontalFlip(p)</c> on a batch of images (B, C, H, W): each image is mirrored
/// left to right with probability <see cref="P"/>, drawn per image.</summary>
public sealed class RandomHorizontalFlip : IBatchTransform
{
    public RandomHorizontalFlip(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"a probability must be in [0, 1], got {p}");
        P = p;
    }

    public double P { get; }

    public void Apply(Batch batch, DataRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var x = ImageBatch.Images(batch, nameof(RandomHorizontalFlip));
        var flip = new bool[x.Shape[0]];
        var any = false;
        for (var b = 0; b < flip.Length; b++) any |= flip[b] = random.NextBool(P);
        if (!any) return;
        using var scope = Torch.NewDisposeScope();
        batch.Replace(0, FlipWhere(x, flip));
    }

    /// <summary>The images with those where <paramref name="flip"/> is true mirrored left to right (a new tensor in
    /// the current dispose scope).</summary>
    public static Tensor FlipWhere(Tensor images, ReadOnlySpan<bool> flip)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Dim != 4)
            throw new ArgumentException($"RandomHorizontalFlip works on images (B, C, H, W), got shape [{string.Join(", ", images.Shape)}]", nameof(images));
        ImageBatch.RequireCount(flip.Length, images.Shape[0], "flip flags");
        var all = !flip.Contains(false);
        if (all) return images.Flip(3);
        using var scope = Torch.NewDisposeScope();
        var mask = Torch.Tensor(flip, [flip.Length, 1, 1, 1], images.Device);         // (B, 1, 1, 1)
        var result = Torch.Where(mask, images.Flip(3), images);
        return result.MoveToOuterScope();
    }
}
