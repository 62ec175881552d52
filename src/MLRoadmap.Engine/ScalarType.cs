namespace MLRoadmap;

/// <summary>Element types. The numbers are c10::ScalarType's, which are stable across libtorch versions.</summary>
public enum ScalarType
{
    UInt8 = 0,
    Int8 = 1,
    Int16 = 2,
    Int32 = 3,
    Int64 = 4,
    Float16 = 5,
    Float32 = 6,
    Float64 = 7,
    ComplexFloat32 = 9,
    ComplexFloat64 = 10,
    Bool = 11,
    BFloat16 = 15,
}

public static class ScalarTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType type) => type switch
    {
        ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown scalar type"),
    };

    public static bool IsFloatingPoint(this ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    public static bool IsIntegral(this ScalarType type, bool includeBool = false) =>
        type is ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 ||
        (includeBool && type == ScalarType.Bool);

    /// <summary>PyTorch's spelling, e.g. "float32", as in <c>torch.float32</c>.</summary>
    public static string TorchName(this ScalarType type) => type switch
    {
        ScalarType.UInt8 => "uint8",
        ScalarType.Int8 => "int8",
        ScalarType.Int16 => "int16",
        ScalarType.Int32 => "int32",
        ScalarType.Int64 => "int64",
        ScalarType.Float16 => "float16",
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.ComplexFloat32 => "complex64",
        ScalarType.ComplexFloat64 => "complex128",
        ScalarType.Bool => "bool",
        ScalarType.BFloat16 => "bfloat16",
        _ => type.ToString(),
    };

    /// <summary>Parses PyTorch's names ("float32", "float", "bf16", "half", "long", ...).</summary>
    public static ScalarType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "uint8" or "byte" => ScalarType.UInt8,
        "int8" or "char" => ScalarType.Int8,
        "int16" or "short" => ScalarType.Int16,
        "int32" or "int" => ScalarType.Int32,
        "int64" or "long" => ScalarType.Int64,
        "float16" or "half" or "fp16" => ScalarType.Float16,
        "float32" or "float" or "fp32" => ScalarType.Float32,
        "float64" or "double" or "fp64" => ScalarType.Float64,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "bool" => ScalarType.Bool,
        "complex64" => ScalarType.ComplexFloat32,
        "complex128" => ScalarType.ComplexFloat64,
        _ => throw new ArgumentException($"unknown dtype '{name}'; expected one of float32, float64, float16, " +
                                         "bfloat16, int8, int16, int32, int64, uint8, bool", nameof(name)),
    };
}
