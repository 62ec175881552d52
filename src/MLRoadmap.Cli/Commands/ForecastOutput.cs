using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>How `mlroadmap predict` prints a forecasting recipe's forecasts (<see cref="IForecastRecipe"/>): per input,
/// a line naming it, then one line per future time; with --json one object per input, {"input", "forecast": [{"time",
/// "value"}, …]}.</summary>
internal static class ForecastOutput
{
    public static void Print(IReadOnlyList<Forecast> forecasts, bool json)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var f in forecasts)
        {
            if (json)
            {
                var steps = new JsonArray();
                foreach (var s in f.Steps) steps.Add(new JsonObject { ["time"] = Forecast.FormatTime(s.Time), ["value"] = s.Value });
                Console.Out.WriteLine(new JsonObject { ["input"] = f.Input, ["forecast"] = steps }.ToJsonString());
                continue;
            }
            Console.Out.WriteLine(string.Create(inv, $"{f.Input}: {f.Steps.Count} steps"));
            foreach (var s in f.Steps) Console.Out.WriteLine(string.Create(inv, $"  {Forecast.FormatTime(s.Time)}  {s.Value,9:F3}"));
        }
    }
}
