namespace MLRoadmap.Training.Recipes;

/// <summary>
/// A recipe whose prediction for an input is a sequence of future values at known times (a forecaster):
/// <c>mlroadmap predict RUN window.csv</c> prints each input's forecast, time by time, instead of labels with scores.
/// Derive from <see cref="ForecastRecipe{TConfig}"/> rather than implementing this.
/// </summary>
public interface IForecastRecipe : IRecipe
{
    /// <summary>Turns the outputs of <see cref="TrainingModule.PredictStep"/> (one row per input) into forecasts.</summary>
    IReadOnlyList<Forecast> DecodeForecasts(RunConfig config, PredictionInputs inputs, Tensor outputs);
}

/// <summary>One input's forecast: a value per future time, oldest first.</summary>
public sealed record Forecast(string Input, IReadOnlyList<ForecastStep> Steps)
{
    /// <summary>ISO 8601 to the second; UTC times end in Z.</summary>
    public static string FormatTime(DateTime time) =>
        time.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + (time.Kind == DateTimeKind.Utc ? "Z" : "");
}

/// <summary>A forecast value and the time it is for.</summary>
public readonly record struct ForecastStep(DateTime Time, double Value);

/// <summary>A forecasting recipe with a typed configuration. <see cref="Recipe{TConfig}.Decode"/> gives each
/// forecast as a <see cref="Prediction"/> whose labels are the times (ISO 8601) and whose scores are the values, for
/// callers that know only <see cref="IRecipe"/>.</summary>
public abstract class ForecastRecipe<TConfig> : Recipe<TConfig>, IForecastRecipe where TConfig : RunConfig, new()
{
    public abstract IReadOnlyList<Forecast> DecodeForecasts(TConfig config, PredictionInputs inputs, Tensor outputs);

    public override IReadOnlyList<Prediction> Decode(TConfig config, PredictionInputs inputs, Tensor outputs, int topK) =>
        DecodeForecasts(config, inputs, outputs)
            .Select(f => new Prediction(f.Input, f.Steps.Select(s => (Forecast.FormatTime(s.Time), s.Value)).ToList()))
            .ToList();

    IReadOnlyList<Forecast> IForecastRecipe.DecodeForecasts(RunConfig config, PredictionInputs inputs, Tensor outputs) =>
        DecodeForecasts(config as TConfig ?? throw new ArgumentException(
            $"recipe {Name} takes a {typeof(TConfig).Name}, not a {config?.GetType().Name ?? "null"}", nameof(config)), inputs, outputs);
}
