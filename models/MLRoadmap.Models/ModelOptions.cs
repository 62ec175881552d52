namespace MLRoadmap.Models;

/// <summary>
/// The base of every model family's options record. Each family has its own record (<see cref="ResNetOptions"/>,
/// <see cref="VggOptions"/>, …) in which every field has a default; <see cref="ModelRegistry.Create"/> takes any of
/// them, and <c>with</c> changes a field: <c>ModelRegistry.DefaultOptions("resnet18") with { InChannels = 1 }</c>.
/// </summary>
public abstract record ModelOptions
{
    /// <summary>Channels of the images the model reads (a generator: writes).</summary>
    public abstract int InChannels { get; init; }

    /// <summary>Checks every field, naming the one that is wrong.</summary>
    public virtual void Validate()
    {
        if (InChannels < 1) throw Bad(nameof(InChannels), InChannels, "must be at least 1");
    }

    private protected ArgumentException Bad(string field, object value, string why) =>
        new($"{GetType().Name}.{field} = {value}: {why}");
}

/// <summary>Options of a classifier: it reads images and gives <see cref="NumClasses"/> logits.</summary>
public abstract record ClassifierOptions : ModelOptions
{
    public abstract int NumClasses { get; init; }

    public override void Validate()
    {
        base.Validate();
        if (NumClasses < 1) throw Bad(nameof(NumClasses), NumClasses, "must be at least 1");
    }

    private protected void CheckProbability(string field, double p)
    {
        if (p is < 0 or >= 1 || double.IsNaN(p)) throw Bad(field, p, "a dropout probability must be in [0, 1)");
    }
}
