using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLRoadmap.Training.Callbacks;

/// <summary>
/// Keeps a run directory's record: <c>config.json</c> (the effective configuration), <c>metrics.jsonl</c> (one JSON
/// row per logged step and epoch, appended as they come), <c>metrics.csv</c> (the same rows as a table, rewritten at
/// each epoch end since new names add columns) and <c>summary.md</c> (how the run ended, best values, checkpoints).
/// A resumed run rewrites the files from the checkpoint's history, so they never hold rows of the lost future.
/// </summary>
public sealed class RunLogger(string runDirectory) : Callback
{
    public const string ConfigFile = "config.json";
    public const string JsonlFile = "metrics.jsonl";
    public const string CsvFile = "metrics.csv";
    public const string SummaryFile = "summary.md";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private Trainer? _trainer;
    private DateTimeOffset _started;

    public string RunDirectory { get; } = runDirectory;

    public override void OnFitStart(Trainer trainer, TrainingModule model)
    {
        Directory.CreateDirectory(RunDirectory);
        _started = DateTimeOffset.UtcNow;
        if (trainer.Config is { } config) AtomicWrite(ConfigFile, JsonSerializer.Serialize(config, Indented) + "\n");
        RewriteAll(trainer);
        _trainer = trainer;
        trainer.History.RowAdded += Append;
    }

    public override void OnTrainEpochEnd(Trainer trainer, TrainingModule model) => WriteCsv(trainer);

    public override void OnFitEnd(Trainer trainer, TrainingModule model)
    {
        Detach();
        WriteCsv(trainer);
        WriteSummary(trainer, model, null);
    }

    public override void OnException(Trainer trainer, TrainingModule model, Exception exception)
    {
        Detach();
        WriteCsv(trainer);
        WriteSummary(trainer, model, exception);
    }

    private void Detach()
    {
        if (_trainer is not null) _trainer.History.RowAdded -= Append;
        _trainer = null;
    }

    private void Append(JsonObject row) =>
        File.AppendAllText(Path.Combine(RunDirectory, JsonlFile), row.ToJsonString() + "\n");

    private void RewriteAll(Trainer trainer)
    {
        var sb = new StringBuilder();
        foreach (var row in trainer.History.Rows) sb.Append(row.ToJsonString()).Append('\n');
        AtomicWrite(JsonlFile, sb.ToString());
        WriteCsv(trainer);
    }

    private void WriteCsv(Trainer trainer)
    {
        var rows = trainer.History.Rows;
        var columns = new List<string> { "kind", "epoch", "step" };
        foreach (var row in rows)
            foreach (var (k, _) in row)
                if (!columns.Contains(k)) columns.Add(k);
        var sb = new StringBuilder();
        sb.AppendJoin(',', columns.Select(Quote)).Append('\n');
        foreach (var row in rows)
            sb.AppendJoin(',', columns.Select(c => row[c] is { } v ? Quote(Cell(v)) : "")).Append('\n');
        AtomicWrite(CsvFile, sb.ToString());
    }

    private static string Cell(JsonNode v) => v is JsonValue jv && jv.TryGetValue<double>(out var d)
        ? d.ToString("R", CultureInfo.InvariantCulture)
        : v is JsonValue s && s.TryGetValue<string>(out var str) ? str : v.ToJsonString();

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private void WriteSummary(Trainer trainer, TrainingModule model, Exception? error)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"# Run {Path.GetFileName(Path.GetFullPath(RunDirectory))}\n\n");
        sb.Append(inv, $"- model: {model.GetType().Name}, device: {trainer.Device}, precision: {trainer.Options.Precision}\n");
        var status = error is not null ? $"failed: {error.Message}" : trainer.StopReason is { } r ? $"stopped: {r}" : "completed";
        sb.Append(inv, $"- status: {status}\n");
        sb.Append(inv, $"- epochs: {trainer.CurrentEpoch}, global steps: {trainer.GlobalStep}, wall time this session: {(DateTimeOffset.UtcNow - _started).TotalSeconds:F1} s\n");
        var ckpt = trainer.Callbacks.OfType<ModelCheckpoint>().FirstOrDefault();
        if (ckpt?.Best is { } best) sb.Append(inv, $"- best checkpoint: {best.Path}{(best.Score is { } s ? $" ({ckpt.Monitor} = {s:G6})" : "")}\n");
        if (trainer.LastCheckpoint is { } last) sb.Append(inv, $"- last checkpoint: {last.Path}\n");
        var lastEpoch = trainer.History.Rows.LastOrDefault(r => (string?)r["kind"] == "epoch");
        if (lastEpoch is not null)
        {
            sb.Append("\n| metric | last epoch | best |\n|---|---|---|\n");
            foreach (var (k, v) in lastEpoch)
            {
                if (k is "kind" or "epoch" or "step" || v is null) continue;
                var maximize = k.Contains("acc", StringComparison.OrdinalIgnoreCase) || k.Contains("f1", StringComparison.OrdinalIgnoreCase) ||
                               k.Contains("auc", StringComparison.OrdinalIgnoreCase) || k.StartsWith("r2", StringComparison.OrdinalIgnoreCase);
                var bestValue = k.StartsWith("lr", StringComparison.Ordinal) ? null : trainer.History.Best(k, maximize);
                sb.Append(inv, $"| {k} | {Json.ToDouble(v):G6} | {(bestValue is { } b ? b.ToString("G6", inv) : "")} |\n");
            }
        }
        AtomicWrite(SummaryFile, sb.ToString());
    }

    private void AtomicWrite(string file, string text)
    {
        var path = Path.Combine(RunDirectory, file);
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
