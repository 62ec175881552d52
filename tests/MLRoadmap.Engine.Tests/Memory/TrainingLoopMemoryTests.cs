using System.Text.Json;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Memory;

/// <summary>
/// 10,000 steps of a small MLP training loop (Adam, each step in a dispose scope) in a process of its own
/// (tests/MLRoadmap.MemoryCheck), so its RSS belongs to that loop alone. The live native tensor count must stay at
/// its post-warm-up value at every sample, and RSS within 5% of its post-warm-up value.
/// </summary>
[Collection(SerialTests.Name)]
public class TrainingLoopMemoryTests
{
    private static JsonDocument RunCheck(string arguments)
    {
        var dll = Path.Combine(Repo.Root, "artifacts", "bin", "MLRoadmap.MemoryCheck", "release", "MLRoadmap.MemoryCheck.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first (./test.sh does)");
        var (code, output) = Repo.Run("dotnet", $"\"{dll}\" {arguments}", timeoutMs: 300_000);
        Assert.True(code == 0, output);
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]);
    }

    [Fact]
    public void The_check_sees_a_leak_of_one_tensor_per_hundred_steps()
    {
        using var report = RunCheck("--steps 1000 --warmup 100 --samples 5 --leak-every 100");
        var r = report.RootElement;
        Assert.Equal(r.GetProperty("live_after_warmup").GetInt64() + 10, r.GetProperty("live_at_end").GetInt64());
    }

    [Fact]
    public void Ten_thousand_training_steps_keep_live_tensors_at_baseline_and_rss_within_5_percent()
    {
        using var report = RunCheck("--steps 10000 --warmup 500 --samples 20");
        var r = report.RootElement;
        long Get(string name) => r.GetProperty(name).GetInt64();

        var baseline = Get("live_after_warmup");
        Assert.True(baseline > 0, "the model and optimizer own tensors after warm-up");
        Assert.Equal(baseline, Get("live_at_end"));
        Assert.Equal(baseline, Get("live_max"));
        foreach (var sample in r.GetProperty("trace").EnumerateArray())
            Assert.Equal(baseline, sample.GetProperty("live").GetInt64());
        Assert.Equal(0, Get("finalizer_rescued"));
        Assert.Equal(Get("live_at_start"), Get("live_after_dispose"));

        var rss0 = Get("rss_after_warmup_kib");
        var rssMax = Get("rss_max_kib");
        Assert.True(rssMax <= rss0 * 1.05,
            $"RSS grew from {rss0} KiB after warm-up to {rssMax} KiB ({100.0 * (rssMax - rss0) / rss0:F1}%), more than 5%");
        Assert.True(float.IsFinite(r.GetProperty("final_loss").GetSingle()));
    }
}
