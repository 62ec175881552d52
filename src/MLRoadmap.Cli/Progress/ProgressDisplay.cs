using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MLRoadmap.Training;

namespace MLRoadmap.Cli.Progress;

/// <summary>
/// The training progress line: epoch, batch/total, the epoch's mean loss so far, the monitored value (from the last
/// validation), it/s and ETA. On a terminal it redraws one line (<c>\r</c>) at most ten times a second; otherwise
/// (a log, a test capturing output) it prints a line every <c>reportPercent</c> of the epoch. Each epoch ends with a
/// summary line of the epoch's logged values and the checkpoint written.
/// </summary>
internal sealed class ProgressDisplay(TextWriter output, string monitor, bool interactive, int reportPercent = 10) : Callback
{
    private const int BarWidth = 20;
    private readonly Stopwatch _epochClock = new();
    private readonly Stopwatch _redrawClock = new();
    private int _firstBatch;
    private double _lossSum;
    private int _lossCount;
    private int _lastReported;
    private int _drawnWidth;

    public override string StateKey => "ProgressDisplay";

    public override void OnTrainEpochStart(Trainer trainer, TrainingModule model)
    {
        _epochClock.Restart();
        _redrawClock.Restart();
        _firstBatch = trainer.BatchInEpoch;   // a run resumed mid-epoch starts here
        _lossSum = 0;
        _lossCount = 0;
        _lastReported = -1;
    }

    public override void OnTrainBatchEnd(Trainer trainer, TrainingModule model, int batchIndex, double loss)
    {
        if (double.IsFinite(loss))
        {
            _lossSum += loss;
            _lossCount++;
        }
        var done = batchIndex + 1;
        var total = trainer.TrainBatches;
        if (interactive)
        {
            if (done < total && _redrawClock.ElapsedMilliseconds < 100) return;
            _redrawClock.Restart();
            Draw(Line(trainer, done, total));
        }
        else
        {
            var step = Math.Max(1, reportPercent);
            var bucket = (int)((long)done * 100 / total) / step;
            if (bucket == _lastReported || bucket == 0) return;
            _lastReported = bucket;
            output.WriteLine(Line(trainer, done, total));
        }
    }

    public override void OnValidationStart(Trainer trainer, TrainingModule model)
    {
        if (interactive) Draw($"epoch {trainer.CurrentEpoch + 1}/{trainer.Options.MaxEpochs}  validating…");
    }

    public override void OnTrainEpochEnd(Trainer trainer, TrainingModule model)
    {
        Clear();
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"epoch {trainer.CurrentEpoch + 1}/{trainer.Options.MaxEpochs}:");
        if (trainer.History.Rows.LastOrDefault(r => (string?)r["kind"] == "epoch") is { } row)
            foreach (var (k, v) in row)
                if (k is not ("kind" or "epoch" or "step") && v is JsonValue value && value.TryGetValue<double>(out var d))
                    sb.Append(inv, $"  {k} {Format(d)}");
        var seconds = _epochClock.Elapsed.TotalSeconds;
        var batches = trainer.TrainBatches - _firstBatch;
        sb.Append(inv, $"  ({seconds:F1} s, {batches / Math.Max(seconds, 1e-9):F0} it/s)");
        if (trainer.LastCheckpoint is { } ckpt && ckpt.GlobalStep == trainer.GlobalStep) sb.Append(inv, $"  saved {ckpt.Name}");
        output.WriteLine(sb.ToString());
        output.Flush();
    }

    public override void OnFitEnd(Trainer trainer, TrainingModule model) => Clear();

    public override void OnException(Trainer trainer, TrainingModule model, Exception exception) => Clear();

    private string Line(Trainer trainer, int done, int total)
    {
        var inv = CultureInfo.InvariantCulture;
        var elapsed = _epochClock.Elapsed.TotalSeconds;
        var rate = (done - _firstBatch) / Math.Max(elapsed, 1e-9);
        var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        var filled = (int)((long)done * BarWidth / total);
        var sb = new StringBuilder();
        sb.Append(inv, $"epoch {trainer.CurrentEpoch + 1}/{trainer.Options.MaxEpochs}  {done.ToString(inv).PadLeft(total.ToString(inv).Length)}/{total} ");
        if (interactive) sb.Append('[').Append('#', filled).Append('-', BarWidth - filled).Append("] ");
        sb.Append(inv, $" loss {(_lossCount > 0 ? Format(_lossSum / _lossCount) : "-")}");
        sb.Append(inv, $"  {monitor} {(trainer.CallbackMetrics.TryGetValue(monitor, out var m) ? Format(m) : "-")}");
        sb.Append(inv, $"  {rate:F1} it/s  ETA {Duration(eta)}");
        return sb.ToString();
    }

    private void Draw(string line)
    {
        var pad = Math.Max(0, _drawnWidth - line.Length);
        output.Write("\r" + line + new string(' ', pad));
        output.Flush();
        _drawnWidth = line.Length;
    }

    private void Clear()
    {
        if (!interactive || _drawnWidth == 0) return;
        output.Write("\r" + new string(' ', _drawnWidth) + "\r");
        _drawnWidth = 0;
    }

    private static string Format(double v) => v.ToString(Math.Abs(v) >= 1e4 || (v != 0 && Math.Abs(v) < 1e-3) ? "G4" : "F4", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
