using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TimeseriesLstm;

/// <summary>timeseries-lstm's configuration: the common keys with this recipe's defaults, plus <c>data.*</c> and
/// <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "10 epochs: val_rmse 0.127 °C after one, 0.057 after two, 0.049 from the sixth on (README); about 2 CPU-minutes")]
[Reason("optim.lr", "3e-3: the one-cycle peak for AdamW, as the other small-model recipes use; `mlroadmap lr-find timeseries-lstm` checks it")]
[Reason("trainer.gradient_clip_val", "1.0: an LSTM's gradients through 168 steps occasionally spike; clipping the norm keeps AdamW's steps sane")]
public sealed record TimeseriesLstmConfig : RunConfig<SeriesData, ForecasterSettings>
{
    public TimeseriesLstmConfig()
    {
        Trainer = Trainer with { MaxEpochs = 10, GradientClipVal = 1.0 };
        Optim = Optim with { Lr = 3e-3 };
    }
}

/// <summary>The <c>data.*</c> keys: which file and columns, the window and the splits.</summary>
[Reason("batch_size", "64 windows a step: about 90 steps an epoch over Seattle's 5,900 training windows")]
[Reason("path", "Seattle's hourly temperatures of 2010, from Debian's python3-vega-datasets (any CSV with a time and a value column works)")]
public sealed record SeriesData : DataSettings
{
    public SeriesData()
    {
        BatchSize = 64;
        Path = "/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-temps.csv";
    }

    [Setting("null: a column named date (else time, timestamp, datetime), else the first column whose first row is a year-first date")]
    public string? TimeColumn { get; init; }

    [Setting("null: a column named temp (else value), else the first other column whose first row is a number")]
    public string? ValueColumn { get; init; }

    [Setting("null: convert °F to °C for Vega's seattle-temps.csv only (it is in °F, 37.5–75.9 over the year), leave any other file's values as they are; true or false forces it")]
    public bool? FahrenheitToCelsius { get; init; }

    /// <summary>Whether values are converted from °F to °C: as set, else only for Vega's Seattle file.</summary>
    public bool ConvertsFahrenheit => FahrenheitToCelsius ??
        string.Equals(System.IO.Path.GetFileName(Path), "seattle-temps.csv", StringComparison.Ordinal);

    [Setting("168 steps: a week of hourly values, so the input holds seven whole daily cycles and a weekday pattern if there is one", Min = 1)]
    public int Window { get; init; } = 168;

    [Setting("24 steps: the next day of hourly values, all predicted at once", Min = 1)]
    public int Horizon { get; init; } = 24;

    [Setting("24 steps: the seasonal-naive baseline repeats the value one day (24 hourly steps) earlier; at most data.window", Min = 1)]
    public int Season { get; init; } = 24;

    [Setting("3 missing steps at most are filled by linear interpolation (Seattle's file skips the hour clocks jump at 2010-03-14 02:00); longer gaps are refused, naming the lines", Min = 0)]
    public int MaxGap { get; init; } = 3;

    [Setting("0.15: the second-last 15% of the series (about 55 days of Seattle's year) validates, chronologically after training", Min = 0.01, Max = 0.5)]
    public double ValFraction { get; init; } = 0.15;

    [Setting("0.15: the last 15% of the series (about 55 days, mid-November to December for Seattle) is the test period", Min = 0.01, Max = 0.5)]
    public double TestFraction { get; init; } = 0.15;
}

/// <summary>The <c>model.*</c> keys (the zoo's lstm_forecaster, models/MLRoadmap.Models/LstmForecaster.cs).</summary>
public sealed record ForecasterSettings
{
    [Setting("64 LSTM units: enough for a daily cycle and its drift, trained in minutes on a CPU", Min = 1, Max = 4096)]
    public int HiddenSize { get; init; } = 64;

    [Setting("2 stacked LSTM layers", Min = 1, Max = 8)]
    public int NumLayers { get; init; } = 2;

    [Setting("0.1 between the LSTM layers and before the head: a year of hourly data is little for 50k weights", Min = 0, Max = 0.9)]
    public double Dropout { get; init; } = 0.1;

    [Setting("true: the network also reads each step's change from a season earlier and forecasts the change from the seasonal-naive forecast; on Seattle's smooth hourly normals that baseline is already within 0.12 °C, and a network forecasting whole values starts far above it (2.28 °C validation RMSE after one epoch, against 0.063 with the residual)")]
    public bool SeasonalResidual { get; init; } = true;

    [Setting("true: hour of day and day of year as sine and cosine beside each value, so the model knows where in the day and year each step is")]
    public bool CalendarFeatures { get; init; } = true;
}
