using MLRoadmap.Interop;

namespace MLRoadmap;

/// <summary>
/// A number passed to an op (alpha, a fill value, a clamp bound). Keeps whether it was integral, so integer tensors
/// stay integer, as PyTorch does with Python ints.
/// </summary>
public readonly struct Scalar : IEquatable<Scalar>
{
    private readonly long _bits;
    private readonly int _kind;

    private Scalar(long bits, int kind)
    {
        _bits = bits;
        _kind = kind;
    }

    public bool IsFloatingPoint => _kind == 0;
    public bool IsIntegral => _kind == 1;
    public bool IsBoolean => _kind == 2;

    public double ToDouble() => _kind == 0 ? BitConverter.Int64BitsToDouble(_bits) : _bits;
    public long ToInt64() => _kind == 0 ? (long)BitConverter.Int64BitsToDouble(_bits) : _bits;
    public bool ToBoolean() => _kind == 0 ? BitConverter.Int64BitsToDouble(_bits) != 0 : _bits != 0;

    public static implicit operator Scalar(double value) => new(BitConverter.DoubleToInt64Bits(value), 0);
    public static implicit operator Scalar(float value) => new(BitConverter.DoubleToInt64Bits(value), 0);
    public static implicit operator Scalar(long value) => new(value, 1);
    public static implicit operator Scalar(int value) => new(value, 1);
    public static implicit operator Scalar(bool value) => new(value ? 1 : 0, 2);

    internal NativeScalar ToNative() => new() { Bits = _bits, Kind = _kind };

    internal static Scalar FromNative(NativeScalar s) => new(s.Bits, s.Kind);

    public bool Equals(Scalar other) => _bits == other._bits && _kind == other._kind;
    public override bool Equals(object? obj) => obj is Scalar s && Equals(s);
    public override int GetHashCode() => HashCode.Combine(_bits, _kind);
    public static bool operator ==(Scalar a, Scalar b) => a.Equals(b);
    public static bool operator !=(Scalar a, Scalar b) => !a.Equals(b);

    public override string ToString() => _kind switch
    {
        0 => ToDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => _bits.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => _bits != 0 ? "True" : "False",
    };
}
