using System.Globalization;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>Argument checks shared by the schedulers' constructors and their <c>LoadStateDict</c>; each throws an
/// <see cref="ArgumentException"/> naming the constructor argument.</summary>
internal static class SchedulerChecks
{
    private static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    internal static void AtLeast(int value, int min, string name)
    {
        if (value < min) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {min}, not {value}");
    }

    /// <summary>A finite number ≥ 0 (NaN fails).</summary>
    internal static void NonNegative(double value, string name)
    {
        if (!(value >= 0 && double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number >= 0, not {F(value)}");
    }

    /// <summary>A finite number &gt; 0.</summary>
    internal static void Positive(double value, string name)
    {
        if (!(value > 0 && double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0, not {F(value)}");
    }

    /// <summary>A number in [min, max], or (min, max] with <paramref name="minExclusive"/>, [min, max) with
    /// <paramref name="maxExclusive"/>. NaN fails.</summary>
    internal static void Between(double value, double min, double max, string name, bool minExclusive = false,
        bool maxExclusive = false, string? why = null)
    {
        var ok = (minExclusive ? value > min : value >= min) && (maxExclusive ? value < max : value <= max);
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} must be in {(minExclusive ? "(" : "[")}{F(min)}, {F(max)}{(maxExclusive ? ")" : "]")}, not {F(value)}" +
                (why is null ? "" : $" ({why})"));
        }
    }

    /// <summary>One finite value ≥ 0 per parameter group; returns a copy.</summary>
    internal static double[] PerGroup(IReadOnlyList<double> values, int groups, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count != groups)
            throw new ArgumentException($"{name} has {values.Count} values but the optimizer has {groups} parameter groups", name);
        for (var i = 0; i < values.Count; i++)
        {
            if (!(values[i] >= 0 && double.IsFinite(values[i])))
                throw new ArgumentOutOfRangeException(name, values[i], $"{name}[{i}] must be a finite number >= 0, not {F(values[i])}");
        }
        return values.ToArray();
    }
}
