using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MLRoadmap.Tests.Cli;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// timeseries-lstm through the real CLI: a seconds-long smoke run on Seattle's temperatures (train, eval, predict),
/// and a generated daily sine, where the seasonal-naive baseline is exact and persistence is not; the baselines' figures
/// are recomputed here with plain loops over the CSV's values, independently of the recipe's tensor code.
/// </summary>
public sealed class TimeseriesLstmRecipeTests : IDisposable
{
    private const string Seattle = "/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-temps.csv";
    private const string Tiny = "--epochs 1 --set model.hidden_size=8 --set model.num_layers=1 --set trainer.limit_train_batches=4";
    private readonly string _root = Directory.CreateTempSubdirectory("mlr-timeseries-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CliProcess.Result Cli(string arguments)
    {
        var result = CliProcess.Run(arguments, _root, timeoutMs: 180_000);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static JsonObject Json(CliProcess.Result r) => JsonNode.Parse(r.Stdout)!.AsObject();

    [Fact]
    public void Smoke_run_on_seattle_trains_evaluates_against_both_baselines_and_forecasts_a_window()
    {
        var train = Cli($"train timeseries-lstm --run-dir smoke {Tiny}");
        Assert.Contains("time column 'date', value column 'temp' (°F converted to °C); 8760 steps of 01:00:00", train.Stderr, StringComparison.Ordinal);
        Assert.Contains("1 missing filled by interpolation", train.Stderr, StringComparison.Ordinal);
        var eval = Json(Cli("eval smoke --json"));

        // The baselines over the test windows, by hand: the last 15% of the 8,760 hourly steps (after filling the one
        // missing hour linearly), windows of 168 inputs and 24 targets whose targets all lie in the test period.
        var values = ReadSeattleCelsius();
        Assert.Equal(8760, values.Length);
        var (persistence, seasonal) = Baselines(values, testStart: (int)Math.Round(8760 * 0.85), window: 168, horizon: 24, season: 24);
        Close(persistence.Rmse, eval, "test_persistence_rmse");
        Close(persistence.Mae, eval, "test_persistence_mae");
        Close(seasonal.Rmse, eval, "test_seasonal_rmse");
        Close(seasonal.Mae, eval, "test_seasonal_mae");
        Assert.True(double.IsFinite((double)eval["test_rmse"]!) && double.IsFinite((double)eval["test_mae"]!), eval.ToJsonString());

        // predict reads the last 168 rows of a CSV with the same columns and forecasts the 24 hours after them.
        var lines = File.ReadAllLines(Seattle);
        File.WriteAllLines(Path.Combine(_root, "window.csv"), [lines[0], .. lines[5000..5300]]);
        var forecast = Json(Cli("predict smoke window.csv --json"))["forecast"]!.AsArray();
        Assert.Equal(24, forecast.Count);
        var last = DateTime.ParseExact(lines[5299].Split(',')[0], "yyyy/MM/dd HH:mm", CultureInfo.InvariantCulture);
        for (var k = 0; k < 24; k++)
        {
            Assert.Equal(last.AddHours(k + 1).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), (string)forecast[k]!["time"]!);
            Assert.InRange((double)forecast[k]!["value"]!, -10.0, 40.0);   // °C, not °F
        }
        var text = Cli("predict smoke window.csv");
        Assert.StartsWith("window.csv: 24 steps", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_daily_sine_seasonal_naive_is_exact_persistence_is_not_and_the_model_uses_the_named_columns()
    {
        // 40 days of hourly values 10 + 5 sin(2π h / 24) with ISO times, rows shuffled (the reader sorts them), the
        // value in the second numeric column, named by data.value_column.
        var start = new DateTime(2021, 3, 1, 0, 0, 0);
        var values = new double[40 * 24];
        var rows = new List<string>();
        for (var i = 0; i < values.Length; i++)
        {
            var text = (10 + 5 * Math.Sin(2 * Math.PI * (i % 24) / 24)).ToString("F6", CultureInfo.InvariantCulture);
            values[i] = double.Parse(text, CultureInfo.InvariantCulture);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{i},{start.AddHours(i):yyyy-MM-ddTHH:mm:ss},{text}"));
        }
        var shuffled = rows.ToArray();
        new Random(1).Shuffle(shuffled);
        var csv = Path.Combine(_root, "sine.csv");
        File.WriteAllLines(csv, ["id,when,level", .. shuffled]);
        // No unit setting: only Vega's Seattle file is converted from °F, so the persistence figure checks that too.
        var keys = $"--set data.path={csv} --set data.value_column=level " +
                   "--set data.window=48 --set model.calendar_features=false";
        Cli($"train timeseries-lstm --run-dir sine {Tiny} {keys}");
        var eval = Json(Cli("eval sine --json"));
        Assert.Equal(0.0, (double)eval["test_seasonal_rmse"]!, 6);
        Assert.Equal(0.0, (double)eval["test_seasonal_mae"]!, 6);
        var (persistence, _) = Baselines(values, testStart: (int)Math.Round(values.Length * 0.85), window: 48, horizon: 24, season: 24);
        Assert.True(persistence.Rmse > 3, $"persistence RMSE {persistence.Rmse}");   // a 5-amplitude cycle it cannot follow
        Close(persistence.Rmse, eval, "test_persistence_rmse");
        Close(persistence.Mae, eval, "test_persistence_mae");
        // The residual model starts at seasonal-naive, so even a barely trained one stays close to exact here.
        Assert.True((double)eval["test_rmse"]! < 0.5, eval.ToJsonString());
    }

    [Fact]
    public void Bad_inputs_are_refused_naming_the_file_column_and_line()
    {
        string Write(string name, string content)
        {
            var path = Path.Combine(_root, name);
            File.WriteAllText(path, content);
            return path;
        }
        var header = new StringBuilder("date,temp\n");
        for (var h = 0; h < 300; h++) header.Append(CultureInfo.InvariantCulture, $"2010-01-{1 + h / 24:00}T{h % 24:00}:00,{h % 7}\n");
        var good = header.ToString();
        var cases = new (string File, string Content, string Set, string Expected)[]
        {
            ("nocol.csv", good, "--set data.value_column=temperature", "nocol.csv: no column 'temperature' (data.value_column); the header has 'date', 'temp'"),
            ("text.csv", good.Replace("T05:00,5\n", "T05:00,warm\n", StringComparison.Ordinal), "", "text.csv line 7, column 'temp': 'warm' is not a number"),
            ("short.csv", string.Join('\n', good.Split('\n').Take(150)), "", "short.csv: too few rows: the training period holds steps 0-103 of 149"),
            ("dup.csv", good + "2010-01-01T03:00,1\n", "", "dup.csv: lines 5 and 302 have the same time 2010-01-01T03:00:00 in column 'date'"),
            ("gap.csv", good.Replace("2010-01-02T01:00,4\n2010-01-02T02:00,5\n2010-01-02T03:00,6\n2010-01-02T04:00,0\n", "", StringComparison.Ordinal), "",
             "gap.csv lines 26 and 27: 4 steps of 01:00:00 are missing between 2010-01-02T00:00:00 and 2010-01-02T05:00:00; data.max_gap fills at most 3"),
            ("cells.csv", good.Replace("T07:00,0\n", "T07:00,0,9\n", StringComparison.Ordinal), "", "cells.csv line 9: 3 cells, but the header has 2 columns"),
            ("time.csv", good.Replace("2010-01-01T09:00", "01/01/2010 09:00", StringComparison.Ordinal), "", "time.csv line 11, column 'date': '01/01/2010 09:00' is not a date or time"),
        };
        foreach (var (file, content, set, expected) in cases)
        {
            var path = Write(file, content);
            var r = CliProcess.Run($"train timeseries-lstm --run-dir bad --epochs 1 --set data.path={path} --set data.fahrenheit_to_celsius=false {set}", _root);
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
        }
        var season = CliProcess.Run("train timeseries-lstm --run-dir bad --set data.season=200", _root);
        Assert.True(season.ExitCode == 2, season.ToString());
        Assert.Contains("data.season=200 is longer than data.window=168", season.Stderr, StringComparison.Ordinal);
    }

    // The recipe computes in float32: 1e-4 °C is far below any difference a wrong window or index would make.
    private static void Close(double expected, JsonObject eval, string key) =>
        Assert.True(Math.Abs(expected - (double)eval[key]!) < 1e-4, $"{key}: expected {expected}, got {eval[key]}");

    // Seattle's file in °C on a regular hourly grid, its one missing hour filled linearly between its neighbours.
    private static double[] ReadSeattleCelsius()
    {
        var rows = File.ReadLines(Seattle).Skip(1).Select(l => l.Split(','))
            .Select(c => (Time: DateTime.ParseExact(c[0], "yyyy/MM/dd HH:mm", CultureInfo.InvariantCulture),
                          Value: (double.Parse(c[1], CultureInfo.InvariantCulture) - 32) * 5 / 9)).ToList();
        var values = new List<double>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (i > 0)
            {
                var missing = (int)(rows[i].Time - rows[i - 1].Time).TotalHours - 1;
                for (var k = 1; k <= missing; k++)
                {
                    values.Add(rows[i - 1].Value + (rows[i].Value - rows[i - 1].Value) * k / (missing + 1));
                }
            }
            values.Add(rows[i].Value);
        }
        return [.. values];
    }

    // RMSE and MAE over every target of every window whose targets lie in [testStart, end).
    private static ((double Rmse, double Mae) Persistence, (double Rmse, double Mae) Seasonal) Baselines(
        double[] v, int testStart, int window, int horizon, int season)
    {
        double pSq = 0, pAbs = 0, sSq = 0, sAbs = 0;
        var n = 0;
        for (var s = testStart - window; s + window + horizon <= v.Length; s++)
        {
            for (var k = 0; k < horizon; k++)
            {
                var target = v[s + window + k];
                var p = target - v[s + window - 1];
                var q = target - v[s + window + k - season];
                pSq += p * p;
                pAbs += Math.Abs(p);
                sSq += q * q;
                sAbs += Math.Abs(q);
                n++;
            }
        }
        return ((Math.Sqrt(pSq / n), pAbs / n), (Math.Sqrt(sSq / n), sAbs / n));
    }
}
