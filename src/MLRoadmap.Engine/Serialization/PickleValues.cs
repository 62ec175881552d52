using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace MLRoadmap.Serialization;

/// <summary>
/// A Python dict (or <c>collections.OrderedDict</c>) read from a pickle, in insertion order. Keys are the .NET forms
/// of Python values (string, long, double, bool, object?[] for tuples, ...) compared the way Python compares them
/// (1 == 1.0 == True; tuples by content).
/// </summary>
[SuppressMessage("Naming", "CA1710", Justification = "Python's name (dict).")]
public sealed class PickleDict : IReadOnlyDictionary<object, object?>
{
    private readonly OrderedDictionary<object, object?> _items = new(PickleKeyComparer.Instance);
    private Dictionary<string, object?>? _attributes;

    internal PickleDict(string typeName) => TypeName = typeName;

    /// <summary>"dict" or "collections.OrderedDict".</summary>
    public string TypeName { get; }

    /// <summary>Instance attributes set on the dict object (BUILD): <c>state_dict()</c>'s <c>_metadata</c>, say.</summary>
    public IReadOnlyDictionary<string, object?> Attributes =>
        (IReadOnlyDictionary<string, object?>?)_attributes ?? new Dictionary<string, object?>();

    public int Count => _items.Count;
    public object? this[object key] => _items.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"no key {PickleFormat.Describe(key)}");
    public IEnumerable<object> Keys => _items.Keys;
    public IEnumerable<object?> Values => _items.Values;
    public bool ContainsKey(object key) => _items.ContainsKey(key);
    public bool TryGetValue(object key, out object? value) => _items.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Set(object? key, object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _items[key] = value;
    }

    internal void SetAttribute(string name, object? value) => (_attributes ??= new(StringComparer.Ordinal))[name] = value;
}

/// <summary>Something the pickle may call (REDUCE): an allow-listed global with the reader's own implementation.</summary>
internal sealed record PickleCallable(string Name, Func<object?[], object?> Invoke);

/// <summary>Python's equality for dict keys and set members, over the .NET forms the unpickler produces.</summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object?>
{
    public static readonly PickleKeyComparer Instance = new();
    private const int MaxDepth = 64;

    public new bool Equals(object? x, object? y) => Same(x, y, 0);

    public int GetHashCode([DisallowNull] object obj) => Hash(obj, 0);

    private static bool Same(object? x, object? y, int depth)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        if (Numeric(x, out var a) && Numeric(y, out var b)) return a.Equals(b);
        return (x, y) switch
        {
            (string s, string t) => string.Equals(s, t, StringComparison.Ordinal),
            (byte[] s, byte[] t) => s.AsSpan().SequenceEqual(t),
            (object?[] s, object?[] t) when depth < MaxDepth =>
                s.Length == t.Length && s.Zip(t).All(p => Same(p.First, p.Second, depth + 1)),
            _ => x.Equals(y),
        };
    }

    private static int Hash(object? x, int depth)
    {
        if (x is null) return 0;
        if (Numeric(x, out var n)) return n.GetHashCode();
        return x switch
        {
            string s => StringComparer.Ordinal.GetHashCode(s),
            byte[] b => b.Length,
            object?[] t when depth < MaxDepth => t.Aggregate(t.Length, (h, v) => HashCode.Combine(h, Hash(v, depth + 1))),
            object?[] t => t.Length,
            _ => x.GetHashCode(),
        };
    }

    // Python's numbers compare by value across types; integral floats equal the ints they hold.
    private static bool Numeric(object x, out (bool IsInt, BigInteger Int, double Float) key)
    {
        switch (x)
        {
            case bool b: key = (true, b ? 1 : 0, 0); return true;
            case long l: key = (true, l, 0); return true;
            case BigInteger i: key = (true, i, 0); return true;
            case double d when double.IsFinite(d) && Math.Floor(d) == d: key = (true, new BigInteger(d), 0); return true;
            case double d: key = (false, 0, d); return true;
            default: key = default; return false;
        }
    }
}

/// <summary>Descriptions of Python values for error messages.</summary>
internal static class PickleFormat
{
    public static string Describe(object? value) => value switch
    {
        null => "None",
        string s => s.Length <= 60 ? $"'{s}'" : $"'{s[..57]}...'",
        bool b => b ? "True" : "False",
        long or BigInteger or double => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        object?[] t => $"a tuple of {t.Length}",
        List<object?> l => $"a list of {l.Count}",
        PickleDict d => $"a {d.TypeName} of {d.Count}",
        Tensor t => $"a tensor {t.Dtype.TorchName()} [{string.Join(", ", t.Shape)}]",
        byte[] b => $"bytes of length {b.Length}",
        PickleCallable c => c.Name,
        ScalarType t => $"torch.{t.TorchName()}",
        _ => value.GetType().Name,
    };
}
