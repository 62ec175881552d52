using System.Text.Json.Nodes;
using MLRoadmap.Optim;
using MLRoadmap.Recipes.TransferResnet;

namespace MLRoadmap.Tests.Recipes;

/// <summary>transfer-resnet's schedule against PyTorch: each phase must be torch's OneCycleLR over that phase
/// (transfer_resnet_schedule.json, written by transfer_resnet_fixtures.py), and its state dict must resume it.</summary>
public sealed class FineTuneScheduleTests
{
    private static readonly string FixturePath = Path.Combine(Repo.Root, "tests", "MLRoadmap.Training.Tests", "Recipes", "transfer_resnet_schedule.json");

    public static TheoryData<int> Cases() => new(Enumerable.Range(0, Fixture.Count));

    private static JsonArray Fixture => (JsonArray)JsonNode.Parse(File.ReadAllText(FixturePath))!["cases"]!;

    private static double[] Doubles(JsonNode? node) => [.. ((JsonArray)node!).Select(n => (double)n!)];

    private static (AdamW Optimizer, List<Tensor> Parameters) Optimizer(int groups)
    {
        var parameters = Enumerable.Range(0, groups).Select(_ => Torch.Zeros([1], requiresGrad: true)).ToList();
        return (new AdamW(parameters.Select(p => new ParamGroup([p])), lr: 1), parameters);
    }

    private static FineTuneSchedule Schedule(JsonNode c, Optimizer opt) => new(opt, (int)c["frozen"]!, (int)c["total"]!,
        Doubles(c["frozen_max_lrs"]), Doubles(c["max_lrs"]), (double)c["pct_start"]!, (double)c["div"]!, (double)c["final_div"]!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_step_matches_PyTorchs_one_cycle_per_phase(int index)
    {
        var c = Fixture[index]!;
        var expected = ((JsonArray)c["rates"]!).Select(Doubles).ToList();
        var (opt, parameters) = Optimizer(Doubles(c["max_lrs"]).Length);
        using var _ = opt;
        var schedule = Schedule(c, opt);
        for (var step = 0; step < expected.Count; step++)
        {
            var actual = opt.ParamGroups.Select(g => g.LearningRate).ToArray();
            for (var g = 0; g < actual.Length; g++)
                Assert.True(Math.Abs(actual[g] - expected[step][g]) <= 1e-12 * Math.Max(1, expected[step][g]) + 1e-18,
                    $"case {index}, step {step}, group {g}: {actual[g]:R}, PyTorch {expected[step][g]:R}");
            schedule.Step();
        }
        foreach (var p in parameters) p.Dispose();
    }

    [Fact]
    public void Steps_past_the_end_keep_the_last_rate()
    {
        var (opt, parameters) = Optimizer(2);
        using var _ = opt;
        var schedule = new FineTuneSchedule(opt, 2, 6, [1e-2, 1e-2], [1e-3, 1e-2]);
        for (var i = 0; i < 5; i++) schedule.Step();
        var last = opt.ParamGroups.Select(g => g.LearningRate).ToArray();
        for (var i = 0; i < 3; i++) schedule.Step();
        Assert.Equal(last, opt.ParamGroups.Select(g => g.LearningRate));
        Assert.Equal(1e-2 / 25 / 1e4, last[1], 15);
        foreach (var p in parameters) p.Dispose();
    }

    [Fact]
    public void State_dict_resumes_the_schedule_in_a_fresh_optimizer()
    {
        var (opt, parameters) = Optimizer(3);
        var (fresh, freshParameters) = Optimizer(3);
        using (opt)
        using (fresh)
        {
            var schedule = new FineTuneSchedule(opt, 4, 12, [1e-2, 1e-2, 1e-2], [1e-4, 1e-3, 1e-2], pctStart: 0.25);
            for (var i = 0; i < 5; i++) schedule.Step();
            var state = schedule.StateDict();
            // Built with other settings: loading must replace all of them.
            var resumed = new FineTuneSchedule(fresh, 1, 30, [1, 1, 1], [1, 1, 1]);
            resumed.LoadStateDict(JsonNode.Parse(state.ToJsonString())!.AsObject());
            for (var i = 0; i < 8; i++)
            {
                Assert.Equal(opt.ParamGroups.Select(g => g.LearningRate), fresh.ParamGroups.Select(g => g.LearningRate));
                schedule.Step();
                resumed.Step();
            }
            Assert.Equal(schedule.LastEpoch, resumed.LastEpoch);
        }
        foreach (var p in parameters.Concat(freshParameters)) p.Dispose();
    }

    [Fact]
    public void Bad_arguments_and_bad_state_are_refused_by_name()
    {
        var (opt, parameters) = Optimizer(2);
        using (opt)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new FineTuneSchedule(opt, 7, 6, [1, 1], [1, 1]));
            Assert.Contains("3 peak rates for 2", Assert.Throws<ArgumentException>(() => new FineTuneSchedule(opt, 1, 6, [1, 1, 1], [1, 1])).Message,
                StringComparison.Ordinal);
            var schedule = new FineTuneSchedule(opt, 1, 6, [1, 1], [1, 1]);
            var state = schedule.StateDict();
            state["max_lrs"] = new JsonArray(1.0);
            Assert.Contains("max_lrs", Assert.Throws<ArgumentException>(() => schedule.LoadStateDict(state)).Message, StringComparison.Ordinal);
            state = schedule.StateDict();
            state["frozen_steps"] = 9;
            Assert.Contains("frozen", Assert.Throws<ArgumentException>(() => schedule.LoadStateDict(state)).Message, StringComparison.Ordinal);
            state = schedule.StateDict();
            state["type"] = "OneCycleLR";
            Assert.Contains("OneCycleLR", Assert.Throws<ArgumentException>(() => schedule.LoadStateDict(state)).Message, StringComparison.Ordinal);
        }
        foreach (var p in parameters) p.Dispose();
    }
}
