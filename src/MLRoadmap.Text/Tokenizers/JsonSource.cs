using System.Text.Json;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// Typed reads from a parsed JSON file that fail with an <see cref="InvalidDataException"/> naming the file and
/// the key ("tokenizer.json: model.vocab is missing"), never a bare JSON or cast error.
/// </summary>
internal sealed class JsonSource(string path)
{
    public string Path { get; } = path;

    /// <summary>Parses <paramref name="path"/>; bad or truncated JSON is reported with its line and byte.</summary>
    public static JsonDocument Parse(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{path}: no such tokenizer file", path, e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses <paramref name="bytes"/>, read from <paramref name="name"/> (which errors name).</summary>
    public static JsonDocument Parse(byte[] bytes, string name)
    {
        var path = name;
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            throw new InvalidDataException($"{path}: not valid JSON{where} (a truncated or corrupt file?): {e.Message}", e);
        }
    }

    public InvalidDataException Fail(string where, string problem) => new($"{Path}: {where} {problem}");

    public JsonElement Object(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Fail(where, $"should be an object, not {Describe(e)}");
        return e;
    }

    public JsonElement Array(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Fail(where, $"should be an array, not {Describe(e)}");
        return e;
    }

    /// <summary>A property that must be there (JSON null counts as missing).</summary>
    public JsonElement Required(JsonElement obj, string key, string where)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            throw Fail(Join(where, key), "is missing");
        return value;
    }

    /// <summary>A property that may be absent or null.</summary>
    public static JsonElement? Optional(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string String(JsonElement e, string where) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Fail(where, $"should be a string, not {Describe(e)}");

    public int Int(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var v))
            throw Fail(where, $"should be an integer, not {Describe(e)}");
        return v;
    }

    public bool Bool(JsonElement e, string where) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Fail(where, $"should be true or false, not {Describe(e)}"),
    };

    public string RequiredString(JsonElement obj, string key, string where) => String(Required(obj, key, where), Join(where, key));

    public int RequiredInt(JsonElement obj, string key, string where) => Int(Required(obj, key, where), Join(where, key));

    public string? OptionalString(JsonElement obj, string key, string where) =>
        Optional(obj, key) is { } v ? String(v, Join(where, key)) : null;

    public int? OptionalInt(JsonElement obj, string key, string where) =>
        Optional(obj, key) is { } v ? Int(v, Join(where, key)) : null;

    public bool? OptionalBool(JsonElement obj, string key, string where) =>
        Optional(obj, key) is { } v ? Bool(v, Join(where, key)) : null;

    /// <summary>A token-to-id object ("model.vocab"), checked for repeated ids and tokens.</summary>
    public Vocabulary Vocab(JsonElement e, string where)
    {
        Object(e, where);
        var entries = new List<KeyValuePair<string, int>>();
        foreach (var p in e.EnumerateObject()) entries.Add(new(p.Name, Int(p.Value, $"{where}[\"{p.Name}\"]")));
        try
        {
            return new Vocabulary(entries);
        }
        catch (ArgumentException ex)
        {
            throw Fail(where, ex.Message);
        }
    }

    public static string Join(string where, string key) => where.Length == 0 ? key : $"{where}.{key}";

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Shorten(e.GetString()!)}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
