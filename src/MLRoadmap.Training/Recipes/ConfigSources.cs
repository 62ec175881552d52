using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MLRoadmap.Training.Recipes;

/// <summary>
/// Turns config sources into <see cref="ConfigEntry"/>s for <see cref="ConfigBinder"/>: YAML and JSON files (nested
/// maps and dotted keys both work: <c>trainer: {max_epochs: 3}</c> is <c>trainer.max_epochs: 3</c>), parsed JSON
/// (a run's config.json, a checkpoint's <c>config</c>) and <c>key=value</c> assignments.
/// </summary>
public static class ConfigSources
{
    /// <summary>Reads a config file: JSON when it ends in .json, YAML otherwise (.yaml, .yml).</summary>
    public static IReadOnlyList<ConfigEntry> FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ConfigException($"config file {path} does not exist");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"config file {path} can't be read: {e.Message}", e);
        }
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? FromJsonText(text, path) : FromYamlText(text, path);
    }

    /// <summary>Entries from JSON text; <paramref name="name"/> names the source in messages.</summary>
    public static IReadOnlyList<ConfigEntry> FromJsonText(string text, string name)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{name} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        if (node is not JsonObject o) throw new ConfigException($"{name}: the top level must be an object of keys");
        return FromJson(o, name);
    }

    /// <summary>Entries from a JSON object (nested objects are sections).</summary>
    public static IReadOnlyList<ConfigEntry> FromJson(JsonObject json, string name)
    {
        ArgumentNullException.ThrowIfNull(json);
        var entries = new List<ConfigEntry>();
        Flatten(json, "", name, entries);
        return entries;
    }

    private static void Flatten(JsonObject o, string prefix, string name, List<ConfigEntry> entries)
    {
        foreach (var (k, v) in o)
        {
            var key = prefix + k;
            switch (v)
            {
                case null:
                    entries.Add(new ConfigEntry(key, null, $"{name} ({key})"));
                    break;
                case JsonObject child:
                    Flatten(child, key + ".", name, entries);
                    break;
                case JsonArray:
                    throw new ConfigException($"{name}: '{key}' is a list; config keys hold single values");
                case JsonValue value:
                    entries.Add(new ConfigEntry(key, value.TryGetValue<string>(out var s) ? s : value.ToJsonString(), $"{name} ({key})"));
                    break;
            }
        }
    }

    /// <summary>Entries from YAML text (one document, a map at the top).</summary>
    public static IReadOnlyList<ConfigEntry> FromYamlText(string text, string name)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{name} is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.InnerException?.Message ?? e.Message}", e);
        }
        var entries = new List<ConfigEntry>();
        if (stream.Documents.Count == 0) return entries;
        if (stream.Documents.Count > 1) throw new ConfigException($"{name} holds {stream.Documents.Count} YAML documents; a config is one");
        switch (stream.Documents[0].RootNode)
        {
            case YamlMappingNode map:
                Flatten(map, "", name, entries);
                break;
            case YamlScalarNode { Value: null or "" }:
                break;   // an empty file
            default:
                throw new ConfigException($"{name}: the top level must be a map of keys");
        }
        return entries;
    }

    private static void Flatten(YamlMappingNode map, string prefix, string name, List<ConfigEntry> entries)
    {
        foreach (var (k, v) in map.Children)
        {
            var line = k.Start.Line.ToString(CultureInfo.InvariantCulture);
            if (k is not YamlScalarNode { Value: { } keyText }) throw new ConfigException($"{name} line {line}: a key must be a plain name");
            var key = prefix + keyText;
            switch (v)
            {
                case YamlMappingNode child:
                    Flatten(child, key + ".", name, entries);
                    break;
                case YamlSequenceNode:
                    throw new ConfigException($"{name} line {line}: '{key}' is a list; config keys hold single values");
                case YamlScalarNode scalar:
                    // A plain null, ~ or empty value is YAML's null; a quoted "null" is the string.
                    var isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
                    entries.Add(new ConfigEntry(key, isNull ? null : scalar.Value, $"{name} line {line}"));
                    break;
                default:
                    throw new ConfigException($"{name} line {line}: '{key}' has a value of an unsupported kind ({v.NodeType})");
            }
        }
    }

    /// <summary>A <c>key=value</c> assignment (from <c>--set</c>).</summary>
    public static ConfigEntry FromAssignment(string assignment, string source = "--set")
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new ConfigException($"{source} {assignment}: expected key=value, e.g. {source} trainer.max_epochs=3");
        return new ConfigEntry(assignment[..eq].Trim(), assignment[(eq + 1)..], $"{source} {assignment}");
    }
}
