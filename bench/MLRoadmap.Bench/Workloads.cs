namespace MLRoadmap.Bench;

/// <summary>The workloads, one method each, mirroring bench/python/bench.py line for line.</summary>
internal static class Workloads
{
    public static readonly Dictionary<string, Action<bool>> All = new()
    {
        ["tiny"] = TinyOps,
    };

    // Per-op cost of the smallest op, out of place (allocates a result handle) and in place. The result of the
    // out-of-place op is disposed at once: that is the deterministic-memory path users run.
    private static void TinyOps(bool quick)
    {
        using var a = Torch.Ones([1]);
        using var b = Torch.Ones([1]);
        var n = quick ? 20_000 : 200_000;
        Measure.Print("tiny_add", "ns_per_op", Measure.PerOpNs(() => { using var c = a.Add(b); }, n));
        Measure.Print("tiny_add_", "ns_per_op", Measure.PerOpNs(() => a.Add_(b), n));
    }
}
