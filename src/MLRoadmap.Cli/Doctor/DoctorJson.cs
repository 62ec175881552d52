using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLRoadmap.Cli.Doctor;

/// <summary>Compile-time JSON serialization of doctor's records: snake_case keys, indented, no reflection at start-up.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(DoctorReport))]
[JsonSerializable(typeof(DoctorFailure))]
internal sealed partial class DoctorJson : JsonSerializerContext
{
    /// <summary>The same options, writing ` and ' as themselves rather than \u0060 (the output is for terminals and
    /// scripts, never embedded in HTML).</summary>
    public static DoctorJson Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
