using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;

namespace MLRoadmap.Tests.Optim.Schedulers;

/// <summary>One case of tests/fixtures/torch/schedulers.json (written by make_scheduler_fixtures.py from PyTorch
/// 1.13): an optimizer over two groups, a scheduler, and the lr (momentum, plateau counters) after every step.</summary>
internal sealed class SchedulerCase
{
    private static readonly Lazy<JsonObject> File = new(() =>
        JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(Repo.Fixtures, "torch", "schedulers.json")))!["cases"]!.AsObject());

    private readonly JsonObject _json;

    private SchedulerCase(string name, JsonObject json)
    {
        Name = name;
        _json = json;
    }

    public string Name { get; }

    public string Scheduler => (string)_json["scheduler"]!;

    public bool IsPlateau => Scheduler == nameof(ReduceLROnPlateau);

    public JsonObject Args => _json["args"]!.AsObject();

    /// <summary>Steps after construction (plateau: the number of metrics).</summary>
    public int Steps => IsPlateau ? Metrics.Length : (int)_json["steps"]!;

    public double[] Metrics => Doubles(_json["metrics"]!);

    /// <summary>lr[k][g]: group g after k steps (plateau: after metric k, k ≥ 1; k = 0 is the constructor's lr).</summary>
    public double[][] Lr => Rows("lr", prependConstruction: IsPlateau);

    public double[][]? Momentum => _json.ContainsKey("momentum") ? Rows("momentum", false) : null;

    public int? ErrorAtStep => _json["error_at_step"] is { } e ? (int)e : null;

    public JsonNode? Plateau(string key) => _json[key];

    public static SchedulerCase Load(string name) => new(name, File.Value[name]!.AsObject());

    public static TheoryData<string> Names(Func<SchedulerCase, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in File.Value)
            if (where is null || where(Load(name))) data.Add(name);
        return data;
    }

    private double[][] Rows(string key, bool prependConstruction)
    {
        var rows = _json[key]!.AsArray().Select(r => Doubles(r!)).ToList();
        if (prependConstruction) rows.Insert(0, GroupLrs);
        return rows.ToArray();
    }

    private double[] GroupLrs => Doubles(_json["group_lrs"]!);

    private static double[] Doubles(JsonNode node) => node is JsonArray a ? a.Select(x => (double)x!).ToArray() : [(double)node];

    private double Arg(string key) => (double)Args[key]!;

    private int IntArg(string key) => (int)Args[key]!;

    /// <summary>The case's optimizer over fresh parameters (the caller disposes both).</summary>
    public Optimizer CreateOptimizer(out Parameter[] parameters)
    {
        var lrs = GroupLrs;
        parameters = lrs.Select(_ => new Parameter(Torch.Zeros([2]))).ToArray();
        var groups = parameters.Select((p, g) => new ParamGroup([p]) { LearningRate = lrs[g] }).ToList();
        return (string)_json["optimizer"]! switch
        {
            "SGD" => new SGD(groups, lr: lrs[0], momentum: 0.9),
            "Adam" => new Adam(groups, lr: lrs[0]),
            "AdamW" => new AdamW(groups, lr: lrs[0]),
            "RMSprop" => new RMSprop(groups, lr: lrs[0]),
            var o => throw new InvalidOperationException($"unknown optimizer {o}"),
        };
    }

    /// <summary>The case's scheduler, built from its recorded arguments.</summary>
    public ILRScheduler CreateScheduler(Optimizer opt) => Scheduler switch
    {
        "StepLR" => new StepLR(opt, IntArg("step_size"), Arg("gamma")),
        "MultiStepLR" => new MultiStepLR(opt, Args["milestones"]!.AsArray().Select(m => (int)m!), Arg("gamma")),
        "ExponentialLR" => new ExponentialLR(opt, Arg("gamma")),
        "CosineAnnealingLR" => new CosineAnnealingLR(opt, IntArg("t_max"), Arg("eta_min")),
        "LinearLR" => new LinearLR(opt, Arg("start_factor"), Arg("end_factor"), IntArg("total_iters")),
        "CosineWithWarmup" => new CosineWithWarmup(opt, IntArg("warmup_steps"), IntArg("total_steps"),
            Arg("warmup_start_factor"), Arg("min_lr")),
        "OneCycleLR" => CreateOneCycle(opt),
        "ReduceLROnPlateau" => CreatePlateau(opt),
        var s => throw new InvalidOperationException($"unknown scheduler {s}"),
    };

    private ReduceLROnPlateau CreatePlateau(Optimizer opt)
    {
        var mode = (string)Args["mode"]! == "min" ? PlateauMode.Min : PlateauMode.Max;
        var thresholdMode = (string)Args["threshold_mode"]! == "rel" ? ThresholdMode.Rel : ThresholdMode.Abs;
        return Args["min_lr"] is JsonArray perGroup
            ? new ReduceLROnPlateau(opt, Doubles(perGroup), mode, Arg("factor"), IntArg("patience"), Arg("threshold"),
                thresholdMode, IntArg("cooldown"), Arg("eps"))
            : new ReduceLROnPlateau(opt, mode, Arg("factor"), IntArg("patience"), Arg("threshold"), thresholdMode,
                IntArg("cooldown"), Arg("min_lr"), Arg("eps"));
    }

    private OneCycleLR CreateOneCycle(Optimizer opt)
    {
        var strategy = (string)Args["anneal_strategy"]! == "cos" ? AnnealStrategy.Cos : AnnealStrategy.Linear;
        var (total, pct, cycle) = (IntArg("total_steps"), Arg("pct_start"), (bool)Args["cycle_momentum"]!);
        var (baseM, maxM, div, finalDiv) = (Arg("base_momentum"), Arg("max_momentum"), Arg("div_factor"), Arg("final_div_factor"));
        var three = (bool)Args["three_phase"]!;
        // One max_lr for all groups, or one per group: both constructors.
        return Args["max_lr"] is JsonArray perGroup
            ? new OneCycleLR(opt, Doubles(perGroup), total, pct, strategy, cycle, baseM, maxM, div, finalDiv, three)
            : new OneCycleLR(opt, Arg("max_lr"), total, pct, strategy, cycle, baseM, maxM, div, finalDiv, three);
    }

    /// <summary>Step k (1-based) of the case: a plain step, or the plateau's k-th metric.</summary>
    public void Step(ILRScheduler scheduler, int k)
    {
        if (scheduler is ReduceLROnPlateau plateau) plateau.Step(Metrics[k - 1]);
        else ((LRScheduler)scheduler).Step();
    }

    /// <summary>The case's change of a group's lr from outside the scheduler, if it comes after step k (the fixture
    /// records step k's lr before it).</summary>
    public void Poke(ILRScheduler scheduler, int k)
    {
        if (_json["poke"] is JsonObject poke && (int)poke["after_step"]! == k)
            scheduler.Optimizer.ParamGroups[(int)poke["group"]!].LearningRate *= (double)poke["factor"]!;
    }

    /// <summary>What a step leaves behind: each group's lr and momentum (NaN where not cycled), and for the plateau
    /// its counters.</summary>
    public static double[] Snapshot(ILRScheduler scheduler)
    {
        var values = new List<double>();
        foreach (var g in scheduler.Optimizer.ParamGroups)
        {
            values.Add(g.LearningRate);
            values.Add(MomentumOf(g));
        }
        values.AddRange(scheduler.GetLastLr());
        if (scheduler is ReduceLROnPlateau p) values.AddRange([p.Best, p.NumBadEpochs, p.CooldownCounter, p.LastEpoch]);
        else values.Add(scheduler.LastEpoch);
        return values.ToArray();
    }

    public static double MomentumOf(ParamGroup g) =>
        g.Contains("betas") ? g.GetPair("betas").Item1 : g.Contains("momentum") ? g.GetDouble("momentum") : double.NaN;

    public static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
