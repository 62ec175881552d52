using MLRoadmap.Optim.Schedulers;
using static MLRoadmap.Tests.Optim.Schedulers.SchedulerCase;

namespace MLRoadmap.Tests.Optim.Schedulers;

/// <summary>Every scheduler against PyTorch 1.13's trajectories (tests/fixtures/torch/schedulers.json): the groups'
/// lr after construction and each step, bit for bit.</summary>
public class SchedulerTrajectoryTests
{
    public static TheoryData<string> AllCases() => Names();

    public static TheoryData<string> OneCycleCases() => Names(c => c.Scheduler == nameof(OneCycleLR));

    public static TheoryData<string> PlateauCases() => Names(c => c.IsPlateau);

    /// <summary>Asserts bit-for-bit equality, reporting the largest relative difference of the row if not.</summary>
    private static void Equal(double[] expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Count);
        var worst = expected.Select((e, i) => Math.Abs(actual[i] - e) / Math.Max(Math.Abs(e), double.Epsilon)).Max();
        Assert.True(expected.SequenceEqual(actual),
            $"{what}: [{string.Join(", ", actual.Select(R))}] but PyTorch has [{string.Join(", ", expected.Select(R))}] " +
            $"(max relative difference {worst:E2})");
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Learning_rates_match_PyTorch_bit_for_bit_at_every_step(string name)
    {
        var c = Load(name);
        var expected = c.Lr;
        Assert.True(c.Steps >= 30, "trajectories are at least 30 steps long");
        Assert.Equal(c.Steps + 1, expected.Length);
        using var opt = c.CreateOptimizer(out var parameters);
        try
        {
            Assert.Equal(2, opt.ParamGroups.Count);
            var scheduler = c.CreateScheduler(opt);
            Equal(expected[0], opt.ParamGroups.Select(g => g.LearningRate).ToArray(), $"{name} after construction");
            Assert.Equal(0, scheduler.LastEpoch);
            for (var k = 1; k <= c.Steps; k++)
            {
                c.Step(scheduler, k);
                Equal(expected[k], opt.ParamGroups.Select(g => g.LearningRate).ToArray(), $"{name} step {k}");
                Equal(expected[k], scheduler.GetLastLr(), $"{name} GetLastLr() at step {k}");
                Assert.Equal(k, scheduler.LastEpoch);
                c.Poke(scheduler, k);
            }
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(OneCycleCases))]
    public void OneCycle_momentum_matches_PyTorch_and_stepping_past_the_cycle_throws(string name)
    {
        var c = Load(name);
        var momentum = c.Momentum!;
        var cycled = (bool)c.Args["cycle_momentum"]!;
        using var opt = c.CreateOptimizer(out var parameters);
        try
        {
            var before = opt.ParamGroups.Select(MomentumOf).ToArray();
            var scheduler = (OneCycleLR)c.CreateScheduler(opt);
            Assert.Equal(cycled, scheduler.CycleMomentum);
            for (var k = 0; k <= c.Steps; k++)
            {
                if (k > 0) scheduler.Step();
                var actual = opt.ParamGroups.Select(MomentumOf).ToArray();
                Equal(momentum[k], actual, $"{name} momentum at step {k}");
                if (!cycled) Assert.Equal(before, actual);
            }

            // PyTorch raised on the next step; so do we, and the schedule stays where it was.
            Assert.Equal(c.Steps + 1, c.ErrorAtStep);
            var last = opt.ParamGroups.Select(g => g.LearningRate).ToArray();
            var e = Assert.Throws<InvalidOperationException>(scheduler.Step);
            Assert.Contains($"totalSteps = {c.Steps}", e.Message, StringComparison.Ordinal);
            Assert.Equal(c.Steps, scheduler.LastEpoch);
            Assert.Equal(last, opt.ParamGroups.Select(g => g.LearningRate));
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(PlateauCases))]
    public void ReduceLROnPlateau_counters_match_PyTorch(string name)
    {
        var c = Load(name);
        var best = c.Plateau("best")!.AsArray().Select(x => (double)x!).ToArray();
        var bad = c.Plateau("num_bad_epochs")!.AsArray().Select(x => (int)x!).ToArray();
        var cooldown = c.Plateau("cooldown_counter")!.AsArray().Select(x => (int)x!).ToArray();
        using var opt = c.CreateOptimizer(out var parameters);
        try
        {
            var scheduler = (ReduceLROnPlateau)c.CreateScheduler(opt);
            var cuts = 0;
            for (var k = 1; k <= c.Steps; k++)
            {
                var lr = scheduler.GetLastLr().ToArray();
                c.Step(scheduler, k);
                Assert.True(best[k - 1] == scheduler.Best, $"{name} step {k}: best {scheduler.Best}, PyTorch {best[k - 1]}");
                Assert.True(bad[k - 1] == scheduler.NumBadEpochs, $"{name} step {k}: num_bad_epochs {scheduler.NumBadEpochs}, PyTorch {bad[k - 1]}");
                Assert.True(cooldown[k - 1] == scheduler.CooldownCounter,
                    $"{name} step {k}: cooldown_counter {scheduler.CooldownCounter}, PyTorch {cooldown[k - 1]}");
                if (!lr.SequenceEqual(scheduler.GetLastLr())) cuts++;
            }
            // The sequences are built to cut several times and to end held (by min_lr or by eps).
            Assert.True(cuts >= 3, $"{name}: only {cuts} cuts");
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }
}
