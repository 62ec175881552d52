using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>How OneCycleLR moves between the ends of a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>end + (start − end)/2 · (cos(π·pct) + 1).</summary>
    Cos,

    /// <summary>(end − start)·pct + start.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy, as <c>torch.optim.lr_scheduler.OneCycleLR</c>, stepped once per batch. Each group's rate starts
/// at initial_lr = max_lr / divFactor, rises to max_lr over the first pctStart of <see cref="TotalSteps"/>, then falls
/// to min_lr = initial_lr / finalDivFactor (with <see cref="ThreePhase"/>: falls back to initial_lr symmetrically,
/// then to min_lr). With <see cref="CycleMomentum"/> the momentum moves inversely between maxMomentum and
/// baseMomentum: SGD's and RMSprop's <c>momentum</c>, Adam's and AdamW's <c>betas</c>.Item1.
/// </summary>
/// <remarks>
/// <para>As in PyTorch the groups hold the schedule: <c>initial_lr</c>, <c>max_lr</c>, <c>min_lr</c>,
/// <c>max_momentum</c>, <c>base_momentum</c> are written into them and read back at every step.</para>
/// <para>The constructor takes step 0 and <see cref="LRScheduler.Step"/> may then be called <see cref="TotalSteps"/>
/// times; one more throws, as PyTorch's does. That last allowed step, which a loop stepping after every batch makes
/// and no batch uses, is past the cycle: PyTorch extrapolates the last phase there. With <see cref="AnnealStrategy.Cos"/>
/// that lands just above min_lr and is kept; with <see cref="AnnealStrategy.Linear"/> it goes below min_lr, usually
/// negative, which our optimizers refuse, so there the phase is held at its end (min_lr, and the end momentum).</para>
/// <para>pctStart·totalSteps = 1 is refused: the first phase would be zero steps long (PyTorch divides by zero).</para>
/// </remarks>
public sealed class OneCycleLR : LRScheduler
{
    // The schedule's values each group holds (state dict keys add an "s").
    private static readonly string[] GroupKeys = ["max_lr", "min_lr"];
    private static readonly string[] MomentumKeys = ["max_momentum", "base_momentum"];

    private readonly string? _momentumKey;

    /// <summary>One <paramref name="maxLr"/> for every group.</summary>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : this(optimizer, Enumerable.Repeat(maxLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), totalSteps, pctStart,
            annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase)
    {
    }

    /// <summary>One max_lr per parameter group.</summary>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLrs, int totalSteps, double pctStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer!)
    {
        var groups = Optimizer.ParamGroups;
        var max = SchedulerChecks.PerGroup(maxLrs, groups.Count, nameof(maxLrs));
        Validate(totalSteps, pctStart, annealStrategy);
        SchedulerChecks.Positive(divFactor, nameof(divFactor));
        SchedulerChecks.Positive(finalDivFactor, nameof(finalDivFactor));
        if (cycleMomentum)
        {
            // PyTorch's choice: betas where the optimizer has them, else momentum.
            _momentumKey = Optimizer.Defaults.ContainsKey("betas") ? "betas"
                : Optimizer.Defaults.ContainsKey("momentum") ? "momentum"
                : throw new ArgumentException($"{Optimizer.Name} has neither momentum nor betas to cycle; pass cycleMomentum: false",
                    nameof(cycleMomentum));
            CheckMomentum(baseMomentum, nameof(baseMomentum));
            CheckMomentum(maxMomentum, nameof(maxMomentum));
        }
        TotalSteps = totalSteps;
        PctStart = pctStart;
        Strategy = annealStrategy;
        ThreePhase = threePhase;

        var initial = new double[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            initial[g] = max[g] / divFactor;
            groups[g]["max_lr"] = max[g];
            groups[g]["min_lr"] = initial[g] / finalDivFactor;
            if (_momentumKey is null) continue;
            SetMomentum(groups[g], maxMomentum);
            groups[g]["max_momentum"] = maxMomentum;
            groups[g]["base_momentum"] = baseMomentum;
        }
        InitialStep(initial);
    }

    public int TotalSteps { get; private set; }

    public double PctStart { get; private set; }

    public AnnealStrategy Strategy { get; private set; }

    public bool ThreePhase { get; private set; }

    public bool CycleMomentum => _momentumKey is not null;

    private static void Validate(int totalSteps, double pctStart, AnnealStrategy annealStrategy)
    {
        SchedulerChecks.AtLeast(totalSteps, 1, nameof(totalSteps));
        SchedulerChecks.Between(pctStart, 0, 1, nameof(pctStart));
        if (pctStart * totalSteps - 1 == 0)
            throw new ArgumentException($"pctStart * totalSteps = 1 makes the first phase zero steps long " +
                                        $"(PyTorch 1.13 divides by zero here)", nameof(pctStart));
        if (!Enum.IsDefined(annealStrategy))
            throw new ArgumentOutOfRangeException(nameof(annealStrategy), annealStrategy, "unknown anneal strategy");
    }

    // A phase ends at a step and goes between two of the group's values.
    private readonly record struct Phase(double EndStep, string StartLr, string EndLr, string StartMomentum, string EndMomentum);

    private Phase[] Phases() => ThreePhase
        ? [
            new(PctStart * TotalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            new(2 * PctStart * TotalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
            new(TotalSteps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
        ]
        : [
            new(PctStart * TotalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            new(TotalSteps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
        ];

    private double Anneal(double start, double end, double pct) => Strategy == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    protected override double[] ComputeLr(int epoch)
    {
        if (epoch > TotalSteps)
            throw new InvalidOperationException($"OneCycleLR stepped past its cycle: this would be step {epoch} of totalSteps = " +
                                                $"{TotalSteps} (the constructor takes step 0; Step() may follow totalSteps times)");
        var phases = Phases();
        var groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        var momenta = new double[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            double start = 0;
            for (var i = 0; i < phases.Length; i++)
            {
                var phase = phases[i];
                if (epoch <= phase.EndStep || i == phases.Length - 1)
                {
                    if (phase.EndStep - start == 0)
                        throw new InvalidOperationException($"OneCycleLR: phase {i + 1} of {phases.Length} is zero steps long at step {epoch} " +
                                                            $"(totalSteps {TotalSteps}, pctStart {PctStart}); PyTorch divides by zero here");
                    var pct = (epoch - start) / (phase.EndStep - start);
                    // Only the step past the cycle has pct > 1; see the remarks.
                    if (Strategy == AnnealStrategy.Linear && pct > 1) pct = 1;
                    var group = groups[g];
                    lrs[g] = Anneal(group.GetDouble(phase.StartLr), group.GetDouble(phase.EndLr), pct);
                    if (_momentumKey is not null)
                        momenta[g] = Anneal(group.GetDouble(phase.StartMomentum), group.GetDouble(phase.EndMomentum), pct);
                    break;
                }
                start = phase.EndStep;
            }
        }
        if (_momentumKey is not null)
            for (var g = 0; g < groups.Count; g++) SetMomentum(groups[g], momenta[g]);
        return lrs;
    }

    // Adam's beta1 must stay below 1; SGD's and RMSprop's momentum only >= 0.
    private void CheckMomentum(double value, string name)
    {
        if (_momentumKey == "betas") SchedulerChecks.Between(value, 0, 1, name, maxExclusive: true);
        else SchedulerChecks.NonNegative(value, name);
    }

    private void SetMomentum(ParamGroup group, double value)
    {
        if (_momentumKey == "betas") group["betas"] = (value, group.GetPair("betas").Item2);
        else group["momentum"] = value;
    }

    private double GetMomentum(ParamGroup group) =>
        _momentumKey == "betas" ? group.GetPair("betas").Item1 : group.GetDouble("momentum");

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var groups = Optimizer.ParamGroups;
        state["total_steps"] = TotalSteps;
        state["pct_start"] = StateJson.Number(PctStart);
        state["anneal_strategy"] = Strategy == AnnealStrategy.Cos ? "cos" : "linear";
        state["three_phase"] = ThreePhase;
        state["cycle_momentum"] = _momentumKey ?? "none";
        foreach (var key in CycleMomentum ? GroupKeys.Concat(MomentumKeys) : GroupKeys)
            state[key + "s"] = StateJson.Numbers(groups.Select(g => g.GetDouble(key)));
        if (CycleMomentum) state["momentums"] = StateJson.Numbers(groups.Select(GetMomentum));
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var groups = Optimizer.ParamGroups;
        var total = state.Int("total_steps");
        var pct = state.Double("pct_start");
        var strategy = state.String("anneal_strategy") switch
        {
            "cos" => AnnealStrategy.Cos,
            "linear" => AnnealStrategy.Linear,
            var s => throw state.Error($"'anneal_strategy' must be \"cos\" or \"linear\", not \"{s}\""),
        };
        var threePhase = state.Bool("three_phase");
        var cycled = state.String("cycle_momentum");
        if (cycled != (_momentumKey ?? "none"))
        {
            var mine = _momentumKey is null ? "no momentum" : $"\"{_momentumKey}\"";
            throw state.Error($"'cycle_momentum' is \"{cycled}\" but this scheduler cycles {mine} of {Optimizer.Name}");
        }
        state.Check(() => Validate(total, pct, strategy));
        var values = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var key in CycleMomentum ? GroupKeys.Concat(MomentumKeys).Append("momentum") : GroupKeys)
        {
            var list = values[key] = state.Doubles(key + "s", groups.Count);
            var momentum = key.EndsWith("momentum", StringComparison.Ordinal);
            for (var g = 0; g < list.Length; g++)
            {
                var (v, name) = (list[g], $"{key}s[{g}]");
                state.Check(() =>
                {
                    if (momentum) CheckMomentum(v, name);
                    else SchedulerChecks.NonNegative(v, name);
                });
            }
        }
        return () =>
        {
            TotalSteps = total;
            PctStart = pct;
            Strategy = strategy;
            ThreePhase = threePhase;
            for (var g = 0; g < groups.Count; g++)
            {
                foreach (var (key, list) in values)
                {
                    if (key == "momentum") SetMomentum(groups[g], list[g]);
                    else groups[g][key] = list[g];
                }
            }
        };
    }
}
