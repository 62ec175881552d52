namespace MLRoadmap.Training.Callbacks;

/// <summary>Whether a smaller or a larger monitored value is better.</summary>
public enum MonitorMode
{
    Min,
    Max,
}

internal static class MonitorModeExtensions
{
    /// <summary>Whether <paramref name="value"/> beats <paramref name="best"/> by more than <paramref name="minDelta"/>.</summary>
    public static bool Improves(this MonitorMode mode, double value, double? best, double minDelta = 0)
    {
        if (double.IsNaN(value)) return false;
        if (best is null) return true;
        return mode == MonitorMode.Min ? value < best.Value - minDelta : value > best.Value + minDelta;
    }
}
