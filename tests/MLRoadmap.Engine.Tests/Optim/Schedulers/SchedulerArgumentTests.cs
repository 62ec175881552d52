using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;

namespace MLRoadmap.Tests.Optim.Schedulers;

/// <summary>Constructor checks, and the bookkeeping the fixtures don't show (initial_lr, group counts, disposal).</summary>
public class SchedulerArgumentTests
{
    public static TheoryData<string, string, string, Func<Optimizer, object>> BadArguments() => new()
    {
        { "step size 0", "stepSize", "at least 1", o => new StepLR(o, 0) },
        { "negative StepLR gamma", "gamma", ">= 0", o => new StepLR(o, 3, -0.1) },
        { "NaN ExponentialLR gamma", "gamma", "NaN", o => new ExponentialLR(o, double.NaN) },
        { "milestones not increasing", "milestones", "strictly increasing", o => new MultiStepLR(o, [5, 3, 8]) },
        { "repeated milestone", "milestones", "strictly increasing", o => new MultiStepLR(o, [5, 5]) },
        { "negative milestone", "milestones", ">= 0", o => new MultiStepLR(o, [-1, 4]) },
        { "T_max 0", "tMax", "at least 1", o => new CosineAnnealingLR(o, 0) },
        { "negative eta_min", "etaMin", ">= 0", o => new CosineAnnealingLR(o, 10, -1e-3) },
        { "LinearLR start factor 0", "startFactor", "divides by zero", o => new LinearLR(o, 0.0, 1.0, 5) },
        { "LinearLR start factor above 1", "startFactor", "(0, 1]", o => new LinearLR(o, 1.5, 1.0, 5) },
        { "LinearLR end factor above 1", "endFactor", "[0, 1]", o => new LinearLR(o, 0.5, 1.1, 5) },
        { "LinearLR 0 iterations", "totalIters", "at least 1", o => new LinearLR(o, 0.5, 1.0, 0) },
        { "no warmup", "warmupSteps", "at least 1", o => new CosineWithWarmup(o, 0, 100, 0.1) },
        { "warmup as long as the schedule", "totalSteps", "greater than warmupSteps", o => new CosineWithWarmup(o, 10, 10, 0.1) },
        { "warmup from 0", "warmupStartFactor", "divides by zero", o => new CosineWithWarmup(o, 10, 100, 0.0) },
        { "negative min lr", "minLr", ">= 0", o => new CosineWithWarmup(o, 10, 100, 0.1, -1.0) },
        { "OneCycle 0 steps", "totalSteps", "at least 1", o => new OneCycleLR(o, 0.1, 0) },
        { "OneCycle pct_start above 1", "pctStart", "[0, 1]", o => new OneCycleLR(o, 0.1, 100, pctStart: 1.2) },
        { "OneCycle zero-step first phase", "pctStart", "zero steps", o => new OneCycleLR(o, 0.1, 4, pctStart: 0.25) },
        { "OneCycle negative max lr", "maxLrs", ">= 0", o => new OneCycleLR(o, -0.1, 100) },
        { "OneCycle max lr per group, wrong count", "maxLrs", "2 parameter groups", o => new OneCycleLR(o, [0.1, 0.2, 0.3], 100) },
        { "OneCycle div factor 0", "divFactor", "> 0", o => new OneCycleLR(o, 0.1, 100, divFactor: 0) },
        { "OneCycle negative momentum", "baseMomentum", ">= 0", o => new OneCycleLR(o, 0.1, 100, baseMomentum: -0.5) },
        { "plateau factor 1", "factor", "[0, 1)", o => new ReduceLROnPlateau(o, factor: 1.0) },
        { "plateau negative patience", "patience", "at least 0", o => new ReduceLROnPlateau(o, patience: -1) },
        { "plateau negative cooldown", "cooldown", "at least 0", o => new ReduceLROnPlateau(o, cooldown: -2) },
        { "plateau negative threshold", "threshold", ">= 0", o => new ReduceLROnPlateau(o, threshold: -1e-4) },
        { "plateau min lr per group, wrong count", "minLrs", "2 parameter groups", o => new ReduceLROnPlateau(o, [0.1]) },
        { "plateau unknown mode", "mode", "unknown", o => new ReduceLROnPlateau(o, (PlateauMode)7) },
    };

    private static (SGD, Parameter[]) TwoGroups(double momentum = 0.9)
    {
        var ps = new[] { new Parameter(Torch.Zeros([2])), new Parameter(Torch.Zeros([3])) };
        return (new SGD([new ParamGroup([ps[0]]), new ParamGroup([ps[1]]) { LearningRate = 0.03 }], lr: 0.1, momentum: momentum), ps);
    }

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Invalid_arguments_throw_an_ArgumentException_naming_the_argument_and_leave_the_optimizer_alone(
        string what, string argument, string mention, Func<Optimizer, object> create)
    {
        var (opt, ps) = TwoGroups();
        try
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => create(opt));
            Assert.True(argument == e.ParamName, $"{what}: ParamName is {e.ParamName}, expected {argument}");
            Assert.True(e.Message.Contains(mention, StringComparison.Ordinal), $"{what}: '{e.Message}' does not mention '{mention}'");
            Assert.Equal([0.1, 0.03], opt.ParamGroups.Select(g => g.LearningRate));
            Assert.All(opt.ParamGroups, g => Assert.False(g.Contains("initial_lr") || g.Contains("max_lr"), $"{what} changed the groups"));
            Assert.Equal(0.9, opt.ParamGroups[0]["momentum"]);
        }
        finally
        {
            opt.Dispose();
            foreach (var p in ps) p.Dispose();
        }
    }

    [Fact]
    public void A_second_scheduler_keeps_the_first_ones_initial_lr_as_its_base_as_PyTorch_does()
    {
        var (opt, ps) = TwoGroups();
        try
        {
            var first = new ExponentialLR(opt, 0.5);
            first.Step();
            first.Step();
            Assert.Equal([0.1, 0.03], opt.ParamGroups.Select(g => g["initial_lr"]));
            var second = new CosineAnnealingLR(opt, 10);
            Assert.Equal([0.1, 0.03], second.BaseLrs);
            Assert.Equal([0.1 * 0.5 * 0.5, 0.03 * 0.5 * 0.5], second.GetLastLr()); // step 0 keeps the current lr
        }
        finally
        {
            opt.Dispose();
            foreach (var p in ps) p.Dispose();
        }
    }

    [Fact]
    public void Plateau_changes_nothing_at_construction_and_counts_its_steps()
    {
        var (opt, ps) = TwoGroups();
        try
        {
            var s = new ReduceLROnPlateau(opt, patience: 0);
            Assert.Equal(0, s.LastEpoch);
            Assert.Equal([0.1, 0.03], s.GetLastLr());
            Assert.False(opt.ParamGroups[0].Contains("initial_lr"));
            s.Step(1.0);
            s.Step(1.0);
            Assert.Equal(2, s.LastEpoch);
            Assert.Equal(0.1 * 0.1, opt.ParamGroups[0].LearningRate);
        }
        finally
        {
            opt.Dispose();
            foreach (var p in ps) p.Dispose();
        }
    }

    [Fact]
    public void Stepping_after_the_optimizer_changed_its_groups_or_was_disposed_throws()
    {
        var (opt, ps) = TwoGroups();
        using var extra = new Parameter(Torch.Zeros([1]));
        try
        {
            var s = new StepLR(opt, 2);
            var plateau = new ReduceLROnPlateau(opt);
            opt.AddParamGroup(new ParamGroup([extra]));
            Assert.Contains("3 parameter groups", Assert.Throws<InvalidOperationException>(s.Step).Message, StringComparison.Ordinal);
            Assert.Contains("3 parameter groups", Assert.Throws<InvalidOperationException>(() => plateau.Step(1)).Message, StringComparison.Ordinal);
            opt.Dispose();
            Assert.Throws<ObjectDisposedException>(s.Step);
            Assert.Throws<ObjectDisposedException>(() => new ExponentialLR(opt, 0.9));
        }
        finally
        {
            opt.Dispose();
            foreach (var p in ps) p.Dispose();
        }
    }

    /// <summary>An optimizer with neither momentum nor betas.</summary>
    private sealed class PlainDescent : Optimizer
    {
        public PlainDescent(IEnumerable<Tensor> ps) : base(new Dictionary<string, object> { ["lr"] = 0.1 }) =>
            AddParamGroup(new ParamGroup(ps));

        protected override void StepGroup(ParamGroup group)
        {
        }
    }

    [Fact]
    public void OneCycle_cycles_momentum_only_where_the_optimizer_has_it()
    {
        using var p = new Parameter(Torch.Zeros([2]));
        using var opt = new PlainDescent([p]);
        var e = Assert.Throws<ArgumentException>(() => new OneCycleLR(opt, 0.5, 10));
        Assert.Equal("cycleMomentum", e.ParamName);
        var s = new OneCycleLR(opt, 0.5, 10, cycleMomentum: false);
        Assert.Equal(0.5 / 25, opt.ParamGroups[0].LearningRate, 1e-15); // initial_lr, up to the cosine's rounding
        Assert.False(opt.ParamGroups[0].Contains("max_momentum"));
        Assert.False(s.CycleMomentum);

        // Adam's beta1 must stay below 1.
        using var adam = new Adam([p]);
        Assert.Equal("maxMomentum", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(adam, 0.5, 10, maxMomentum: 1.0)).ParamName);
    }
}
