using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace MLRoadmap.NN;

/// <summary>Runs its layers in order, each one's output feeding the next. Layers are named "0", "1", … unless
/// names are given, so state-dict keys read <c>0.weight</c>, <c>2.bias</c> as in PyTorch.</summary>
public sealed class Sequential : Module<Tensor, Tensor>, IReadOnlyList<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    public Sequential(params IEnumerable<Module<Tensor, Tensor>> layers)
    {
        foreach (var layer in layers) Append(layer);
    }

    public Sequential(IEnumerable<(string Name, Module<Tensor, Tensor> Layer)> layers)
    {
        foreach (var (name, layer) in layers) Append(name, layer);
    }

    public int Count => _layers.Count;
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    public Sequential Append(Module<Tensor, Tensor> layer) => Append(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);

    public Sequential Append(string name, Module<Tensor, Tensor> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (GetModule(name) is not null) throw new ArgumentException($"Sequential already has a layer named '{name}'", nameof(name));
        RegisterModule(name, layer);
        _layers.Add(layer);
        return this;
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Intermediate activations die with this scope; only the last one moves out to the caller.
        using var scope = Torch.NewDisposeScope();
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        if (ReferenceEquals(x, input)) x = input.Alias(); // never hand the caller's own tensor back as "new"
        return x.MoveToOuterScope();
    }

    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _layers.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>An indexed list of submodules named "0", "1", …, for models that loop over their blocks themselves.</summary>
public class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    public ModuleList(params IEnumerable<T> modules)
    {
        foreach (var m in modules) Add(m);
    }

    public int Count => _items.Count;

    public T this[int index]
    {
        get => _items[index];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            RegisterModule(index.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
            _items[index] = value;
        }
    }

    public void Add(T module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
    }

    public void AddRange(IEnumerable<T> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A list of any modules.</summary>
public sealed class ModuleList(params IEnumerable<Module> modules) : ModuleList<Module>(modules);

/// <summary>Submodules by name, in insertion order (the names are the state-dict prefixes).</summary>
[SuppressMessage("Naming", "CA1710", Justification = "PyTorch's name (nn.ModuleDict).")]
public class ModuleDict<T> : Module, IReadOnlyDictionary<string, T> where T : Module
{
    private readonly OrderedDictionary<string, T> _items = new(StringComparer.Ordinal);

    public ModuleDict(params IEnumerable<(string Name, T Module)> modules)
    {
        foreach (var (name, m) in modules) Add(name, m);
    }

    public int Count => _items.Count;
    public IEnumerable<string> Keys => _items.Keys;
    public IEnumerable<T> Values => _items.Values;

    public T this[string key]
    {
        get => _items.TryGetValue(key, out var m) ? m : throw new KeyNotFoundException($"no module named '{key}'");
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            RegisterModule(key, value);
            _items[key] = value;
        }
    }

    public void Add(string name, T module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (_items.ContainsKey(name)) throw new ArgumentException($"ModuleDict already has a module named '{name}'", nameof(name));
        RegisterModule(name, module);
        _items.Add(name, module);
    }

    public bool ContainsKey(string key) => _items.ContainsKey(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out T value) => _items.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, T>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A dictionary of any modules.</summary>
[SuppressMessage("Naming", "CA1710", Justification = "PyTorch's name (nn.ModuleDict).")]
public sealed class ModuleDict(params IEnumerable<(string Name, Module Module)> modules) : ModuleDict<Module>(modules);
