using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace MLRoadmap.Serialization;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each name to
/// its dtype, shape and byte range, then the raw little-endian data. Nothing in it can execute code, which is why
/// checkpoints and fixtures use it.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>A file's tensors (CPU, in file order) and its free-form string metadata. Dispose to free them.</summary>
    public sealed class Contents : IDisposable
    {
        internal Contents(List<KeyValuePair<string, Tensor>> tensors, Dictionary<string, string> metadata)
        {
            Tensors = tensors;
            Metadata = metadata;
            Lookup = tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        }

        public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }
        public IReadOnlyDictionary<string, string> Metadata { get; }
        private Dictionary<string, Tensor> Lookup { get; }

        public Tensor this[string name] => Lookup.TryGetValue(name, out var t)
            ? t
            : throw new KeyNotFoundException($"no tensor named '{name}'");

        public bool Contains(string name) => Lookup.ContainsKey(name);

        public bool TryGet(string name, out Tensor tensor) => Lookup.TryGetValue(name, out tensor!);

        public IEnumerable<string> Names => Tensors.Select(kv => kv.Key);

        public void Dispose()
        {
            foreach (var kv in Tensors) kv.Value.Dispose();
        }
    }

    public static Contents Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses a whole safetensors image. Every length and offset is checked before use, so a truncated or
    /// corrupt file gives a FormatException that says what is wrong, never an over-read.</summary>
    public static Contents Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8) throw new FormatException($"file is {file.Length} bytes, too short for the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(file);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || 8 + headerLength > file.Length)
            throw new FormatException($"header length {headerLength} does not fit a file of {file.Length} bytes");
        var data = file[(int)(8 + headerLength)..];
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(file.Slice(8, (int)headerLength).ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"header is not valid JSON: {e.Message}", e);
        }
        using (header)
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("header is not a JSON object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
            foreach (var property in header.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                entries.Add(ReadEntry(property, data.Length));
            }
            var tensors = new List<KeyValuePair<string, Tensor>>(entries.Count);
            try
            {
                foreach (var e in entries.OrderBy(e => e.Begin))
                {
                    var t = Torch.FromBytes(data[(int)e.Begin..(int)e.End], e.Shape, e.Type).DetachFromDisposeScope();
                    tensors.Add(new(e.Name, t));
                }
            }
            catch
            {
                foreach (var kv in tensors) kv.Value.Dispose();
                throw;
            }
            return new Contents(tensors, metadata);
        }
    }

    private static (string, ScalarType, long[], long, long) ReadEntry(JsonProperty property, long dataLength)
    {
        var name = property.Name;
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("dtype", out var dtypeJson) ||
            !v.TryGetProperty("shape", out var shapeJson) || !v.TryGetProperty("data_offsets", out var offsetsJson))
            throw new FormatException($"tensor '{name}' lacks dtype, shape or data_offsets");
        var type = ParseDtype(dtypeJson.GetString() ?? "", name);
        var shape = shapeJson.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (shape.Any(d => d < 0)) throw new FormatException($"tensor '{name}' has a negative dimension");
        var offsets = offsetsJson.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
            throw new FormatException($"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}] outside the " +
                                      $"{dataLength}-byte data section (truncated file?)");
        long elements = 1;
        foreach (var d in shape) elements = checked(elements * d);
        var expected = checked(elements * type.ElementSize());
        if (offsets[1] - offsets[0] != expected)
            throw new FormatException($"tensor '{name}' spans {offsets[1] - offsets[0]} bytes but {type.TorchName()} " +
                                      $"[{string.Join(", ", shape)}] needs {expected}");
        return (name, type, shape, offsets[0], offsets[1]);
    }

    /// <summary>Writes tensors (any device; copied to the CPU) and string metadata. Names keep the given order.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = File.Create(path);
        Write(stream, tensors, metadata);
    }

    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var list = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kv in list)
            if (!seen.Add(kv.Key)) throw new ArgumentException($"duplicate tensor name '{kv.Key}'");

        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var m in metadata) w.WriteString(m.Key, m.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in list)
            {
                var bytes = t.Numel * t.Dtype.ElementSize();
                w.WriteStartObject(name);
                w.WriteString("dtype", DtypeCode(t.Dtype));
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        // The data section starts 8-byte aligned, as the reference writer pads the header with spaces.
        var headerBytes = json.ToArray();
        var padded = (headerBytes.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, padded);
        stream.Write(length);
        stream.Write(headerBytes);
        for (var i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var (_, t) in list) stream.Write(t.ToBytes());
    }

    private static string DtypeCode(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.UInt8 => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors has no code for {t.TorchName()}"),
    };

    private static ScalarType ParseDtype(string code, string name) => code switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.UInt8,
        "BOOL" => ScalarType.Bool,
        _ => throw new FormatException($"tensor '{name}' has unsupported dtype '{code}'"),
    };
}
