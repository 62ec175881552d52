using System.Text.Json.Nodes;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Training.Callbacks;

/// <summary>
/// Saves checkpoints during a fit and decides which to keep: the best <c>saveTopK</c> by a monitored value (or the
/// newest k without one), plus the <c>keepLast</c> newest of all, so a resumable checkpoint always survives, and a
/// newest one damaged on disk still has a predecessor to resume from. Old checkpoints are deleted only after the new
/// one is completely written.
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    private readonly List<Entry> _saved = [];

    /// <param name="directory">Where checkpoints go (a run's <c>checkpoints/</c>).</param>
    /// <param name="monitor">A logged value (e.g. "val_loss") ranking checkpoints; null ranks by recency.</param>
    /// <param name="mode">Whether the smallest or the largest monitored value is best.</param>
    /// <param name="saveTopK">How many ranked checkpoints to keep; -1 keeps every one, 0 keeps none (but the last).</param>
    /// <param name="keepLast">How many of the newest checkpoints to keep whatever their rank: 2, so that --resume has
    /// the previous one to fall back on if the newest is damaged; 0 keeps only the ranked ones.</param>
    /// <param name="everyNSteps">Also save every this many optimizer steps (mid-epoch); null: only at epoch ends.</param>
    /// <param name="everyNEpochs">Save at the end of every this many epochs; 0: not at epoch ends.</param>
    public ModelCheckpoint(string directory, string? monitor = null, MonitorMode mode = MonitorMode.Min, int saveTopK = 1,
        int keepLast = 2, int? everyNSteps = null, int everyNEpochs = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (saveTopK < -1) throw new ArgumentOutOfRangeException(nameof(saveTopK), $"saveTopK must be -1 (all), 0 or more, not {saveTopK}");
        if (keepLast < 0) throw new ArgumentOutOfRangeException(nameof(keepLast), $"keepLast must be 0 or more, not {keepLast}");
        if (everyNSteps is < 1) throw new ArgumentOutOfRangeException(nameof(everyNSteps), $"everyNSteps must be at least 1, not {everyNSteps}");
        if (everyNEpochs < 0) throw new ArgumentOutOfRangeException(nameof(everyNEpochs), $"everyNEpochs must be 0 or more, not {everyNEpochs}");
        Directory = directory;
        Monitor = monitor;
        Mode = mode;
        SaveTopK = saveTopK;
        KeepLast = keepLast;
        EveryNSteps = everyNSteps;
        EveryNEpochs = everyNEpochs;
    }

    public string Directory { get; }
    public string? Monitor { get; }
    public MonitorMode Mode { get; }
    public int SaveTopK { get; }
    public int KeepLast { get; }
    public int? EveryNSteps { get; }
    public int EveryNEpochs { get; }

    /// <summary>The best checkpoint kept so far (by the monitor; the newest without one).</summary>
    public CheckpointInfo? Best => Ranked().FirstOrDefault()?.Info;

    /// <summary>The checkpoints this callback currently keeps, oldest first.</summary>
    public IReadOnlyList<CheckpointInfo> Kept => [.. _saved.Select(e => e.Info)];

    public override void OnFitStart(Trainer trainer, TrainingModule model)
    {
        CheckpointStore.CleanTemporary(Directory);
        // After a resume, forget entries whose directory is gone (deleted by hand, or never completed).
        _saved.RemoveAll(e => !System.IO.Directory.Exists(e.Info.Path));
        // The checkpoint resumed from was written after its own callback state was taken: track it now.
        if (trainer.LastCheckpoint is { } resumed && _saved.TrueForAll(e => e.Info.Path != resumed.Path) &&
            string.Equals(Path.GetFullPath(Path.GetDirectoryName(resumed.Path)!), Path.GetFullPath(Directory), StringComparison.Ordinal))
            _saved.Add(new Entry(resumed));
    }

    public override void OnTrainBatchEnd(Trainer trainer, TrainingModule model, int batchIndex, double loss)
    {
        if (EveryNSteps is { } n && trainer.GlobalStep % n == 0 && !SavedAt(trainer.GlobalStep) && IsStepBoundary(trainer))
            Save(trainer, "every_n_steps");
    }

    public override void OnTrainEpochEnd(Trainer trainer, TrainingModule model)
    {
        if (EveryNEpochs > 0 && (trainer.CurrentEpoch + 1) % EveryNEpochs == 0) Save(trainer, "epoch_end");
    }

    public override void OnFitEnd(Trainer trainer, TrainingModule model)
    {
        // A run that stopped mid-epoch (MaxSteps) still leaves a checkpoint of where it stopped.
        if (KeepLast > 0 && !SavedAt(trainer.GlobalStep) && trainer.GlobalStep > 0) Save(trainer, "fit_end");
    }

    /// <summary>Saves now (an interrupt), keeping it as the last checkpoint.</summary>
    public CheckpointInfo SaveNow(Trainer trainer, string reason)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Save(trainer, reason);
    }

    private static bool IsStepBoundary(Trainer trainer) =>
        trainer.BatchInEpoch % trainer.Options.AccumulateGradBatches == 0 || trainer.BatchInEpoch == trainer.TrainBatches;

    private bool SavedAt(long step) => _saved.Count > 0 && _saved[^1].Info.GlobalStep == step;

    private CheckpointInfo Save(Trainer trainer, string reason)
    {
        double? score = null;
        if (Monitor is not null && trainer.CallbackMetrics.TryGetValue(Monitor, out var v) && !double.IsNaN(v)) score = v;
        var info = trainer.SaveCheckpoint(Directory, reason, monitor: Monitor, score: score);
        _saved.RemoveAll(e => e.Info.Path == info.Path);   // the same step saved again replaced the directory
        _saved.Add(new Entry(info));
        Prune();
        return info;
    }

    private IEnumerable<Entry> Ranked()
    {
        if (Monitor is null) return Enumerable.Reverse(_saved);
        var scored = _saved.Where(e => e.Info.Score is not null);
        return Mode == MonitorMode.Min
            ? scored.OrderBy(e => e.Info.Score).ThenByDescending(e => e.Info.GlobalStep)
            : scored.OrderByDescending(e => e.Info.Score).ThenByDescending(e => e.Info.GlobalStep);
    }

    private void Prune()
    {
        var keep = new HashSet<Entry>(ReferenceEqualityComparer.Instance);
        foreach (var e in SaveTopK < 0 ? Ranked() : Ranked().Take(SaveTopK)) keep.Add(e);
        foreach (var e in Enumerable.Reverse(_saved).Take(KeepLast)) keep.Add(e);
        if (keep.Count == 0) keep.Add(_saved[^1]);
        foreach (var e in _saved.Where(e => !keep.Contains(e)).ToList())
        {
            CheckpointStore.Delete(e.Info.Path);
            _saved.Remove(e);
        }
    }

    public override JsonObject StateDict()
    {
        var list = new JsonArray();
        foreach (var e in _saved)
            list.Add(new JsonObject
            {
                ["name"] = e.Info.Name,
                ["epoch"] = e.Info.Epoch,
                ["global_step"] = e.Info.GlobalStep,
                ["created"] = e.Info.Created.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["reason"] = e.Info.Reason,
                ["score"] = e.Info.Score is { } s ? Json.Number(s) : null,
            });
        return new JsonObject { ["monitor"] = Monitor, ["mode"] = Mode.ToString(), ["saved"] = list };
    }

    public override void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _saved.Clear();
        foreach (var node in (JsonArray)state["saved"]!)
        {
            var o = (JsonObject)node!;
            _saved.Add(new Entry(new CheckpointInfo(Path.Combine(Directory, (string)o["name"]!), (int)o["epoch"]!, (long)o["global_step"]!,
                DateTimeOffset.Parse((string)o["created"]!, System.Globalization.CultureInfo.InvariantCulture), (string?)o["reason"] ?? "",
                Monitor, o["score"] is null ? null : Json.ToDouble(o["score"]))));
        }
    }

    private sealed record Entry(CheckpointInfo Info);
}
