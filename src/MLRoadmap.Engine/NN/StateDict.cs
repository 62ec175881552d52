using System.Collections;
using System.Diagnostics.CodeAnalysis;
using MLRoadmap.Serialization;

namespace MLRoadmap.NN;

/// <summary>
/// An ordered name → tensor map: a module's learnable state as PyTorch's <c>state_dict()</c> lays it out. The
/// tensors it holds are its own (aliases or loaded copies), freed by <see cref="Dispose"/>; they never belong to a
/// dispose scope.
/// </summary>
[SuppressMessage("Naming", "CA1710", Justification = "PyTorch's name (state_dict).")]
public sealed class StateDict : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly OrderedDictionary<string, Tensor> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;
    public Tensor this[string key] => _entries.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"no entry named '{key}'");
    public IEnumerable<string> Keys => _entries.Keys;
    public IEnumerable<Tensor> Values => _entries.Values;
    public bool ContainsKey(string key) => _entries.ContainsKey(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => _entries.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Adds an entry; the dict takes ownership of the tensor (it leaves its dispose scope).</summary>
    public void Add(string key, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _entries.Add(key, value.DetachFromDisposeScope());
    }

    /// <summary>Removes an entry and disposes its tensor (to drop a classifier head before loading, say).</summary>
    public bool Remove(string key)
    {
        if (!_entries.Remove(key, out var t)) return false;
        t.Dispose();
        return true;
    }

    /// <summary>Writes the entries to a .safetensors file, in order.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) => SafeTensors.Save(path, _entries, metadata);

    /// <summary>Reads a .safetensors file (tensors on the CPU).</summary>
    public static StateDict Load(string path)
    {
        using var contents = SafeTensors.Load(path);
        var dict = new StateDict();
        foreach (var (name, t) in contents.Tensors) dict.Add(name, t.Alias());
        return dict;
    }

    public void Dispose()
    {
        foreach (var t in _entries.Values) t.Dispose();
        _entries.Clear();
    }
}

/// <summary>What <see cref="Module.LoadStateDict"/> found: keys the module has that the dict lacks, keys the dict has
/// that the module lacks, and keys present in both with different shapes (which are not loaded).</summary>
public sealed record LoadStateDictResult(
    IReadOnlyList<string> MissingKeys,
    IReadOnlyList<string> UnexpectedKeys,
    IReadOnlyList<ShapeMismatch> MismatchedKeys)
{
    public bool IsExactMatch => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && MismatchedKeys.Count == 0;

    public override string ToString()
    {
        var parts = new List<string>();
        if (MissingKeys.Count > 0) parts.Add("Missing key(s): " + string.Join(", ", MissingKeys.Select(k => $"\"{k}\"")));
        if (UnexpectedKeys.Count > 0) parts.Add("Unexpected key(s): " + string.Join(", ", UnexpectedKeys.Select(k => $"\"{k}\"")));
        foreach (var m in MismatchedKeys) parts.Add(m.ToString());
        return parts.Count == 0 ? "All keys matched." : string.Join("\n", parts);
    }
}

/// <summary>A state-dict entry whose shape differs from the module's tensor of the same name.</summary>
public sealed record ShapeMismatch(string Key, long[] ExpectedShape, long[] ActualShape)
{
    public override string ToString() =>
        $"size mismatch for {Key}: copying a tensor of shape [{string.Join(", ", ActualShape)}] from the state dict, " +
        $"the shape in the current model is [{string.Join(", ", ExpectedShape)}]";
}

/// <summary>Thrown by a strict <see cref="Module.LoadStateDict"/> that did not match exactly. Nothing was loaded.</summary>
public sealed class StateDictMismatchException : ArgumentException
{
    public StateDictMismatchException(LoadStateDictResult result, string moduleName)
        : base($"Error(s) in loading state dict for {moduleName}:\n{result}") => Result = result;

    public LoadStateDictResult Result { get; }
}

public abstract partial class Module
{
    /// <summary>The persistent state in PyTorch's key order: each module's parameters, then its persistent buffers,
    /// then each child's entries under its name. The values are detached aliases (same storage: a later optimizer
    /// step shows through); dispose the returned dict to free them.</summary>
    public StateDict StateDict()
    {
        var dict = new StateDict();
        try
        {
            CollectState("", dict, new HashSet<Module>(ReferenceEqualityComparer.Instance));
        }
        catch
        {
            dict.Dispose();
            throw;
        }
        return dict;
    }

    // Unlike NamedParameters, a tensor shared by two modules appears under both names here, as in PyTorch.
    private void CollectState(string prefix, StateDict dict, HashSet<Module> seen)
    {
        if (!seen.Add(this)) return;
        foreach (var (name, p) in _parameters)
            if (p is not null) dict.Add(Join(prefix, name), p.Detach());
        foreach (var (name, b) in _buffers)
            if (b is not null && !_nonPersistentBuffers.Contains(name)) dict.Add(Join(prefix, name), b.Detach());
        foreach (var (name, child) in _modules) child?.CollectState(Join(prefix, name), dict, seen);
    }

    /// <summary>The tensors a state dict would hold, without making aliases: name → the module's own tensor.</summary>
    private List<(string Name, Tensor Target)> StateTargets()
    {
        var list = new List<(string, Tensor)>();
        Visit(this, "", new HashSet<Module>(ReferenceEqualityComparer.Instance));
        return list;

        void Visit(Module m, string prefix, HashSet<Module> seen)
        {
            if (!seen.Add(m)) return;
            foreach (var (name, p) in m._parameters)
                if (p is not null) list.Add((Join(prefix, name), p));
            foreach (var (name, b) in m._buffers)
                if (b is not null && !m._nonPersistentBuffers.Contains(name)) list.Add((Join(prefix, name), b));
            foreach (var (name, child) in m._modules)
                if (child is not null) Visit(child, Join(prefix, name), seen);
        }
    }

    /// <summary>Copies values from <paramref name="state"/> into this module's parameters and buffers, in place and
    /// without recording gradients (so Parameter objects, and optimizers holding them, stay valid). Values are
    /// converted to each target's dtype and device.</summary>
    /// <param name="state">Name → value, e.g. another module's <see cref="StateDict()"/> or a loaded file.</param>
    /// <param name="strict">true: any missing, unexpected or wrong-shaped key throws
    /// <see cref="StateDictMismatchException"/> naming them all, and nothing is loaded. false: the matching entries
    /// load and the rest are reported in the result (PyTorch raises for wrong shapes even then; skipping them
    /// is what loading a backbone under a new head needs).</param>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var targets = StateTargets();
        var known = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var load = new List<(Tensor Target, Tensor Value)>();
        foreach (var (name, target) in targets)
        {
            known.Add(name);
            if (!state.TryGetValue(name, out var value))
            {
                missing.Add(name);
                continue;
            }
            ArgumentNullException.ThrowIfNull(value, $"state[\"{name}\"]");
            var expected = target.Shape;
            var actual = value.Shape;
            if (!expected.AsSpan().SequenceEqual(actual)) mismatched.Add(new ShapeMismatch(name, expected, actual));
            else load.Add((target, value));
        }
        var unexpected = state.Keys.Where(k => !known.Contains(k)).ToList();
        var result = new LoadStateDictResult(missing, unexpected, mismatched);
        if (strict && !result.IsExactMatch) throw new StateDictMismatchException(result, GetType().Name);

        using (Torch.NoGrad())
            foreach (var (target, value) in load) target.Copy_(value);
        return result;
    }

    /// <summary>Saves <see cref="StateDict()"/> to a .safetensors file (PyTorch's key names; loadable from Python
    /// with <c>safetensors.torch.load_file</c> + <c>load_state_dict</c>).</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var state = StateDict();
        state.Save(path, metadata);
    }

    /// <summary>Loads a .safetensors file written by <see cref="Save"/> or by PyTorch into this module.</summary>
    public LoadStateDictResult Load(string path, bool strict = true)
    {
        using var contents = SafeTensors.Load(path);
        var map = contents.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return LoadStateDict(map, strict);
    }
}
