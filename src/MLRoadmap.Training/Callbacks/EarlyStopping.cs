using System.Text.Json.Nodes;

namespace MLRoadmap.Training.Callbacks;

/// <summary>Stops the fit when a monitored value has not improved by more than <c>minDelta</c> for
/// <c>patience</c> consecutive checks (epoch ends), or when it becomes NaN or infinite.</summary>
public sealed class EarlyStopping : Callback
{
    private double? _best;
    private int _wait;

    /// <param name="monitor">The logged value to watch, e.g. "val_loss".</param>
    /// <param name="mode">Min: lower is better (losses); Max: higher is better (accuracy).</param>
    /// <param name="patience">Stop after this many checks in a row without improvement (Lightning's meaning).</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    public EarlyStopping(string monitor, MonitorMode mode = MonitorMode.Min, int patience = 3, double minDelta = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(monitor);
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), $"patience must be 0 or more, not {patience}");
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), $"minDelta must be 0 or more, not {minDelta}");
        Monitor = monitor;
        Mode = mode;
        Patience = patience;
        MinDelta = minDelta;
    }

    public string Monitor { get; }
    public MonitorMode Mode { get; }
    public int Patience { get; }
    public double MinDelta { get; }

    /// <summary>The epoch at which it stopped the run, or null.</summary>
    public int? StoppedEpoch { get; private set; }

    public override void OnTrainEpochEnd(Trainer trainer, TrainingModule model)
    {
        if (!trainer.CallbackMetrics.TryGetValue(Monitor, out var value))
            throw new InvalidOperationException($"EarlyStopping monitors '{Monitor}', which was not logged this epoch; logged: " +
                                                string.Join(", ", trainer.CallbackMetrics.Keys.Order(StringComparer.Ordinal)));
        if (!double.IsFinite(value))
        {
            StoppedEpoch = trainer.CurrentEpoch;
            trainer.RequestStop($"early stopping: {Monitor} is {value}");
            return;
        }
        if (Mode.Improves(value, _best, MinDelta))
        {
            _best = value;
            _wait = 0;
            return;
        }
        if (++_wait >= Patience)
        {
            StoppedEpoch = trainer.CurrentEpoch;
            trainer.RequestStop($"early stopping: {Monitor} did not improve on {_best} for {_wait} epochs");
        }
    }

    public override string StateKey => $"EarlyStopping[{Monitor}]";

    public override JsonObject StateDict() => new()
    {
        ["best"] = _best is { } b ? Json.Number(b) : null,
        ["wait"] = _wait,
        ["stopped_epoch"] = StoppedEpoch,
    };

    public override void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _best = state["best"] is null ? null : Json.ToDouble(state["best"]);
        _wait = (int)state["wait"]!;
        StoppedEpoch = (int?)state["stopped_epoch"];
    }
}
