using System.Text.Json.Nodes;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using static MLRoadmap.Tests.Optim.Schedulers.SchedulerCase;

namespace MLRoadmap.Tests.Optim.Schedulers;

/// <summary>State dicts: saving after k steps and loading into a fresh optimizer and scheduler continues exactly as an
/// uninterrupted run; bad state dicts are refused with the key named and nothing changed.</summary>
public class SchedulerStateTests
{
    /// <summary>Every case, interrupted after 0 steps, after the external lr change of the poked cases (4 or 10), in
    /// the middle, and after the last step.</summary>
    public static TheoryData<string, int> Interruptions()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in Names())
        {
            var c = Load(name);
            foreach (var k in new[] { 0, 4, 10, c.Steps / 2, c.Steps }.Distinct()) data.Add(name, k);
        }
        return data;
    }

    /// <summary>Runs a case from a fresh optimizer and scheduler: steps 1..k, then <paramref name="resume"/> may
    /// replace both, then steps k+1..end. Returns the snapshot after each step (momentum, counters and all).</summary>
    private static List<double[]> Run(SchedulerCase c, int k, Func<ILRScheduler, ILRScheduler>? resume)
    {
        var snapshots = new List<double[]>();
        var opt = c.CreateOptimizer(out var parameters);
        var owned = new List<IDisposable>(parameters) { opt };
        try
        {
            var scheduler = c.CreateScheduler(opt);
            snapshots.Add(Snapshot(scheduler));
            for (var step = 1; step <= c.Steps; step++)
            {
                if (step == k + 1 && resume is not null)
                {
                    var before = Snapshot(scheduler);
                    scheduler = resume(scheduler);
                    owned.Add(scheduler.Optimizer);
                    owned.AddRange(scheduler.Optimizer.ParamGroups.SelectMany(g => g.Parameters));
                    Assert.Equal(before, Snapshot(scheduler));
                }
                c.Step(scheduler, step);
                snapshots.Add(Snapshot(scheduler));
                c.Poke(scheduler, step);
            }
        }
        finally
        {
            foreach (var d in owned) d.Dispose();
        }
        return snapshots;
    }

    /// <summary>StateDict → JSON text → parse → a fresh optimizer and scheduler (whose construction already moved
    /// the lr) → LoadStateDict.</summary>
    private static ILRScheduler Resume(SchedulerCase c, ILRScheduler saved)
    {
        var text = saved.StateDict().ToJsonString();
        var opt = c.CreateOptimizer(out _);
        var fresh = c.CreateScheduler(opt);
        fresh.LoadStateDict(JsonNode.Parse(text)!.AsObject());
        return fresh;
    }

    [Theory]
    [MemberData(nameof(Interruptions))]
    public void Resuming_from_the_JSON_state_dict_continues_exactly_as_the_uninterrupted_run(string name, int k)
    {
        var c = Load(name);
        var straight = Run(c, k, null);
        var resumed = Run(c, k, s => Resume(c, s));
        Assert.Equal(straight.Count, resumed.Count);
        for (var i = 0; i < straight.Count; i++)
        {
            Assert.True(straight[i].SequenceEqual(resumed[i]), $"{name}, resumed after {k}: step {i} differs: " +
                $"[{string.Join(", ", resumed[i].Select(R))}] vs [{string.Join(", ", straight[i].Select(R))}]");
        }
    }

    [Fact]
    public void Training_with_an_optimizer_and_OneCycle_saved_and_loaded_mid_run_ends_bit_identical()
    {
        // SGD with cycled momentum on a real problem: the momentum buffers live in the optimizer's state dict, the
        // schedule in the scheduler's; PyTorch's order (optimizer first, then scheduler).
        static (SGD, OneCycleLR, Parameter) Make()
        {
            var p = new Parameter(Torch.Arange(-2.0, 2.0, 0.5));
            var opt = new SGD([p], lr: 0.1, momentum: 0.9);
            return (opt, new OneCycleLR(opt, 0.3, totalSteps: 20, annealStrategy: AnnealStrategy.Linear), p);
        }
        static void Train(SGD opt, OneCycleLR sched, Parameter p, int steps)
        {
            for (var i = 0; i < steps; i++)
            {
                using var scope = Torch.NewDisposeScope();
                opt.ZeroGrad();
                (p * p * p).Sum().Backward();
                opt.Step();
                sched.Step();
            }
        }

        var (o1, s1, p1) = Make();
        using var _o1 = o1;
        using var _p1 = p1;
        Train(o1, s1, p1, 20);

        var (o2, s2, p2) = Make();
        using var _o2 = o2;
        using var _p2 = p2;
        Train(o2, s2, p2, 8);
        var schedulerJson = s2.StateDict().ToJsonString();
        using var optimizerState = o2.StateDict();
        var optimizerJson = optimizerState.ToJson();

        var (o3, s3, p3) = Make();
        using var _o3 = o3;
        using var _p3 = p3;
        using (Torch.NoGrad()) p3.Copy_(p2);
        using (var loaded = OptimizerStateDict.FromTensors(optimizerState.Tensors(), optimizerJson)) o3.LoadStateDict(loaded);
        s3.LoadStateDict(JsonNode.Parse(schedulerJson)!.AsObject());
        Train(o3, s3, p3, 12);

        Support.Compare.Exact(p3, p1, "parameter after 8 + 12 resumed steps");
        Assert.Equal(s1.GetLastLr(), s3.GetLastLr());
        Assert.Equal(o1.ParamGroups[0]["momentum"], o3.ParamGroups[0]["momentum"]);
        Assert.Equal(o1.ParamGroups[0]["initial_lr"], o3.ParamGroups[0]["initial_lr"]);
    }

    private static (Optimizer, LRScheduler, Parameter[]) StepLRAfter(int steps)
    {
        var c = Load("step_lr");
        var opt = c.CreateOptimizer(out var parameters);
        var s = (LRScheduler)c.CreateScheduler(opt);
        for (var k = 1; k <= steps; k++) s.Step();
        return (opt, s, parameters);
    }

    public static TheoryData<string, Action<JsonObject>, string[]> BadStates() => new()
    {
        { "another scheduler's", s => s["type"] = "CosineAnnealingLR", ["CosineAnnealingLR", "StepLR"] },
        { "no type", s => s.Remove("type"), ["'type'", "missing"] },
        { "missing step_size", s => s.Remove("step_size"), ["'step_size'", "missing"] },
        { "missing last_epoch", s => s.Remove("last_epoch"), ["'last_epoch'", "missing"] },
        { "null gamma", s => s["gamma"] = null, ["'gamma'", "null"] },
        { "gamma as a string", s => s["gamma"] = "0.5", ["'gamma'", "must be a number", "\"0.5\""] },
        { "fractional step_size", s => s["step_size"] = 2.5, ["'step_size'", "integer"] },
        { "base_lrs not a list", s => s["base_lrs"] = 0.1, ["'base_lrs'", "must be a list"] },
        { "base_lrs for 3 groups", s => s["base_lrs"] = new JsonArray(0.1, 0.2, 0.3), ["'base_lrs'", "3 entries", "2 parameter groups"] },
        { "a bool in last_lr", s => s["last_lr"]!.AsArray()[1] = true, ["'last_lr[1]'", "must be a number"] },
        { "negative gamma", s => s["gamma"] = -0.5, ["gamma", ">= 0"] },
        { "step_size 0", s => s["step_size"] = 0, ["stepSize", "at least 1"] },
        { "negative lr", s => s["group_lrs"]!.AsArray()[0] = -1.0, ["group_lrs[0]"] },
        { "negative last_epoch", s => s["last_epoch"] = -3, ["'last_epoch'", ">= 0"] },
    };

    [Theory]
    [MemberData(nameof(BadStates))]
    public void A_bad_state_dict_is_refused_naming_the_key_and_changes_nothing(string what, Action<JsonObject> spoil, string[] mentions)
    {
        var (source, saved, sourceParams) = StepLRAfter(9);
        var (target, loaded, targetParams) = StepLRAfter(3);
        try
        {
            var state = saved.StateDict();
            spoil(state);
            var before = Snapshot(loaded);
            var initial = target.ParamGroups.Select(g => g["initial_lr"]).ToArray();
            var e = Assert.ThrowsAny<ArgumentException>(() => loaded.LoadStateDict(state));
            Assert.Equal("state", e.ParamName);
            Assert.StartsWith("StepLR state dict: ", e.Message, StringComparison.Ordinal);
            foreach (var m in mentions) Assert.True(e.Message.Contains(m, StringComparison.Ordinal), $"{what}: '{e.Message}' does not mention {m}");
            Assert.Equal(before, Snapshot(loaded));
            Assert.Equal(initial, target.ParamGroups.Select(g => g["initial_lr"]));
            Assert.Equal(3, loaded.LastEpoch);
        }
        finally
        {
            source.Dispose();
            target.Dispose();
            foreach (var p in sourceParams.Concat(targetParams)) p.Dispose();
        }
    }

    [Fact]
    public void Plateau_and_OneCycle_states_are_checked_too()
    {
        var plateau = Load("plateau_min_rel");
        var oneCycle = Load("one_cycle_cos_sgd");
        using var o1 = plateau.CreateOptimizer(out var p1);
        using var o2 = oneCycle.CreateOptimizer(out var p2);
        using var o3 = Load("one_cycle_cos_adamw_three_phase").CreateOptimizer(out var p3);
        try
        {
            var s1 = plateau.CreateScheduler(o1);
            var s2 = oneCycle.CreateScheduler(o2);
            var s3 = Load("one_cycle_cos_adamw_three_phase").CreateScheduler(o3);

            var state = s1.StateDict();
            Assert.Equal("Infinity", (string)state["best"]!); // JSON has no infinity; +inf before the first metric
            state["mode"] = "lowest";
            Assert.Contains("'mode'", Assert.Throws<ArgumentException>(() => s1.LoadStateDict(state)).Message, StringComparison.Ordinal);
            state = s1.StateDict();
            state["factor"] = 1.5;
            Assert.Contains("factor", Assert.Throws<ArgumentException>(() => s1.LoadStateDict(state)).Message, StringComparison.Ordinal);
            var wrongType = Assert.Throws<ArgumentException>(() => s1.LoadStateDict(s2.StateDict()));
            Assert.Contains("from a OneCycleLR, not a ReduceLROnPlateau", wrongType.Message, StringComparison.Ordinal);

            // A OneCycle state cycling SGD's momentum does not load into one cycling Adam's betas.
            var e = Assert.Throws<ArgumentException>(() => s3.LoadStateDict(s2.StateDict()));
            Assert.Contains("'cycle_momentum'", e.Message, StringComparison.Ordinal);
            state = s2.StateDict();
            state.Remove("max_momentums");
            Assert.Contains("'max_momentums'", Assert.Throws<ArgumentException>(() => s2.LoadStateDict(state)).Message, StringComparison.Ordinal);
            state = s2.StateDict();
            state["anneal_strategy"] = "cosine";
            Assert.Contains("'anneal_strategy'", Assert.Throws<ArgumentException>(() => s2.LoadStateDict(state)).Message, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var p in p1.Concat(p2).Concat(p3)) p.Dispose();
        }
    }

    [Fact]
    public void The_state_dict_holds_hyperparameters_and_loading_replaces_them_as_PyTorch_does()
    {
        using var p = new Parameter(Torch.Zeros([2]));
        using var opt = new SGD([p], lr: 0.1);
        var a = new StepLR(opt, stepSize: 3, gamma: 0.5);
        var state = a.StateDict();
        Assert.Equal("StepLR", (string)state["type"]!);
        Assert.Equal(3, (int)state["step_size"]!);

        using var p2 = new Parameter(Torch.Zeros([2]));
        using var opt2 = new SGD([p2], lr: 0.1);
        var b = new StepLR(opt2, stepSize: 10, gamma: 0.9);
        b.LoadStateDict(JsonNode.Parse(state.ToJsonString())!.AsObject());
        Assert.Equal(3, b.StepSize);
        Assert.Equal(0.5, b.Gamma);
    }
}
