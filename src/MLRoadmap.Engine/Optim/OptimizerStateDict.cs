using System.Globalization;
using System.Text;
using System.Text.Json;
using MLRoadmap.Serialization;

namespace MLRoadmap.Optim;

/// <summary>One entry of a state dict's <c>param_groups</c>: the hyperparameters by PyTorch name, and the indices of
/// the group's parameters (counted across all groups, in order).</summary>
public sealed record ParamGroupState(IReadOnlyDictionary<string, object> Options, IReadOnlyList<int> Params);

/// <summary>
/// An optimizer's state in PyTorch's layout: <see cref="State"/> maps a parameter index to its named state tensors
/// ("step", "exp_avg", ...), and <see cref="ParamGroups"/> holds each group's hyperparameters and parameter indices.
/// </summary>
/// <remarks>
/// <para>Serialised as two parts, so a trainer's checkpoint can embed it: the tensors, named
/// <c>state.&lt;index&gt;.&lt;name&gt;</c> (<see cref="Tensors"/>, optionally under a prefix), and a JSON document with
/// the optimizer's name, the groups and which state each index has (<see cref="ToJson"/>). <see cref="Save"/> writes
/// both into one safetensors file, the JSON under the metadata key <c>optimizer</c>.</para>
/// <para>The state dict owns its tensor handles (aliases of the optimizer's state, or of the tensors it was built
/// from); <see cref="Dispose"/> frees those handles, never the optimizer's state.</para>
/// </remarks>
/// <example>
/// JSON of an Adam over two groups, after some steps:
/// <code>
/// {"format":"mlroadmap.optimizer/1","optimizer":"Adam",
///  "param_groups":[{"lr":0.001,"betas":[0.9,0.999],"eps":1e-08,"weight_decay":0,"amsgrad":false,"maximize":false,"fused":false,"params":[0]},
///                  {"lr":0.0005,...,"params":[1]}],
///  "state":{"0":["step","exp_avg","exp_avg_sq"],"1":["step","exp_avg","exp_avg_sq"]}}
/// </code>
/// </example>
public sealed class OptimizerStateDict : IDisposable
{
    /// <summary>Written into the JSON; a reader refuses any other.</summary>
    public const string Format = "mlroadmap.optimizer/1";

    /// <summary>The safetensors metadata key <see cref="Save"/> puts the JSON under.</summary>
    public const string MetadataKey = "optimizer";

    private bool _disposed;

    internal OptimizerStateDict(string optimizer, IReadOnlyDictionary<int, IReadOnlyDictionary<string, Tensor>> state,
        IReadOnlyList<ParamGroupState> paramGroups)
    {
        Optimizer = optimizer;
        State = state;
        ParamGroups = paramGroups;
    }

    /// <summary>The optimizer's <see cref="Optim.Optimizer.Name"/>: "SGD", "Adam", "AdamW", "RMSprop".</summary>
    public string Optimizer { get; }

    /// <summary>Parameter index → state name → tensor, in index order.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, Tensor>> State { get; }

    public IReadOnlyList<ParamGroupState> ParamGroups { get; }

    public bool IsDisposed => _disposed;

    /// <summary>The state tensors named <c>{prefix}state.{index}.{name}</c>, in index order.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Tensors(string prefix = "")
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var (index, tensors) in State)
            foreach (var (name, t) in tensors)
                yield return new($"{prefix}state.{index.ToString(CultureInfo.InvariantCulture)}.{name}", t);
    }

    /// <summary>Everything but the tensors: the optimizer name, the groups, and which state each index has.</summary>
    public string ToJson()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("optimizer", Optimizer);
            w.WriteStartArray("param_groups");
            foreach (var group in ParamGroups)
            {
                w.WriteStartObject();
                foreach (var (name, value) in group.Options)
                {
                    w.WritePropertyName(name);
                    WriteValue(w, value);
                }
                w.WriteStartArray("params");
                foreach (var i in group.Params) w.WriteNumberValue(i);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("state");
            foreach (var (index, tensors) in State)
            {
                w.WriteStartArray(index.ToString(CultureInfo.InvariantCulture));
                foreach (var name in tensors.Keys) w.WriteStringValue(name);
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter w, object value)
    {
        switch (value)
        {
            case bool b: w.WriteBooleanValue(b); break;
            case double d: WriteNumber(w, d); break;
            case ValueTuple<double, double> pair:
                w.WriteStartArray();
                WriteNumber(w, pair.Item1);
                WriteNumber(w, pair.Item2);
                w.WriteEndArray();
                break;
            default: throw new InvalidOperationException($"a hyperparameter of type {value.GetType().Name} can't be written");
        }
    }

    // JSON has no NaN or infinities; they are written as the strings .NET parses back.
    private static void WriteNumber(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d)) w.WriteNumberValue(d);
        else w.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Rebuilds a state dict from <see cref="ToJson"/>'s text and the tensors of <see cref="Tensors"/>
    /// (other names, and names outside the prefix, are ignored). The tensors are aliased, not taken: the caller still
    /// owns and disposes its own.</summary>
    public static OptimizerStateDict FromTensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, string json, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(prefix);
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
            if (name.StartsWith(prefix + "state.", StringComparison.Ordinal)) byName[name] = t;

        string optimizer;
        var groups = new List<ParamGroupState>();
        var listed = new List<(int Index, string[] Names)>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var format = root.TryGetProperty("format", out var f) ? f.GetString() : null;
            if (format != Format) throw new FormatException($"format is '{format}', expected '{Format}'");
            optimizer = root.GetProperty("optimizer").GetString() ?? throw new FormatException("optimizer is null");
            foreach (var g in root.GetProperty("param_groups").EnumerateArray())
            {
                var options = new Dictionary<string, object>(StringComparer.Ordinal);
                var ids = new List<int>();
                foreach (var property in g.EnumerateObject())
                {
                    if (property.Name == "params") ids.AddRange(property.Value.EnumerateArray().Select(e => e.GetInt32()));
                    else options[property.Name] = ReadValue(property.Name, property.Value);
                }
                groups.Add(new ParamGroupState(options, ids));
            }
            foreach (var entry in root.GetProperty("state").EnumerateObject())
            {
                if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    throw new FormatException($"state key '{entry.Name}' is not a parameter index");
                listed.Add((index, entry.Value.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"optimizer state JSON is malformed: {e.Message}", e);
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        var state = new SortedDictionary<int, IReadOnlyDictionary<string, Tensor>>();
        try
        {
            foreach (var (index, names) in listed)
            {
                var aliases = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                state[index] = aliases;
                foreach (var name in names)
                {
                    var key = $"{prefix}state.{index.ToString(CultureInfo.InvariantCulture)}.{name}";
                    if (!byName.TryGetValue(key, out var t)) throw new FormatException($"tensor '{key}' is listed in the JSON but missing");
                    aliases[name] = t.Alias().DetachFromDisposeScope();
                    used.Add(key);
                }
            }
            var extra = byName.Keys.Where(k => !used.Contains(k)).Order(StringComparer.Ordinal).ToList();
            if (extra.Count > 0) throw new FormatException($"tensors not listed in the JSON's state: {string.Join(", ", extra)}");
        }
        catch
        {
            foreach (var t in state.Values.SelectMany(s => s.Values)) t.Dispose();
            throw;
        }
        return new OptimizerStateDict(optimizer, state, groups);
    }

    private static object ReadValue(string name, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => double.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValueKind.Array when e.GetArrayLength() == 2 => (ReadNumber(e[0]), ReadNumber(e[1])),
        _ => throw new FormatException($"hyperparameter '{name}' has an unsupported value {e.GetRawText()}"),
    };

    private static double ReadNumber(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? double.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
        : e.GetDouble();

    /// <summary>Writes one safetensors file: the tensors of <see cref="Tensors"/> and <see cref="ToJson"/> under the
    /// metadata key <see cref="MetadataKey"/>. Written to a temporary file first and then renamed over
    /// <paramref name="path"/>, so a crash never leaves a half-written file behind.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = path + ".tmp";
        SafeTensors.Save(temporary, Tensors(), new Dictionary<string, string> { [MetadataKey] = ToJson() });
        File.Move(temporary, path, overwrite: true);
    }

    public static OptimizerStateDict Load(string path)
    {
        using var contents = SafeTensors.Load(path);
        if (!contents.Metadata.TryGetValue(MetadataKey, out var json))
            throw new FormatException($"{path}: no '{MetadataKey}' metadata; not an optimizer state file");
        return FromTensors(contents.Tensors, json);
    }

    /// <summary>Frees this state dict's tensor handles (the optimizer's own state is untouched).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in State.Values.SelectMany(s => s.Values)) t.Dispose();
    }
}
