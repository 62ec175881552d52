using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Metrics;

namespace MLRoadmap.Training;

/// <summary>One stage's logged values over an epoch: batch-size-weighted means of plain values, plus the metrics
/// logged (computed at the end).</summary>
internal sealed class EpochLog
{
    private readonly Dictionary<string, (double Sum, double Weight)> _means = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Metric> _metrics = new(StringComparer.Ordinal);

    public HashSet<string> ProgressBar { get; } = new(StringComparer.Ordinal);

    public void Add(string name, double value, double weight, bool progressBar)
    {
        if (_metrics.ContainsKey(name)) throw new InvalidOperationException($"'{name}' is logged both as a metric and as a value");
        _means[name] = _means.TryGetValue(name, out var m) ? (m.Sum + value * weight, m.Weight + weight) : (value * weight, weight);
        if (progressBar) ProgressBar.Add(name);
    }

    public void AddMetric(string name, Metric metric, bool progressBar)
    {
        if (_means.ContainsKey(name)) throw new InvalidOperationException($"'{name}' is logged both as a metric and as a value");
        _metrics[name] = metric;
        if (progressBar) ProgressBar.Add(name);
    }

    public bool IsEmpty => _means.Count == 0 && _metrics.Count == 0;

    /// <summary>The epoch's values; resets the metrics it computed.</summary>
    public Dictionary<string, double> Complete()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, (sum, weight)) in _means) values[name] = weight > 0 ? sum / weight : double.NaN;
        foreach (var (name, metric) in _metrics)
        {
            values[name] = metric.Compute();
            metric.Reset();
        }
        Clear();
        return values;
    }

    public void Clear()
    {
        _means.Clear();
        _metrics.Clear();
        ProgressBar.Clear();
    }

    /// <summary>The partial means (metrics checkpoint their own state), for a mid-epoch checkpoint.</summary>
    public JsonObject StateDict()
    {
        var o = new JsonObject();
        foreach (var (name, (sum, weight)) in _means)
            o[name] = new JsonObject { ["sum"] = Json.Number(sum), ["weight"] = Json.Number(weight) };
        o["_metrics"] = new JsonArray([.. _metrics.Keys.Select(k => (JsonNode)k)]);
        o["_progress_bar"] = new JsonArray([.. ProgressBar.Select(k => (JsonNode)k)]);
        return o;
    }

    public void LoadStateDict(JsonObject state, IReadOnlyDictionary<string, Metric> registered)
    {
        Clear();
        foreach (var (name, node) in state)
        {
            if (name == "_metrics")
            {
                foreach (var m in node!.AsArray())
                {
                    var key = (string)m!;
                    _metrics[key] = registered.TryGetValue(key, out var metric)
                        ? metric
                        : throw new InvalidOperationException($"the checkpoint logged metric '{key}', which the training module does not register");
                }
            }
            else if (name == "_progress_bar")
            {
                foreach (var m in node!.AsArray()) ProgressBar.Add((string)m!);
            }
            else
            {
                _means[name] = (Json.ToDouble(node!["sum"]), Json.ToDouble(node!["weight"]));
            }
        }
    }
}

/// <summary>Every logged row of a run, in order: a "step" row every LogEveryNSteps steps and an "epoch" row at each
/// epoch's end. It is checkpointed, so a resumed run's metrics files hold exactly the uninterrupted run's rows.</summary>
public sealed class MetricsHistory
{
    private readonly List<JsonObject> _rows = [];

    public IReadOnlyList<JsonObject> Rows => _rows;

    public event Action<JsonObject>? RowAdded;

    internal JsonObject Add(string kind, int epoch, long step, IReadOnlyDictionary<string, double> values)
    {
        var row = new JsonObject { ["kind"] = kind, ["epoch"] = epoch, ["step"] = step };
        foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) row[k] = Json.Number(v);
        _rows.Add(row);
        RowAdded?.Invoke(row);
        return row;
    }

    /// <summary>The best value of <paramref name="name"/> over the epoch rows (min or max), if it was logged.</summary>
    public double? Best(string name, bool maximize)
    {
        double? best = null;
        foreach (var row in _rows)
        {
            if ((string?)row["kind"] != "epoch" || row[name] is null) continue;
            var v = Json.ToDouble(row[name]);
            if (double.IsNaN(v)) continue;
            if (best is null || (maximize ? v > best : v < best)) best = v;
        }
        return best;
    }

    internal JsonArray ToJson() => new([.. _rows.Select(r => r.DeepClone())]);

    internal void Load(JsonArray rows)
    {
        _rows.Clear();
        foreach (var r in rows) _rows.Add(r!.AsObject().DeepClone().AsObject());
    }
}

/// <summary>JSON has no NaN or infinities: they travel as strings and come back as doubles.</summary>
internal static class Json
{
    public static JsonNode Number(double d) =>
        double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));

    public static double ToDouble(JsonNode? node) => node switch
    {
        null => throw new FormatException("a number is missing"),
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new FormatException($"'{node.ToJsonString()}' is not a number"),
    };
}
