namespace MLRoadmap.Training.Recipes;

/// <summary>
/// Marks a property of a run configuration as a setting (a config key) and says, in one line, why its default is
/// what it is (nanoGPT-style). Its key is the property path in snake_case: <c>Trainer.MaxEpochs</c> is
/// <c>trainer.max_epochs</c>. The bounds are checked when a value is bound, before training starts.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class SettingAttribute(string reason) : Attribute
{
    /// <summary>Why the default is what it is (shown by <c>mlroadmap recipes --keys</c>).</summary>
    public string Reason { get; } = reason;

    /// <summary>The smallest value allowed (numbers only).</summary>
    public double Min { get; init; } = double.NegativeInfinity;

    /// <summary>The largest value allowed (numbers only).</summary>
    public double Max { get; init; } = double.PositiveInfinity;

    /// <summary>The values allowed (strings only; compared case-sensitively).</summary>
    public string[]? OneOf { get; init; }

    /// <summary>A regular expression the whole value must match (strings only); describe it in <see cref="Expected"/>.</summary>
    public string? Pattern { get; init; }

    /// <summary>What a valid value looks like, for error messages (overrides the description built from the type and
    /// bounds).</summary>
    public string? Expected { get; init; }
}

/// <summary>
/// On a run configuration type whose constructor changes a default: the reason for the new default, replacing the
/// one on the setting's property (e.g. <c>[Reason("trainer.max_epochs", "5 epochs reach ...")]</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = true)]
public sealed class ReasonAttribute(string key, string reason) : Attribute
{
    public string Key { get; } = key;

    public string Reason { get; } = reason;
}
