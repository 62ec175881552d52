using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MLRoadmap.Serialization;

/// <summary>A pickle the reader cannot or will not read: malformed data, an unsupported opcode, a global outside the
/// allow-list. The message names the source, the byte offset in the pickle and what broke.</summary>
public class UnpicklingException : FormatException
{
    public UnpicklingException() { }
    public UnpicklingException(string message) : base(message) { }
    public UnpicklingException(string message, Exception inner) : base(message, inner) { }

    internal UnpicklingException(string message, long offset) : base(message) => Offset = offset;

    /// <summary>Where in the pickle stream the reader stopped (-1 when not known).</summary>
    public long Offset { get; } = -1;
}

/// <summary>A pickle that names a global (a function or class) outside the allow-list: loading it with Python's
/// pickle would import and possibly call it. Nothing was called.</summary>
public sealed class ForbiddenGlobalException : UnpicklingException
{
    public ForbiddenGlobalException() { }
    public ForbiddenGlobalException(string message) : base(message) { }
    public ForbiddenGlobalException(string message, Exception inner) : base(message, inner) { }

    internal ForbiddenGlobalException(string message, long offset, string global) : base(message, offset) => Global = global;

    /// <summary>"module.name" as written in the pickle, e.g. "posix.system".</summary>
    public string Global { get; } = "";
}

/// <summary>
/// A data-only reader of Python pickles (protocols 2 to 5, as torch.save writes them). It builds dicts, lists,
/// tuples, strings, numbers and bytes itself; a GLOBAL resolves only through <c>resolveGlobal</c> (the caller's
/// allow-list) or the few pure-data builtins below, and REDUCE only invokes what those returned. Nothing in the
/// pickle is ever imported or executed; anything else is an <see cref="UnpicklingException"/>.
/// </summary>
internal sealed class Unpickler
{
    private readonly byte[] _data;
    private readonly int _end;
    private readonly string _source;
    private readonly Func<string, string, object?> _resolveGlobal;
    private readonly Func<object?, object?>? _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;
    private int _opAt;

    /// <param name="data">The bytes.</param>
    /// <param name="start">Where the pickle starts.</param>
    /// <param name="end">Where the data ends: the pickle's STOP must come before.</param>
    /// <param name="source">Named in every error ("model.pth: data.pkl").</param>
    /// <param name="resolveGlobal">(module, name) → the object GLOBAL pushes, or null when not allowed.</param>
    /// <param name="persistentLoad">BINPERSID: the persistent id → the object; null refuses persistent ids.</param>
    public Unpickler(byte[] data, int start, int end, string source, Func<string, string, object?> resolveGlobal,
        Func<object?, object?>? persistentLoad)
    {
        _data = data;
        _pos = start;
        _end = end;
        _source = source;
        _resolveGlobal = resolveGlobal;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Where the next pickle would start (after STOP).</summary>
    public int Position => _pos;

    /// <summary>Reads one pickle, up to and including its STOP, and returns its value.</summary>
    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            _opAt = _pos;
            var op = ReadByte();
            if (op == '.')
            {
                if (_stack.Count == 0) throw Fail("STOP with an empty stack");
                return _stack[^1];
            }
            Step(op);
        }
    }

    private void Step(byte op)
    {
        switch (op)
        {
            case 0x80: // PROTO
                var proto = ReadByte();
                if (proto > 5) throw Fail($"pickle protocol {proto} is newer than 5");
                break;
            case 0x95: Take(8); break; // FRAME: a length hint only
            case (byte)'(': _marks.Add(_stack.Count); break;
            case (byte)'0': Pop(); break;
            case (byte)'1': PopMark(); break;
            case (byte)'2': Push(Peek()); break;
            case (byte)'N': Push(null); break;
            case 0x88: Push(true); break;
            case 0x89: Push(false); break;
            case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
            case (byte)'K': Push((long)ReadByte()); break;
            case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
            case 0x8a: PushLong(ReadByte()); break;                        // LONG1
            case 0x8b: PushLong(ReadLength(4)); break;                     // LONG4
            case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
            case (byte)'X': Push(ReadUtf8(ReadLength(4))); break;                // BINUNICODE
            case 0x8c: Push(ReadUtf8(ReadByte())); break;                        // SHORT_BINUNICODE
            case 0x8d: Push(ReadUtf8(ReadLength(8))); break;                     // BINUNICODE8
            case (byte)'T': Push(ReadUtf8(ReadLength(4))); break;                // BINSTRING (Python 2 str)
            case (byte)'U': Push(ReadUtf8(ReadByte())); break;                   // SHORT_BINSTRING
            case (byte)'B': Push(Take(ReadLength(4)).ToArray()); break;          // BINBYTES
            case (byte)'C': Push(Take(ReadByte()).ToArray()); break;             // SHORT_BINBYTES
            case 0x8e: Push(Take(ReadLength(8)).ToArray()); break;               // BINBYTES8
            case 0x96: Push(Take(ReadLength(8)).ToArray()); break;               // BYTEARRAY8
            case (byte)')': Push(Array.Empty<object?>()); break;
            case (byte)'t': Push(PopMark().ToArray()); break;
            case 0x85: Push(PopN(1)); break;
            case 0x86: Push(PopN(2)); break;
            case 0x87: Push(PopN(3)); break;
            case (byte)']': Push(new List<object?>()); break;
            case (byte)'l': Push(PopMark()); break;
            case (byte)'a': var item = Pop(); AsList(Peek(), "APPEND").Add(item); break;
            case (byte)'e': var items = PopMark(); AsList(Peek(), "APPENDS").AddRange(items); break;
            case (byte)'}': Push(new PickleDict("dict")); break;
            case (byte)'d': Push(FillDict(new PickleDict("dict"), PopMark())); break;
            case (byte)'s': var value = Pop(); var key = Pop(); FillDict(AsDict(Peek(), "SETITEM"), [key, value]); break;
            case (byte)'u': var pairs = PopMark(); FillDict(AsDict(Peek(), "SETITEMS"), pairs); break;
            case 0x8f: Push(NewSet()); break;                                    // EMPTY_SET
            case 0x90: var adds = PopMark(); AddAll(AsSet(Peek()), adds); break; // ADDITEMS
            case 0x91: var members = PopMark(); var set = NewSet(); AddAll(set, members); Push(set); break; // FROZENSET
            case (byte)'c': var module = ReadLine(); Push(Global(module, ReadLine())); break;
            case 0x93: var n = Pop(); var m = Pop(); Push(Global(AsString(m, "STACK_GLOBAL"), AsString(n, "STACK_GLOBAL"))); break;
            case (byte)'R': var args = Pop(); Push(Call(Pop(), args, "REDUCE")); break;
            case 0x81: var newArgs = Pop(); Push(Call(Pop(), newArgs, "NEWOBJ")); break;
            case (byte)'b': var state = Pop(); Build(Peek(), state); break;
            case (byte)'Q': Push(Persistent(Pop())); break;
            case (byte)'q': Memo(ReadByte()); break;                             // BINPUT
            case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
            case 0x94: Memo(_memo.Count); break;                                 // MEMOIZE
            case (byte)'h': Push(Recall(ReadByte())); break;                     // BINGET
            case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
            default: throw Fail(Unsupported(op));
        }
    }

    private static string Unsupported(byte op)
    {
        var what = op switch
        {
            (byte)'i' or (byte)'o' or 0x92 => "an opcode that instantiates a class (INST/OBJ/NEWOBJ_EX), refused",
            0x82 or 0x83 or 0x84 => "an extension-registry opcode (EXT1/2/4), refused",
            (byte)'P' => "a text persistent id (PERSID, protocol 0), not supported",
            0x97 or 0x98 => "an out-of-band buffer opcode (protocol 5), not supported",
            (byte)'I' or (byte)'L' or (byte)'F' or (byte)'S' or (byte)'V' or (byte)'p' or (byte)'g' =>
                "a protocol-0 text opcode, not supported (torch.save writes protocol 2)",
            _ => "not a pickle opcode",
        };
        var shown = op is >= 0x21 and < 0x7f ? $"'{(char)op}' (0x{op:x2})" : $"0x{op:x2}";
        return $"unknown or unsupported opcode {shown}: {what}";
    }

    // ---- globals and calls -----------------------------------------------------------------------------------

    private object Global(string module, string name)
    {
        var resolved = _resolveGlobal(module, name) ?? DataBuiltin(module, name);
        return resolved ?? throw new ForbiddenGlobalException(
            $"{_source}: offset {_opAt}: the pickle references the global '{module}.{name}', which is not on the " +
            "allow-list of this data-only reader (tensors, storages, OrderedDict and plain data); nothing was " +
            "imported or executed", _opAt, $"{module}.{name}");
    }

    // Python's own pure-data reconstructions that protocol 2 writes for sets and bytes; implemented here, never called.
    private PickleCallable? DataBuiltin(string module, string name) => (module, name) switch
    {
        ("collections", "OrderedDict") => new("collections.OrderedDict", a => FillFromPairs(new PickleDict("collections.OrderedDict"), a)),
        ("__builtin__" or "builtins", "set" or "frozenset") => new($"builtins.{name}", a => MakeSet(a)),
        ("__builtin__" or "builtins", "bytes") => new("builtins.bytes", a => a.Length == 0 ? Array.Empty<byte>() : throw Fail("bytes() with arguments")),
        ("_codecs", "encode") => new("_codecs.encode", Latin1Encode),
        _ => null,
    };

    private object? Call(object? callable, object? args, string op)
    {
        if (callable is not PickleCallable c)
            throw Fail($"{op} of {PickleFormat.Describe(callable)}, which is not a callable this reader allows");
        if (args is not object?[] a) throw Fail($"{op} of {c.Name} with arguments that are {PickleFormat.Describe(args)}, not a tuple");
        return Guarded(c.Name, () => c.Invoke(a));
    }

    // The caller's functions report bad arguments as ArgumentException; here they gain the source and offset.
    private object? Guarded(string what, Func<object?> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or TorchException)
        {
            throw new UnpicklingException($"{_source}: offset {_opAt}: {what}: {e.Message}", e);
        }
    }

    private PickleDict FillFromPairs(PickleDict dict, object?[] args)
    {
        if (args.Length == 0) return dict;
        if (args.Length == 1 && args[0] is List<object?> pairs)
        {
            foreach (var pair in pairs)
                if (pair is object?[] { Length: 2 } kv) FillDict(dict, [kv[0], kv[1]]);
                else throw Fail("OrderedDict() items must be (key, value) pairs");
            return dict;
        }
        throw Fail($"OrderedDict() with {args.Length} arguments");
    }

    private HashSet<object?> MakeSet(object?[] args)
    {
        var set = NewSet();
        if (args.Length == 1 && args[0] is List<object?> items) AddAll(set, items);
        else if (args.Length != 0) throw Fail("set() takes a list");
        return set;
    }

    private byte[] Latin1Encode(object?[] args)
    {
        // bytes under protocol 2: _codecs.encode(<the bytes as a latin-1 str>, 'latin1').
        if (args is not [string text, string encoding] || encoding is not ("latin1" or "latin-1"))
            throw Fail("_codecs.encode is allowed only as encode(str, 'latin1'), the form pickle writes for bytes");
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
            bytes[i] = text[i] <= 0xff ? (byte)text[i] : throw Fail("_codecs.encode: a character beyond latin-1");
        return bytes;
    }

    private void Build(object? target, object? state)
    {
        if (target is PickleDict dict && state is PickleDict attributes)
        {
            foreach (var (k, v) in attributes)
                dict.SetAttribute(k as string ?? throw Fail("BUILD with a non-string attribute name"), v);
            return;
        }
        throw Fail($"BUILD (setting state) on {PickleFormat.Describe(target)} is not supported");
    }

    private object? Persistent(object? pid) => _persistentLoad is null
        ? throw Fail("a persistent id (BINPERSID) where none is expected")
        : Guarded("persistent id", () => _persistentLoad(pid));

    // ---- containers ------------------------------------------------------------------------------------------

    private static HashSet<object?> NewSet() => new(PickleKeyComparer.Instance);

    private void AddAll(HashSet<object?> set, List<object?> items)
    {
        foreach (var i in items)
        {
            if (i is null) throw Fail("a set member is None, which this reader does not support");
            set.Add(i);
        }
    }

    private PickleDict FillDict(PickleDict dict, List<object?> keysAndValues)
    {
        if (keysAndValues.Count % 2 != 0) throw Fail("an odd number of items for a dict");
        for (var i = 0; i < keysAndValues.Count; i += 2)
        {
            var key = keysAndValues[i];
            if (key is null) throw Fail("a dict key is None, which this reader does not support");
            if (key is List<object?> or PickleDict or HashSet<object?> or Tensor) throw Fail($"an unhashable dict key ({PickleFormat.Describe(key)})");
            dict.Set(key, keysAndValues[i + 1]);
        }
        return dict;
    }

    private List<object?> AsList(object? o, string op) => o as List<object?> ?? throw Fail($"{op} to {PickleFormat.Describe(o)}, not a list");
    private PickleDict AsDict(object? o, string op) => o as PickleDict ?? throw Fail($"{op} on {PickleFormat.Describe(o)}, not a dict");
    private HashSet<object?> AsSet(object? o) => o as HashSet<object?> ?? throw Fail($"ADDITEMS to {PickleFormat.Describe(o)}, not a set");
    private string AsString(object? o, string op) => o as string ?? throw Fail($"{op} with a name that is {PickleFormat.Describe(o)}");

    // ---- stack and memo --------------------------------------------------------------------------------------

    private void Push(object? o) => _stack.Add(o);

    private object? Peek() => _stack.Count > (_marks.Count > 0 ? _marks[^1] : 0) ? _stack[^1] : throw Fail("stack underflow");

    private object? Pop()
    {
        var o = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private object?[] PopN(int n)
    {
        var floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - floor < n) throw Fail("stack underflow");
        var items = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Fail("no MARK on the stack");
        var at = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private void Memo(long index) => _memo[index] = Peek();

    private object? Recall(long index) => _memo.TryGetValue(index, out var o) ? o : throw Fail($"memo entry {index} was never stored");

    // ---- raw reads -------------------------------------------------------------------------------------------

    private byte ReadByte() => _pos < _end ? _data[_pos++] : throw Truncated(1);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _end - _pos) throw Truncated(count);
        var span = _data.AsSpan(_pos, count);
        _pos += count;
        return span;
    }

    private int ReadLength(int bytes)
    {
        var length = bytes == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Take(4)) : BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        return length <= (ulong)(_end - _pos) ? (int)length : throw Fail($"a length of {length} bytes runs past the end of the pickle");
    }

    private string ReadUtf8(int count)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(count));
        }
        catch (DecoderFallbackException e)
        {
            throw new UnpicklingException($"{_source}: offset {_opAt}: a string that is not valid UTF-8", e);
        }
    }

    private string ReadLine()
    {
        var at = Array.IndexOf(_data, (byte)'\n', _pos, Math.Min(_end - _pos, 256));
        if (at < 0) throw Fail("GLOBAL name not terminated by a newline within 256 bytes");
        var line = Encoding.ASCII.GetString(_data, _pos, at - _pos);
        _pos = at + 1;
        return line;
    }

    // Two's complement, little-endian; Python ints beyond 64 bits stay BigInteger.
    private void PushLong(int count)
    {
        var value = new BigInteger(Take(count), isUnsigned: false, isBigEndian: false);
        if (value >= long.MinValue && value <= long.MaxValue) Push((long)value);
        else Push(value);
    }

    private UnpicklingException Truncated(int wanted) =>
        new($"{_source}: offset {_opAt}: the pickle ends early (wanted {wanted} more bytes at offset {_pos}, it ends at {_end}); truncated file?", _opAt);

    private UnpicklingException Fail(string message) => new($"{_source}: offset {_opAt}: {message}", _opAt);
}
