namespace MLRoadmap.NN;

/// <summary>
/// A per-spatial-dimension argument (kernel size, stride, padding, dilation), written as PyTorch takes it: one
/// number for every dim (<c>3</c>), or one per dim (<c>(3, 5)</c>, or an array).
/// </summary>
public readonly struct SpatialSize : IEquatable<SpatialSize>
{
    private readonly long[]? _values;

    private SpatialSize(long[] values) => _values = values;

    /// <summary>One value for every dim.</summary>
    public static implicit operator SpatialSize(long value) => new([value]);
    public static implicit operator SpatialSize(int value) => new([value]);
    public static implicit operator SpatialSize((long, long) v) => new([v.Item1, v.Item2]);
    public static implicit operator SpatialSize((int, int) v) => new([v.Item1, v.Item2]);
    public static implicit operator SpatialSize((long, long, long) v) => new([v.Item1, v.Item2, v.Item3]);
    public static implicit operator SpatialSize((int, int, int) v) => new([v.Item1, v.Item2, v.Item3]);
    public static implicit operator SpatialSize(long[] values) => FromArray(values);
    public static implicit operator SpatialSize(int[] values) => FromArray(values.Select(v => (long)v).ToArray());

    public static SpatialSize FromArray(long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) throw new ArgumentException("a spatial size needs at least one value", nameof(values));
        return new(values.ToArray());
    }

    /// <summary>True for the default value (no number given).</summary>
    public bool IsEmpty => _values is null;

    /// <summary>The value for each of <paramref name="dims"/> spatial dims: a single number repeats.</summary>
    public long[] Expand(int dims, string what)
    {
        if (_values is null) throw new ArgumentException($"{what} is not set");
        if (_values.Length == dims) return _values.ToArray();
        if (_values.Length == 1) return Enumerable.Repeat(_values[0], dims).ToArray();
        throw new ArgumentException($"{what} has {_values.Length} values ({this}) but the op has {dims} spatial dims");
    }

    public bool Equals(SpatialSize other) =>
        _values is null ? other._values is null : other._values is not null && _values.AsSpan().SequenceEqual(other._values);
    public override bool Equals(object? obj) => obj is SpatialSize s && Equals(s);
    public override int GetHashCode() => _values is null ? 0 : _values.Aggregate(17, (h, v) => h * 31 + v.GetHashCode());
    public static bool operator ==(SpatialSize a, SpatialSize b) => a.Equals(b);
    public static bool operator !=(SpatialSize a, SpatialSize b) => !a.Equals(b);

    public override string ToString() => _values is null ? "None" : _values.Length == 1 ? $"{_values[0]}" : $"({string.Join(", ", _values)})";
}

/// <summary>A convolution's padding: explicit sizes (as <see cref="SpatialSize"/>), or <c>"valid"</c> (none) or
/// <c>"same"</c> (output as large as the input; stride 1 only).</summary>
public readonly struct ConvPadding : IEquatable<ConvPadding>
{
    private ConvPadding(SpatialSize size, int mode)
    {
        Size = size;
        Mode = mode;
    }

    public SpatialSize Size { get; }

    /// <summary>0 explicit sizes, 1 "valid", 2 "same" (the native code's padding modes).</summary>
    internal int Mode { get; }

    public bool IsSame => Mode == 2;
    public bool IsValid => Mode == 1;

    public static ConvPadding Valid { get; } = new(0, 1);
    public static ConvPadding Same { get; } = new(0, 2);

    public static implicit operator ConvPadding(SpatialSize size) => new(size, 0);
    public static implicit operator ConvPadding(long value) => new(value, 0);
    public static implicit operator ConvPadding(int value) => new(value, 0);
    public static implicit operator ConvPadding((int, int) v) => new(v, 0);
    public static implicit operator ConvPadding((long, long) v) => new(v, 0);
    public static implicit operator ConvPadding((int, int, int) v) => new(v, 0);
    public static implicit operator ConvPadding(long[] v) => new(v, 0);

    /// <summary>"same" or "valid", as PyTorch spells them.</summary>
    public static implicit operator ConvPadding(string mode) => mode switch
    {
        "same" => Same,
        "valid" => Valid,
        _ => throw new ArgumentException($"padding must be \"same\", \"valid\" or sizes, not \"{mode}\"", nameof(mode)),
    };

    public static ConvPadding FromString(string mode) => mode;

    public bool Equals(ConvPadding other) => Mode == other.Mode && Size == other.Size;
    public override bool Equals(object? obj) => obj is ConvPadding p && Equals(p);
    public override int GetHashCode() => HashCode.Combine(Mode, Size);
    public static bool operator ==(ConvPadding a, ConvPadding b) => a.Equals(b);
    public static bool operator !=(ConvPadding a, ConvPadding b) => !a.Equals(b);

    public override string ToString() => Mode switch { 1 => "valid", 2 => "same", _ => Size.ToString() };
}

/// <summary>How a loss reduces its per-element values. The numbers are at::Reduction's.</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
    /// <summary>KL divergence only: the sum divided by the batch size (the mathematically correct KL).</summary>
    BatchMean = 3,
}

/// <summary>How a convolution pads its input (PyTorch's <c>padding_mode</c>).</summary>
public enum PaddingMode
{
    Zeros = 0,
    Reflect = 1,
    Replicate = 2,
    Circular = 3,
}

/// <summary>How <see cref="Functional.Pad"/> fills the border (PyTorch's <c>F.pad</c> modes).</summary>
public enum PadMode
{
    /// <summary>A constant value (zero unless given).</summary>
    Constant = 0,
    /// <summary>Mirror the input without repeating the edge.</summary>
    Reflect = 1,
    /// <summary>Repeat the edge value.</summary>
    Replicate = 2,
    /// <summary>Wrap around.</summary>
    Circular = 3,
}

/// <summary>GELU's form: exact (erf) or the tanh approximation GPT-2 used.</summary>
public enum GeluApproximation
{
    None,
    Tanh,
}

/// <summary>The activation codes of src/Native/nn_functional.cpp, in its order (a test compares the two).</summary>
internal enum ActivationOp
{
    Gelu, GeluTanh, Silu, Mish, Hardswish, Hardsigmoid, Relu6, Selu, LogSigmoid, LeakyRelu, Elu, Celu, Softplus,
    Hardtanh, Hardshrink, Softshrink, Threshold,
}
