using System.Buffers.Binary;
using System.Numerics;

namespace MLRoadmap.Serialization;

/// <summary>
/// torch.save's format before PyTorch 1.6 (still written with <c>_use_new_zipfile_serialization=False</c>): five
/// pickles back to back (a magic number, the protocol version 1001, a dict of system facts, the object itself, the
/// list of storage keys in data order), then each storage as a little-endian int64 element count and its raw bytes.
/// The storages come after the object that uses them, so the object pickle is read twice: once to learn each
/// storage's type and size, once more to build the tensors on the data.
/// </summary>
internal static class PyTorchLegacy
{
    private static readonly BigInteger Magic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);
    private const long ProtocolVersion = 1001;

    public static PyTorchPickle.Contents Load(Stream file, string path)
    {
        if (file.Length > Array.MaxLength) throw new FormatException($"{path}: a legacy-format file over {Array.MaxLength} bytes is not supported");
        var data = new byte[file.Length];
        file.ReadExactly(data);

        var pos = 0;
        var magic = Plain(data, ref pos, path, "magic number");
        if (!(magic is BigInteger m && m == Magic))
            throw new FormatException($"{path}: a pickle, but not a torch.save file (it does not start with torch's magic number)");
        var protocol = Plain(data, ref pos, path, "protocol version");
        if (protocol is not ProtocolVersion)
            throw new FormatException($"{path}: legacy torch.save protocol version {PickleFormat.Describe(protocol)}, expected {ProtocolVersion}");
        if (Plain(data, ref pos, path, "system info") is not PickleDict info || !info.TryGetValue("little_endian", out var little))
            throw new FormatException($"{path}: the legacy header's system info is not a dict with 'little_endian'");
        if (little is not true) throw new FormatException($"{path}: written on a big-endian machine; only little-endian files are supported");

        var objectStart = pos;
        int afterObject;
        Dictionary<string, (TorchStorageType Type, long Numel)> storages;
        using (var survey = new TorchPickleReader(path, loadStorage: null))
        {
            survey.Read(data, objectStart, data.Length, "object pickle", out afterObject);
            storages = new(survey.Storages, StringComparer.Ordinal);
        }
        pos = afterObject;
        var keys = Plain(data, ref pos, path, "storage key list") as List<object?>
                   ?? throw new FormatException($"{path}: the legacy storage key list is not a list");

        var spans = new Dictionary<string, (int Start, int Length)>(StringComparer.Ordinal);
        foreach (var k in keys)
        {
            if (k is not string key || !storages.TryGetValue(key, out var s))
                throw new FormatException($"{path}: the storage key list names {PickleFormat.Describe(k)}, which the object does not use");
            if (data.Length - pos < 8) throw Truncated(path, key, pos);
            var numel = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(pos, 8));
            if (numel != s.Numel)
                throw new FormatException($"{path}: storage '{key}' at offset {pos} holds {numel} elements, but the object says {s.Numel}");
            var length = checked(numel * s.Type.Dtype.ElementSize());
            if (length > data.Length - pos - 8) throw Truncated(path, key, pos);
            spans[key] = (pos + 8, (int)length);
            pos += 8 + (int)length;
        }
        var missing = storages.Keys.FirstOrDefault(k => !spans.ContainsKey(k));
        if (missing is not null) throw new FormatException($"{path}: storage '{missing}' is used but not stored in the file");

        using var reader = new TorchPickleReader(path, (key, type, numel) =>
            Torch.FromBytes(data.AsSpan(spans[key].Start, spans[key].Length), [numel], type.Dtype));
        try
        {
            var root = reader.Read(data, objectStart, data.Length, "object pickle", out _);
            return new PyTorchPickle.Contents(path, "legacy", root, reader.Tensors);
        }
        catch
        {
            foreach (var t in reader.Tensors) t.Dispose();
            throw;
        }
    }

    // The header pickles hold only numbers, strings, lists and dicts: no global is allowed.
    private static object? Plain(byte[] data, ref int pos, string path, string what)
    {
        var unpickler = new Unpickler(data, pos, data.Length, $"{path}: {what}", (_, _) => null, persistentLoad: null);
        var value = unpickler.Load();
        pos = unpickler.Position;
        return value;
    }

    private static FormatException Truncated(string path, string key, int pos) =>
        new($"{path}: storage '{key}' at offset {pos} runs past the end of the file; truncated file?");
}
