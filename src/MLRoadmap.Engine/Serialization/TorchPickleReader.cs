using System.Numerics;

namespace MLRoadmap.Serialization;

/// <summary>A <c>torch.*Storage</c> class named by a pickle: the dtype of the storages it tags.</summary>
internal sealed record TorchStorageType(string Name, ScalarType Dtype);

/// <summary>A storage a persistent id refers to: <paramref name="Numel"/> elements of the root storage
/// <paramref name="Key"/>, from element <paramref name="ElementOffset"/> (nonzero only for legacy storage views).</summary>
internal sealed record StorageRef(string Key, TorchStorageType Type, long RootNumel, long ElementOffset, long Numel);

/// <summary>
/// The torch-specific half of reading a torch.save pickle: the allow-list of globals, persistent ids → storages, and
/// the tensor rebuild functions, implemented here from their documented arguments (storage, storage_offset, size,
/// stride, ...). Every tensor is a view of its storage, so tensors that shared a storage in PyTorch share it here.
/// Owns the storages it loaded; the tensors it built are handed out through <see cref="Tensors"/>.
/// </summary>
internal sealed class TorchPickleReader : IDisposable
{
    private readonly string _source;
    private readonly Func<string, TorchStorageType, long, Tensor>? _loadStorage;
    private readonly Dictionary<string, Tensor> _storages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TorchStorageType Type, long Numel)> _seen = new(StringComparer.Ordinal);

    /// <param name="source">Named in errors.</param>
    /// <param name="loadStorage">(key, type, numel) → a 1-D CPU tensor of numel elements holding the storage's bytes;
    /// null to only record the storages (the legacy format's first pass, before the data is reachable).</param>
    public TorchPickleReader(string source, Func<string, TorchStorageType, long, Tensor>? loadStorage)
    {
        _source = source;
        _loadStorage = loadStorage;
    }

    /// <summary>Every tensor built so far, once each, in the order built; the caller disposes them.</summary>
    public List<Tensor> Tensors { get; } = [];

    /// <summary>Storage keys seen in persistent ids, with their type and element count.</summary>
    public IReadOnlyDictionary<string, (TorchStorageType Type, long Numel)> Storages => _seen;

    public object? Read(byte[] data, int start, int end, string what, out int next)
    {
        var unpickler = new Unpickler(data, start, end, $"{_source}: {what}", ResolveGlobal, PersistentLoad);
        var root = unpickler.Load();
        next = unpickler.Position;
        return root;
    }

    private static readonly Dictionary<string, ScalarType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ScalarType.Float32,
        ["DoubleStorage"] = ScalarType.Float64,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.UInt8,
        ["BoolStorage"] = ScalarType.Bool,
        ["UntypedStorage"] = ScalarType.UInt8,
    };

    private static readonly Dictionary<string, ScalarType> Dtypes =
        Enum.GetValues<ScalarType>().ToDictionary(t => t.TorchName(), t => t, StringComparer.Ordinal);

    private object? ResolveGlobal(string module, string name)
    {
        if (module == "torch") return TorchGlobal(name);
        if (module != "torch._utils") return null;
        return name switch
        {
            "_rebuild_tensor_v2" => new PickleCallable("torch._utils._rebuild_tensor_v2", a => RebuildTensor(a, 6, 7)),
            "_rebuild_tensor" => new PickleCallable("torch._utils._rebuild_tensor", a => RebuildTensor(a, 4, 4)),
            "_rebuild_parameter" => new PickleCallable("torch._utils._rebuild_parameter", a => RebuildParameter(a, 3)),
            "_rebuild_parameter_with_state" => new PickleCallable("torch._utils._rebuild_parameter_with_state", a => RebuildParameter(a, 4)),
            _ => null,
        };
    }

    // Plain values checkpoints hold beside tensors: storage types (in persistent ids), dtypes, torch.Size, torch.device.
    private static object? TorchGlobal(string name)
    {
        if (StorageTypes.TryGetValue(name, out var storageDtype)) return new TorchStorageType($"torch.{name}", storageDtype);
        if (Dtypes.TryGetValue(name, out var dtype)) return dtype;
        return name switch
        {
            "Size" => new PickleCallable("torch.Size", a => a is [object?[] dims] && dims.All(d => d is long)
                ? dims
                : throw new ArgumentException("torch.Size takes one tuple of ints")),
            "device" => new PickleCallable("torch.device", a => a switch
            {
                [string type] => type,
                [string type, long index] => $"{type}:{index}",
                _ => throw new ArgumentException("torch.device takes (type) or (type, index)"),
            }),
            _ => null,
        };
    }

    // ('storage', storage_type, key, location, numel) in the zip format; the legacy format adds view_metadata:
    // None, or (view_key, offset, view_numel) for a view of the root storage. Every location loads to the CPU.
    private StorageRef PersistentLoad(object? pid)
    {
        if (pid is not object?[] { Length: >= 5 } t || t[0] is not string kind)
            throw new ArgumentException($"a persistent id that is {PickleFormat.Describe(pid)}, not ('storage', type, key, location, numel)");
        if (kind != "storage")
            throw new ArgumentException($"a persistent id of kind '{kind}' (torch.save of a whole module's source?), not 'storage'");
        if (t[1] is not TorchStorageType type) throw new ArgumentException($"a storage whose type is {PickleFormat.Describe(t[1])}");
        if (t[2] is not string key) throw new ArgumentException($"a storage whose key is {PickleFormat.Describe(t[2])}");
        var numel = AsLong(t[4], "storage numel");
        if (numel < 0) throw new ArgumentException($"storage '{key}' has a negative size {numel}");
        if (_seen.TryGetValue(key, out var known) && (known.Type.Dtype != type.Dtype || known.Numel != numel))
            throw new ArgumentException($"storage '{key}' is described twice, differently ({known.Type.Name} of {known.Numel}, then {type.Name} of {numel})");
        _seen[key] = (type, numel);
        if (t.Length == 5 || t[5] is null) return new StorageRef(key, type, numel, 0, numel);
        if (t.Length != 6 || t[5] is not object?[] { Length: 3 } view || view[0] is not string)
            throw new ArgumentException($"storage '{key}' has view metadata {PickleFormat.Describe(t[5])}, not (key, offset, size)");
        var offset = AsLong(view[1], "view offset");
        var size = AsLong(view[2], "view size");
        if (offset < 0 || size < 0 || offset > numel - size)
            throw new ArgumentException($"storage view ({offset}, {size}) does not fit storage '{key}' of {numel} elements");
        return new StorageRef(key, type, numel, offset, size);
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
    // requires_grad and hooks are dropped: loaded tensors are plain data.
    private Tensor? RebuildTensor(object?[] a, int minArgs, int maxArgs)
    {
        if (a.Length < minArgs || a.Length > maxArgs) throw new ArgumentException($"{a.Length} arguments, expected {minArgs} to {maxArgs}");
        if (a[0] is not StorageRef storage) throw new ArgumentException($"argument 0 is {PickleFormat.Describe(a[0])}, not a storage");
        var offset = AsLong(a[1], "storage_offset");
        var size = AsLongs(a[2], "size");
        var stride = AsLongs(a[3], "stride");
        if (size.Length != stride.Length) throw new ArgumentException($"size has {size.Length} dimensions but stride {stride.Length}");
        CheckBounds(storage, offset, size, stride);
        if (_loadStorage is null) return null;
        var root = Storage(storage);
        var tensor = root.AsStrided(size, stride, storage.ElementOffset + offset).DetachFromDisposeScope();
        Tensors.Add(tensor);
        return tensor;
    }

    private static object? RebuildParameter(object?[] a, int args)
    {
        if (a.Length != args) throw new ArgumentException($"{a.Length} arguments, expected {args}");
        return a[0] is Tensor or null ? a[0] : throw new ArgumentException($"data is {PickleFormat.Describe(a[0])}, not a tensor");
    }

    private static void CheckBounds(StorageRef storage, long offset, long[] size, long[] stride)
    {
        var shape = $"size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}], offset {offset}";
        if (offset < 0 || size.Any(s => s < 0) || stride.Any(s => s < 0))
            throw new ArgumentException($"a tensor with a negative size, stride or offset ({shape})");
        if (size.Contains(0)) return;
        long last = offset;
        try
        {
            for (var i = 0; i < size.Length; i++) last = checked(last + (size[i] - 1) * stride[i]);
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"a tensor whose extent overflows ({shape})");
        }
        if (last >= storage.Numel)
            throw new ArgumentException($"a tensor ({shape}) reaching element {last} of storage '{storage.Key}', which has {storage.Numel} elements");
    }

    private Tensor Storage(StorageRef s)
    {
        if (_storages.TryGetValue(s.Key, out var t)) return t;
        t = _loadStorage!(s.Key, s.Type, s.RootNumel).DetachFromDisposeScope();
        _storages[s.Key] = t;
        return t;
    }

    private static long AsLong(object? o, string what) => o switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        BigInteger => throw new ArgumentException($"{what} {o} does not fit 64 bits"),
        _ => throw new ArgumentException($"{what} is {PickleFormat.Describe(o)}, not an int"),
    };

    private static long[] AsLongs(object? o, string what)
    {
        if (o is not object?[] t) throw new ArgumentException($"{what} is {PickleFormat.Describe(o)}, not a tuple of ints");
        if (t.Length > 64) throw new ArgumentException($"{what} has {t.Length} dimensions");
        return t.Select(v => AsLong(v, what)).ToArray();
    }

    /// <summary>Frees the reader's references to the storages; the tensors built on them keep what they use.</summary>
    public void Dispose()
    {
        foreach (var t in _storages.Values) t.Dispose();
        _storages.Clear();
    }
}
