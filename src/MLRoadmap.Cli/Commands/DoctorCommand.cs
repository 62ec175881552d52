using System.CommandLine;
using System.Text.Json;
using MLRoadmap.Cli.Doctor;


namespace MLRoadmap.Cli.Commands;

/// <summary>`mlroadmap doctor [--json]`: what libtorch, BLAS, threads and devices this machine gives the engine.
/// Exit code 0 when the native library loads (warnings included), 1 when it can't be loaded.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (snake_case keys)." };
        var command = new Command("doctor", "Check the native library, libtorch, BLAS, threads and CUDA devices.")
        {
            json,
        };
        command.SetAction(parse => Run(parse.GetValue(json)));
        return command;
    }

    private static int Run(bool json)
    {
        DoctorReport report;
        try
        {
            report = DoctorReport.Collect();
        }
        catch (NativeLibraryMissingException e)
        {
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new DoctorFailure(e.Message, e.Tried),
                    DoctorJson.Readable.DoctorFailure));
            }
            else
            {
                Console.Error.WriteLine($"error: {e.Message}");
            }
            return 1;
        }

        if (json) Console.Out.WriteLine(JsonSerializer.Serialize(report, DoctorJson.Readable.DoctorReport));
        else DoctorText.Write(report, Console.Out);
        return 0;
    }
}
