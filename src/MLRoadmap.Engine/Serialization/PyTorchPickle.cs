using System.IO.Compression;
using MLRoadmap.NN;

namespace MLRoadmap.Serialization;

/// <summary>
/// Reads files written by <c>torch.save</c> (<c>.pth</c>, <c>.pt</c>, <c>.ckpt</c>) without running any of their code.
/// </summary>
/// <remarks>
/// <para>Both formats are read: the zip archive torch.save writes since PyTorch 1.6 (<c>&lt;name&gt;/data.pkl</c>,
/// <c>&lt;name&gt;/data/&lt;key&gt;</c> storage files, <c>version</c>, <c>byteorder</c>), and the older one
/// (<c>_use_new_zipfile_serialization=False</c>: a magic number, the pickled object, then the raw storages). The
/// format is read from the file's first bytes, not its name. Older tar-based files and TorchScript archives
/// (<c>torch.jit.save</c>) are refused by name.</para>
/// <para>The pickle is read by our own data-only <see cref="Unpickler"/>. It builds Python's plain data itself and
/// accepts only this allow-list of globals: <c>collections.OrderedDict</c>; <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>_rebuild_tensor</c>, <c>_rebuild_parameter</c>, <c>_rebuild_parameter_with_state</c>; the storage types
/// <c>torch.{Float,Double,Half,BFloat16,Long,Int,Short,Char,Byte,Bool,Untyped}Storage</c>; the dtypes
/// (<c>torch.float32</c>, ...), <c>torch.Size</c> and <c>torch.device</c>; and the builtins pickle
/// writes for sets and bytes (<c>set</c>, <c>frozenset</c>, <c>bytes()</c>, <c>_codecs.encode(str, 'latin1')</c>),
/// each implemented here. Any other global (<c>os.system</c>, <c>builtins.eval</c>, a model class, numpy scalars,
/// <c>argparse.Namespace</c>) throws <see cref="ForbiddenGlobalException"/> naming it; nothing is ever imported or
/// called.</para>
/// <para>Python values come back as: None → null, bool, int → long (System.Numerics.BigInteger beyond 64 bits),
/// float → double, str → string, bytes → byte[], tuple → object?[], list → List&lt;object?&gt;, dict and OrderedDict →
/// <see cref="PickleDict"/>, set → HashSet&lt;object?&gt;, torch dtype → <see cref="ScalarType"/>, torch.Size →
/// object?[] of longs, torch.device → string ("cuda:1"), tensor or Parameter → <see cref="Tensor"/> (CPU, whatever
/// device it was saved from; never requiring grad). A tensor is a view of its storage with the saved size, stride
/// and offset, so tensors that shared a storage in PyTorch share it here, and non-contiguous ones stay so.</para>
/// <para>Corrupt input (a truncated zip, a missing data.pkl or storage, a storage of the wrong size, a malformed
/// pickle) throws a <see cref="FormatException"/> (an <see cref="UnpicklingException"/> for the pickle) whose message
/// starts with the path and names the entry, offset or key at fault.</para>
/// </remarks>
public static class PyTorchPickle
{
    /// <summary>The keys, in this order, under which <see cref="Contents.ToStateDict"/> looks for a state dict in a
    /// checkpoint dict that is not one itself (Lightning: state_dict; PyTorch's tutorial: model_state_dict;
    /// torchvision's reference scripts: model).</summary>
    public static IReadOnlyList<string> StateDictKeys { get; } = ["state_dict", "model_state_dict", "model"];

    /// <summary>What a torch.save file held: the unpickled object and the tensors in it, which this owns.</summary>
    public sealed class Contents : IDisposable
    {
        internal Contents(string source, string format, object? root, List<Tensor> tensors)
        {
            Source = source;
            Format = format;
            Root = root;
            Tensors = tensors;
        }

        /// <summary>The file's path.</summary>
        public string Source { get; }

        /// <summary>"zip (version N)" or "legacy".</summary>
        public string Format { get; }

        /// <summary>The object passed to torch.save, in the .NET forms listed on <see cref="PyTorchPickle"/>.</summary>
        public object? Root { get; }

        /// <summary>Every tensor in <see cref="Root"/>, once each (one object may appear in several places).</summary>
        public IReadOnlyList<Tensor> Tensors { get; }

        /// <summary>The state dict in the file, as name → tensor (aliases: dispose the result, and this).</summary>
        /// <remarks>The root itself when it is a dict of tensors (<c>torch.save(model.state_dict())</c>); otherwise
        /// the value of the first of <see cref="StateDictKeys"/> that is a dict of tensors; otherwise a
        /// <see cref="FormatException"/> saying what the file holds. With <paramref name="prefix"/>
        /// only the names starting with it are kept, without it ("module." for DataParallel checkpoints, "model." for
        /// Lightning modules, "backbone." for part of a model).</remarks>
        public StateDict ToStateDict(string? prefix = null) => StateDictOf(Root, Source, prefix);

        public void Dispose()
        {
            foreach (var t in Tensors) t.Dispose();
        }
    }

    /// <summary>Reads a torch.save file (zip or legacy format).</summary>
    public static Contents Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        return Load(file, path);
    }

    /// <summary>Reads torch.save data from a seekable stream, from its current position; <paramref name="name"/>
    /// names it in errors and becomes <see cref="Contents.Source"/>.</summary>
    public static Contents Load(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanSeek) throw new ArgumentException("the stream must be seekable (a zip archive is read from its end)", nameof(stream));
        if (stream.Position != 0)
        {
            // ZipArchive and the offsets in errors count from the start of the data.
            using var rest = new MemoryStream();
            stream.CopyTo(rest);
            rest.Position = 0;
            return Load(rest, name);
        }
        Span<byte> head = stackalloc byte[4];
        var n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n == 4 && head.SequenceEqual("PK\u0003\u0004"u8)) return LoadZip(stream, name);
        if (n >= 2 && head[0] == 0x80) return PyTorchLegacy.Load(stream, name);
        if (stream.Length >= 262)
        {
            Span<byte> ustar = stackalloc byte[5];
            stream.Position = 257;
            stream.ReadExactly(ustar);
            if (ustar.SequenceEqual("ustar"u8))
                throw new FormatException($"{name}: a tar archive: the tar-based torch.save format of PyTorch before 0.4 is not supported");
        }
        throw new FormatException($"{name}: not a torch.save file (neither a zip archive nor a pickle; first bytes " +
                                  $"{Convert.ToHexString(head[..n])})");
    }

    /// <summary>Reads a torch.save file and returns its state dict (see <see cref="Contents.ToStateDict"/>).</summary>
    public static StateDict LoadStateDict(string path, string? prefix = null)
    {
        using var contents = Load(path);
        return contents.ToStateDict(prefix);
    }

    private static Contents LoadZip(Stream file, string path)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{path}: not a readable zip archive ({e.Message}); truncated or corrupt file?", e);
        }
        using (zip)
        {
            var pickles = zip.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) &&
                                                 e.FullName.Count(c => c == '/') == 1).ToList();
            if (pickles.Count != 1)
                throw new FormatException($"{path}: a zip archive with {pickles.Count} '<name>/data.pkl' entries, where a " +
                                          "torch.save file has exactly one" + (pickles.Count == 0 ? " (missing data.pkl)" : ""));
            var prefix = pickles[0].FullName[..^"data.pkl".Length];
            if (zip.GetEntry(prefix + "constants.pkl") is not null || zip.Entries.Any(e => e.FullName.StartsWith(prefix + "code/", StringComparison.Ordinal)))
                throw new FormatException($"{path}: a TorchScript archive (torch.jit.save), which holds code as well as " +
                                          "weights; save the model's state_dict() with torch.save and load that instead");
            var byteOrder = zip.GetEntry(prefix + "byteorder");
            if (byteOrder is not null)
            {
                var order = System.Text.Encoding.ASCII.GetString(ReadEntry(byteOrder, path, 16, file.Length)).Trim();
                if (order != "little") throw new FormatException($"{path}: byteorder is '{order}'; only little-endian files are supported");
            }
            var versionEntry = zip.GetEntry(prefix + "version") ?? zip.GetEntry(prefix + ".data/version");
            var version = versionEntry is null ? "?" : System.Text.Encoding.ASCII.GetString(ReadEntry(versionEntry, path, 64, file.Length)).Trim();
            var pickle = ReadEntry(pickles[0], path, int.MaxValue, file.Length);

            using var reader = new TorchPickleReader(path, (key, type, numel) => ReadStorage(zip, prefix, key, type, numel, path, file.Length));
            try
            {
                var root = reader.Read(pickle, 0, pickle.Length, pickles[0].FullName, out _);
                return new Contents(path, $"zip (version {version})", root, reader.Tensors);
            }
            catch
            {
                foreach (var t in reader.Tensors) t.Dispose();
                throw;
            }
        }
    }

    private static Tensor ReadStorage(ZipArchive zip, string prefix, string key, TorchStorageType type, long numel, string path,
        long archiveLength)
    {
        var name = prefix + "data/" + key;
        var entry = zip.GetEntry(name) ?? throw new FormatException($"{path}: storage entry '{name}' is missing from the archive");
        var expected = checked(numel * type.Dtype.ElementSize());
        if (entry.Length != expected)
            throw new FormatException($"{path}: storage entry '{name}' is {entry.Length} bytes, but a {type.Name} of {numel} " +
                                      $"elements needs {expected}");
        var bytes = ReadEntry(entry, path, Array.MaxLength, archiveLength);
        return Torch.FromBytes(bytes, [numel], type.Dtype);
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path, int maxBytes, long archiveLength)
    {
        if (entry.Length > maxBytes)
            throw new FormatException($"{path}: entry '{entry.FullName}' is {entry.Length} bytes, more than the {maxBytes} this reader takes");
        // torch.save stores entries uncompressed; a declared size beyond what the archive could hold is corruption
        // (or a decompression bomb), refused before allocating for it. Deflate expands at most about 1032 times.
        if (entry.CompressedLength > archiveLength || entry.Length > Math.Max(entry.CompressedLength, 1) * 1032)
            throw new FormatException($"{path}: entry '{entry.FullName}' claims {entry.Length} bytes from {entry.CompressedLength} compressed ones");
        var bytes = new byte[entry.Length];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new FormatException($"{path}: entry '{entry.FullName}' cannot be read ({e.Message}); truncated or corrupt file?", e);
        }
        return bytes;
    }

    internal static StateDict StateDictOf(object? root, string source, string? prefix)
    {
        var dict = FindStateDict(root, source);
        var state = new StateDict();
        try
        {
            foreach (var (key, value) in dict)
            {
                var name = (string)key;
                if (prefix is not null)
                {
                    if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
                    name = name[prefix.Length..];
                }
                state.Add(name, ((Tensor)value!).Alias());
            }
        }
        catch
        {
            state.Dispose();
            throw;
        }
        return state;
    }

    private static PickleDict FindStateDict(object? root, string source)
    {
        if (root is not PickleDict top)
            throw new FormatException($"{source}: holds {PickleFormat.Describe(root)}, not a state dict (a dict of tensors)");
        var problem = NonTensorEntry(top);
        if (problem is null) return top;
        var rejected = new List<string>();
        foreach (var key in StateDictKeys)
        {
            if (!top.TryGetValue(key, out var inner)) continue;
            if (inner is not PickleDict d)
            {
                rejected.Add($"'{key}' is {PickleFormat.Describe(inner)}");
                continue;
            }
            var why = NonTensorEntry(d);
            if (why is null) return d;
            rejected.Add($"'{key}' is not a dict of tensors (its entry {why})");
        }
        var keys = string.Join(", ", top.Keys.Take(12).Select(PickleFormat.Describe));
        throw new FormatException($"{source}: no state dict found: the top level is a dict with keys [{keys}" +
                                  $"{(top.Count > 12 ? ", ..." : "")}], not all tensors (entry {problem}), and " +
                                  (rejected.Count > 0 ? string.Join("; ", rejected)
                                      : $"has no {string.Join(", ", StateDictKeys.Select(k => $"'{k}'"))} entry"));
    }

    private static string? NonTensorEntry(PickleDict d)
    {
        foreach (var (k, v) in d)
        {
            if (k is not string) return $"{PickleFormat.Describe(k)} has a non-string key";
            if (v is not Tensor) return $"{PickleFormat.Describe(k)} is {PickleFormat.Describe(v)}";
        }
        return null;
    }
}
