namespace MLRoadmap.Data.Transforms;

/// <summary>Transforms applied one after the other, all drawing from the batch's one <see cref="DataRandom"/> in
/// turn (so the list and its order are part of what makes a run reproducible).</summary>
public sealed class Compose : IBatchTransform
{
    private readonly IBatchTransform[] _transforms;

    public Compose(params IBatchTransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (var i = 0; i < transforms.Length; i++)
            if (transforms[i] is null) throw new ArgumentException($"transform {i} is null", nameof(transforms));
        _transforms = (IBatchTransform[])transforms.Clone();
    }

    public IReadOnlyList<IBatchTransform> Transforms => _transforms;

    public void Apply(Batch batch, DataRandom random)
    {
        foreach (var t in _transforms) t.Apply(batch, random);
    }
}
