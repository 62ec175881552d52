using System.Globalization;
using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// Base of the schedules stepped without a metric, shaped like PyTorch 1.13's <c>_LRScheduler</c>: construction
/// records each group's <c>initial_lr</c> (unless a group already has one, e.g. from an earlier scheduler) as the
/// base learning rates and takes step 0, which already sets the groups' <c>lr</c>; each <see cref="Step"/> then
/// computes the next learning rates and writes them into the groups.
/// </summary>
/// <remarks>
/// <para>The schedules use PyTorch's chainable (recursive) forms: most read the groups' current <c>lr</c>, so a
/// change made to it from outside between steps carries on, as in PyTorch.</para>
/// <para>A computed rate below zero is written as 0: PyTorch's recursions can end a rounding error below it (LinearLR
/// decaying to 0 gives about -2e-18), which PyTorch would set but our optimizers refuse.</para>
/// </remarks>
/// <example>
/// <code>
/// var sched = new CosineWithWarmup(opt, warmupSteps: 500, totalSteps: 10_000, warmupStartFactor: 0.01);
/// for (...) { ...; opt.Step(); sched.Step(); }
/// </code>
/// </example>
public abstract class LRScheduler : ILRScheduler
{
    private double[] _baseLrs = [];
    private double[] _lastLr = [];

    /// <summary>Only checks and keeps <paramref name="optimizer"/>; the derived constructor checks its own arguments
    /// and then calls <see cref="InitialStep"/>, which changes the optimizer.</summary>
    protected LRScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ObjectDisposedException.ThrowIf(optimizer.IsDisposed, optimizer);
        Optimizer = optimizer;
    }

    public Optimizer Optimizer { get; }

    public int LastEpoch { get; private set; } = -1;

    /// <summary>PyTorch's <c>base_lrs</c>: each group's <c>initial_lr</c> when the scheduler was made (or loaded).</summary>
    public IReadOnlyList<double> BaseLrs => Array.AsReadOnly(_baseLrs);

    public IReadOnlyList<double> GetLastLr() => Array.AsReadOnly(_lastLr);

    /// <summary>Records the groups' <c>initial_lr</c> (<paramref name="initialLrs"/> replaces them where given,
    /// as OneCycleLR does) and takes step 0. Call it once, last in the constructor.</summary>
    protected void InitialStep(IReadOnlyList<double>? initialLrs = null)
    {
        if (LastEpoch != -1) throw new InvalidOperationException("InitialStep runs once, from the constructor");
        var groups = Optimizer.ParamGroups;
        if (initialLrs is not null && initialLrs.Count != groups.Count)
            throw new ArgumentException($"{initialLrs.Count} initial learning rates for {groups.Count} parameter groups", nameof(initialLrs));
        for (var g = 0; g < groups.Count; g++)
        {
            if (initialLrs is not null) groups[g]["initial_lr"] = initialLrs[g];
            else if (!groups[g].Contains("initial_lr")) groups[g]["initial_lr"] = groups[g].LearningRate;
        }
        _baseLrs = groups.Select(g => g.GetDouble("initial_lr")).ToArray();
        Step();
    }

    /// <summary>Advances the schedule by one step (the caller decides whether a step is a batch or an epoch) and sets
    /// each group's <c>lr</c>.</summary>
    public void Step()
    {
        CheckOptimizer();
        var epoch = LastEpoch + 1;
        var lrs = ComputeLr(epoch);
        for (var g = 0; g < lrs.Length; g++)
        {
            if (double.IsNaN(lrs[g]))
                throw new InvalidOperationException($"{GetType().Name} computed a NaN learning rate for parameter group {g} at step {epoch}");
            if (lrs[g] < 0) lrs[g] = 0;
        }
        var groups = Optimizer.ParamGroups;
        for (var g = 0; g < lrs.Length; g++) groups[g].LearningRate = lrs[g];
        _lastLr = lrs;
        LastEpoch = epoch;
    }

    /// <summary>The learning rate of each group at step <paramref name="epoch"/> (the new <see cref="LastEpoch"/>),
    /// PyTorch's <c>get_lr</c>. It may read the groups, and set what else the schedule drives (OneCycleLR's momentum),
    /// but not <c>lr</c>.</summary>
    protected abstract double[] ComputeLr(int epoch);

    /// <summary>Each group's current <c>lr</c>.</summary>
    protected double[] CurrentLrs() => Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();

    private void CheckOptimizer()
    {
        ObjectDisposedException.ThrowIf(Optimizer.IsDisposed, Optimizer);
        if (LastEpoch >= 0 && Optimizer.ParamGroups.Count != _baseLrs.Length)
            throw new InvalidOperationException($"the optimizer has {Optimizer.ParamGroups.Count} parameter groups but " +
                                                $"{GetType().Name} was made for {_baseLrs.Length}");
    }

    public virtual JsonObject StateDict()
    {
        var state = new JsonObject
        {
            ["type"] = GetType().Name,
            ["last_epoch"] = LastEpoch,
            ["base_lrs"] = StateJson.Numbers(_baseLrs),
            ["last_lr"] = StateJson.Numbers(_lastLr),
            ["group_lrs"] = StateJson.Numbers(CurrentLrs()),
        };
        WriteState(state);
        return state;
    }

    public virtual void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var reader = SchedulerStateReader.Open(state, GetType().Name);
        CheckOptimizer();
        var groups = Optimizer.ParamGroups;
        var lastEpoch = reader.Int("last_epoch");
        if (lastEpoch < 0) throw reader.Error($"'last_epoch' must be >= 0, not {lastEpoch}");
        var baseLrs = reader.Doubles("base_lrs", groups.Count);
        var lastLr = reader.Doubles("last_lr", groups.Count);
        var groupLrs = reader.Doubles("group_lrs", groups.Count);
        reader.Check(() =>
        {
            SchedulerChecks.PerGroup(baseLrs, groups.Count, "base_lrs");
            SchedulerChecks.PerGroup(lastLr, groups.Count, "last_lr");
            SchedulerChecks.PerGroup(groupLrs, groups.Count, "group_lrs");
        });
        var apply = ReadState(reader);

        // Everything is read and checked: nothing below throws.
        LastEpoch = lastEpoch;
        _baseLrs = baseLrs;
        _lastLr = lastLr;
        for (var g = 0; g < groups.Count; g++)
        {
            groups[g]["initial_lr"] = baseLrs[g];
            groups[g].LearningRate = groupLrs[g];
        }
        apply();
    }

    /// <summary>Adds this scheduler's own keys (its hyperparameters and counters) to <paramref name="state"/>.</summary>
    protected abstract void WriteState(JsonObject state);

    /// <summary>Reads and checks this scheduler's own keys and returns what applies them. It must change nothing
    /// itself, so that a bad state dict leaves the scheduler (and the optimizer) as they were.</summary>
    protected abstract Action ReadState(SchedulerStateReader state);

    public override string ToString() =>
        $"{GetType().Name}(last_epoch={LastEpoch}, lr=[{string.Join(", ", _lastLr.Select(l => l.ToString("G6", CultureInfo.InvariantCulture)))}])";
}
