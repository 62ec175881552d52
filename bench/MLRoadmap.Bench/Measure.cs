using System.Diagnostics;
using System.Text.Json;

namespace MLRoadmap.Bench;

/// <summary>Timing loops shaped exactly like bench/python/bench.py's, so the two sides measure the same thing.</summary>
internal static class Measure
{
    public static List<double> PerOpNs(Action op, int n)
    {
        for (var i = 0; i < Math.Min(n, 5000); i++) op();
        var samples = new List<double>();
        for (var r = 0; r < 15; r++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) op();
            samples.Add(sw.Elapsed.TotalNanoseconds / n);
        }
        return samples;
    }

    public static List<double> PerStepMs(Action step, int steps, int repeats)
    {
        for (var i = 0; i < 5; i++) step();
        var samples = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < steps; i++) step();
            samples.Add(sw.Elapsed.TotalMilliseconds / steps);
        }
        return samples;
    }

    public static void Print(string workload, string unit, List<double> samples)
    {
        var sorted = samples.Order().ToList();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["lang"] = "csharp",
            ["workload"] = workload,
            ["unit"] = unit,
            ["median"] = sorted[sorted.Count / 2],
            ["min"] = sorted[0],
            ["samples"] = samples,
            ["threads"] = Torch.NumThreads,
            ["torch"] = Torch.Version,
        }));
    }
}
