using System.Globalization;

namespace MLRoadmap.Metrics;

/// <summary>
/// The named state a metric accumulates: tensors (on the device of the batches, outside every dispose scope, freed by
/// <see cref="Dispose"/>) and sample counts (kept on the host, since a batch's row count is known without reading
/// the device). Gives a metric its <c>StateDict</c>, <c>LoadStateDict</c> with shape and dtype checks, and
/// <c>Reset</c>.
/// </summary>
/// <remarks>A tensor registered with a dimension of -1 starts with size 0 there and accepts any size on load
/// (a list of stored scores, a number of outputs not known before the first batch).</remarks>
public sealed class MetricState : IDisposable
{
    private readonly string _owner;
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (long[] Shape, ScalarType Dtype)> _specs = [];
    private readonly Dictionary<string, Tensor> _tensors = [];
    private readonly Dictionary<string, long> _counts = [];
    private bool _disposed;

    /// <param name="owner">The metric's name, used in error messages.</param>
    public MetricState(string owner) => _owner = owner;

    /// <summary>The device the state tensors live on: CPU until the first batch arrives from elsewhere.</summary>
    public Device Device { get; private set; } = Device.CPU;

    /// <summary>Registers a zero-filled state tensor (-1 in <paramref name="shape"/>: any size, initially 0).</summary>
    public Tensor AddTensor(string name, ReadOnlySpan<long> shape, ScalarType dtype)
    {
        Register(name);
        _specs[name] = (shape.ToArray(), dtype);
        var initial = InitialShape(shape);
        _tensors[name] = Own(Torch.Zeros(initial, dtype, Device));
        return _tensors[name];
    }

    /// <summary>Registers a host-side count, saved as a 0-dim int64 tensor.</summary>
    public void AddCount(string name)
    {
        Register(name);
        _counts[name] = 0;
    }

    public Tensor this[string name] => _tensors[name];

    public long Count(string name) => _counts[name];

    public void AddToCount(string name, long amount) => _counts[name] += amount;

    /// <summary>Replaces a state tensor, taking ownership of <paramref name="value"/> (it leaves its dispose scope).</summary>
    public void Set(string name, Tensor value)
    {
        var (shape, dtype) = _specs[name];
        if (value.Dtype != dtype || !Matches(value.Shape, shape))
            throw new InvalidOperationException($"{_owner}: state '{name}' set to {Describe(value)}, expected {Describe(shape, dtype)}");
        var old = _tensors[name];
        _tensors[name] = Own(value);
        if (!ReferenceEquals(old, value)) old.Dispose();
    }

    /// <summary>Moves every state tensor to <paramref name="device"/> (a no-op when they are there already).</summary>
    public void MoveTo(Device device)
    {
        if (device == Device) return;
        using (Torch.NewDisposeScope())
        {
            foreach (var name in _tensors.Keys.ToArray())
            {
                var old = _tensors[name];
                _tensors[name] = Own(old.To(device));
                old.Dispose();
            }
        }
        Device = device;
    }

    /// <summary>Zeroes the tensors (those with a -1 dimension go back to size 0) and the counts.</summary>
    public void Reset()
    {
        foreach (var name in _tensors.Keys.ToArray())
        {
            var (shape, dtype) = _specs[name];
            if (shape.Contains(-1)) Set(name, Torch.Zeros(InitialShape(shape), dtype, Device));
            else _tensors[name].Zero_();
        }
        foreach (var name in _counts.Keys.ToArray()) _counts[name] = 0;
    }

    /// <summary>Copies of every entry in registration order (counts as 0-dim int64 CPU tensors).</summary>
    public Dictionary<string, Tensor> ToStateDict()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = new Dictionary<string, Tensor>(_order.Count);
        foreach (var name in _order)
            result[name] = _counts.TryGetValue(name, out var n) ? Torch.Scalar(n) : _tensors[name].Clone();
        return result;
    }

    /// <summary>Checks every entry of <paramref name="state"/> first, then copies them in: a bad state dict leaves
    /// this state as it was.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        foreach (var key in state.Keys)
            if (!_specs.ContainsKey(key) && !_counts.ContainsKey(key))
                throw Bad($"unexpected key '{key}' (expected {string.Join(", ", _order.Select(k => $"'{k}'"))})");
        var counts = new Dictionary<string, long>();
        foreach (var name in _order)
        {
            if (!state.TryGetValue(name, out var t) || t is null) throw Bad($"missing key '{name}'");
            if (t.IsDisposed) throw Bad($"key '{name}' holds a disposed tensor");
            if (_counts.ContainsKey(name))
            {
                if (t.Dtype != ScalarType.Int64 || t.Dim != 0)
                    throw Bad($"key '{name}' is {Describe(t)}, expected a 0-dim int64 count");
                counts[name] = t.Item<long>();
                if (counts[name] < 0) throw Bad($"key '{name}' is the negative count {counts[name]}");
                continue;
            }
            var (shape, dtype) = _specs[name];
            if (t.Dtype != dtype || !Matches(t.Shape, shape))
                throw Bad($"key '{name}' is {Describe(t)}, expected {Describe(shape, dtype)}");
        }
        using (Torch.NoGrad())
        using (Torch.NewDisposeScope())
        {
            foreach (var name in _specs.Keys) Set(name, state[name].Detach().To(Device, copy: true));
        }
        foreach (var (name, n) in counts) _counts[name] = n;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }

    /// <summary>"[3, 4] float64"-style description of an expected entry (-1 printed as N).</summary>
    public static string Describe(ReadOnlySpan<long> shape, ScalarType dtype)
    {
        var dims = new string[shape.Length];
        for (var i = 0; i < dims.Length; i++) dims[i] = shape[i] < 0 ? "N" : shape[i].ToString(CultureInfo.InvariantCulture);
        return $"[{string.Join(", ", dims)}] {dtype.TorchName()}";
    }

    public static string Describe(Tensor t) => Describe(t.Shape, t.Dtype);

    private void Register(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_specs.ContainsKey(name) || _counts.ContainsKey(name))
            throw new InvalidOperationException($"{_owner}: state '{name}' registered twice");
        _order.Add(name);
    }

    private ArgumentException Bad(string what) => new($"{_owner}: state dict {what}");

    private static long[] InitialShape(ReadOnlySpan<long> shape)
    {
        var s = shape.ToArray();
        for (var i = 0; i < s.Length; i++) if (s[i] < 0) s[i] = 0;
        return s;
    }

    private static bool Matches(long[] actual, long[] pattern)
    {
        if (actual.Length != pattern.Length) return false;
        for (var i = 0; i < actual.Length; i++)
            if (pattern[i] >= 0 && actual[i] != pattern[i]) return false;
        return true;
    }

    private static Tensor Own(Tensor t) => t.DetachFromDisposeScope();
}
