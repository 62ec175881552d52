namespace MLRoadmap;

/// <summary>
/// Brain floating point: float32's exponent with a 7-bit mantissa. .NET has no such type, so tensors of bfloat16
/// can be read and written element-wise through this one. Conversion from float rounds to nearest even, as libtorch.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    public ushort Bits { get; }

    public BFloat16(ushort bits) => Bits = bits;

    public static explicit operator BFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return new BFloat16(0x7FC0);
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + roundingBias) >> 16));
    }

    public static implicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    public bool Equals(BFloat16 other) => Bits == other.Bits;
    public override bool Equals(object? obj) => obj is BFloat16 b && Equals(b);
    public override int GetHashCode() => Bits;
    public static bool operator ==(BFloat16 a, BFloat16 b) => a.Equals(b);
    public static bool operator !=(BFloat16 a, BFloat16 b) => !a.Equals(b);
    public override string ToString() => ((float)this).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
