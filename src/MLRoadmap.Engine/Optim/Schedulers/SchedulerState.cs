using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// Reads a scheduler's state dict (see <see cref="ILRScheduler.StateDict"/>) with errors that name the key: a
/// missing key, a value of the wrong kind, or a list of the wrong length is an <see cref="ArgumentException"/>
/// whose message starts with the scheduler's name and names the key.
/// </summary>
public sealed class SchedulerStateReader
{
    private readonly JsonObject _state;
    private readonly string _type;

    private SchedulerStateReader(JsonObject state, string type)
    {
        _state = state;
        _type = type;
    }

    /// <summary>Opens <paramref name="state"/> for a scheduler named <paramref name="type"/>, refusing the state of
    /// another scheduler (its "type" key).</summary>
    internal static SchedulerStateReader Open(JsonObject state, string type)
    {
        ArgumentNullException.ThrowIfNull(state);
        var reader = new SchedulerStateReader(state, type);
        var found = reader.String("type");
        if (found != type) throw reader.Error($"the state dict is from a {found}, not a {type}");
        return reader;
    }

    /// <summary>An error about this state dict (parameter name "state").</summary>
    public ArgumentException Error(string message, Exception? inner = null) => Bad($"{_type} state dict: {message}", "state", inner);

    // The parameter named is LoadStateDict's, not this method's.
    private static ArgumentException Bad(string message, string parameter, Exception? inner) => new(message, parameter, inner);

    private JsonNode Node(string key)
    {
        if (!_state.TryGetPropertyValue(key, out var node)) throw Error($"key '{key}' is missing");
        return node ?? throw Error($"key '{key}' is null");
    }

    private static string Kind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string \"{node.GetValue<string>()}\"",
        JsonValueKind.True or JsonValueKind.False => "a bool",
        JsonValueKind.Number => $"the number {node.ToJsonString()}",
        _ => node.GetValueKind().ToString(),
    };

    public string String(string key)
    {
        var node = Node(key);
        return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw Error($"'{key}' must be a string, not {Kind(node)}");
    }

    public bool Bool(string key)
    {
        var node = Node(key);
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"'{key}' must be a bool, not {Kind(node)}"),
        };
    }

    /// <summary>A number; NaN and the infinities are accepted as the strings <see cref="StateJson.Number"/> writes.</summary>
    public double Double(string key) => AsDouble(Node(key), key);

    public int Int(string key) => AsInt(Node(key), key);

    /// <summary>A list of numbers, one per parameter group (<paramref name="count"/>).</summary>
    public double[] Doubles(string key, int count)
    {
        var list = List(key);
        if (list.Count != count) throw Error($"'{key}' has {list.Count} entries but the optimizer has {count} parameter groups");
        return list.Select((n, i) => AsDouble(n, $"{key}[{i}]")).ToArray();
    }

    public int[] Ints(string key)
    {
        var list = List(key);
        return list.Select((n, i) => AsInt(n, $"{key}[{i}]")).ToArray();
    }

    /// <summary>Runs a check of values already read (the constructor's own) and reports its failure as a bad state.</summary>
    public void Check(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            check();
        }
        catch (ArgumentException e)
        {
            throw Error($"invalid value: {e.Message}", e);
        }
    }

    private JsonArray List(string key)
    {
        var node = Node(key);
        return node as JsonArray ?? throw Error($"'{key}' must be a list, not {Kind(node)}");
    }

    private double AsDouble(JsonNode? node, string key)
    {
        if (node is null) throw Error($"'{key}' is null");
        if (node is JsonValue v)
        {
            switch (v.GetValueKind())
            {
                case JsonValueKind.Number:
                    if (v.TryGetValue(out double d)) return d;
                    if (v.TryGetValue(out int i)) return i;
                    if (v.TryGetValue(out long l)) return l;
                    if (v.TryGetValue(out float f)) return f;
                    if (v.TryGetValue(out decimal m)) return (double)m;
                    break;
                case JsonValueKind.String:
                    switch (v.GetValue<string>())
                    {
                        case "Infinity": return double.PositiveInfinity;
                        case "-Infinity": return double.NegativeInfinity;
                        case "NaN": return double.NaN;
                    }
                    break;
            }
        }
        throw Error($"'{key}' must be a number, not {Kind(node)}");
    }

    private int AsInt(JsonNode? node, string key)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            if (v.TryGetValue(out int i)) return i;
            var d = AsDouble(node, key);
            if (d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue) return (int)d;
        }
        throw Error(node is null ? $"'{key}' is null" : $"'{key}' must be an integer, not {Kind(node)}");
    }
}

/// <summary>Writing state dict values.</summary>
internal static class StateJson
{
    /// <summary>A number as JSON; NaN and the infinities, which JSON lacks, as the strings .NET parses back.</summary>
    internal static JsonNode Number(double d) =>
        double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));

    internal static JsonArray Numbers(IEnumerable<double> values) => new(values.Select(Number).ToArray());

    internal static JsonArray Ints(IEnumerable<int> values) => new(values.Select(i => (JsonNode)JsonValue.Create(i)).ToArray());
}
