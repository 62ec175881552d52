using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.Models;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.TimeseriesLstm;

/// <summary>
/// Training the forecaster: raw windows (B, window, F) in, the next <c>horizon</c> values out, in the data's units.
/// The module standardises its input itself with the training period's statistics, kept as buffers so checkpoints
/// carry them (see <see cref="Forward"/>); the loss is the MSE in the network's own standardised scale. Validation and
/// test measure RMSE and MAE in the data's units over every forecast step of every window, beside two baselines on
/// the same windows: persistence (the last observed value, repeated) and seasonal-naive (the value one season
/// earlier). State-dict keys: <c>net.*</c> (the zoo's lstm_forecaster), <c>value_mean</c>, <c>value_std</c>,
/// <c>change_std</c>.
/// </summary>
public sealed class ForecastModule : TrainingModule
{
    private readonly LstmForecaster _net;
    private readonly TimeseriesLstmConfig _config;
    private readonly bool _residual;
    private readonly Dictionary<string, (Metric Rmse, Metric Mae)> _metrics = [];

    public ForecastModule(TimeseriesLstmConfig config)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        var m = config.Model;
        _residual = m.SeasonalResidual;
        _net = RegisterModule("net", new LstmForecaster(new LstmForecasterOptions
        {
            InChannels = SeriesWindows.FeatureCount(m.CalendarFeatures) + (m.SeasonalResidual ? 1 : 0),
            HiddenSize = m.HiddenSize,
            NumLayers = m.NumLayers,
            Dropout = m.Dropout,
            Horizon = config.Data.Horizon,
        }));
        RegisterBuffer("value_mean", Torch.Zeros([1]));
        RegisterBuffer("value_std", Torch.Ones([1]));
        RegisterBuffer("change_std", Torch.Ones([1]));
        foreach (var stage in new[] { "val", "test" })
            foreach (var who in new[] { "", "persistence_", "seasonal_" })
                _metrics[stage + "_" + who] = (RegisterMetric($"{stage}_{who}rmse", new RootMeanSquaredError()),
                                               RegisterMetric($"{stage}_{who}mae", new MeanAbsoluteError()));
    }

    /// <summary>Sets the standardisation: the training period's mean and standard deviation of the values, and the
    /// standard deviation of their change over one season (value minus the value a season earlier).</summary>
    public void SetStatistics(double mean, double std, double changeStd)
    {
        using var noGrad = Torch.NoGrad();
        Buffer("value_mean").Fill_(mean);
        Buffer("value_std").Fill_(std);
        Buffer("change_std").Fill_(changeStd);
    }

    private Tensor Buffer(string name) => NamedBuffers(recurse: false).First(b => b.Name == name).Buffer;

    /// <summary>(B, window, F) raw features → (B, horizon) forecasts in the data's units. Without
    /// <c>model.seasonal_residual</c> the network forecasts standardised values; with it, it reads each step's change
    /// from a season earlier (standardised by <c>change_std</c>; 0 for the first season, which has none in the window)
    /// as an extra feature and forecasts the change from the seasonal-naive forecast in the same scale, so an untrained
    /// network starts near that baseline and learns the corrections.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Torch.NewDisposeScope();
        var mean = Buffer("value_mean");
        var std = Buffer("value_std");
        var raw = input.Narrow(2, 0, 1);                                                          // (B, W, 1)
        var parts = new List<Tensor> { raw.Sub(mean).Div(std) };
        if (!_residual)
        {
            if (input.Size(2) > 1) parts.Add(input.Narrow(2, 1, input.Size(2) - 1));
            return _net.Forward(Torch.Cat([.. parts], 2)).Mul(std).Add(mean).MoveToOuterScope();
        }
        var season = _config.Data.Season;
        var window = input.Size(1);
        var change = raw.Narrow(1, season, window - season).Sub(raw.Narrow(1, 0, window - season)).Div(Buffer("change_std"));
        parts.Add(F.Pad(change, [0, 0, season, 0]));                                             // (B, W, 1), zeros first
        if (input.Size(2) > 1) parts.Add(input.Narrow(2, 1, input.Size(2) - 1));
        var (_, seasonal) = Baselines(input, _config.Data.Horizon, season);
        return _net.Forward(Torch.Cat([.. parts], 2)).Mul(Buffer("change_std")).Add(seasonal).MoveToOuterScope();
    }

    // The loss: the MSE in the network's own scale (standardised values, or standardised changes from the seasonal-naive
    // forecast), so its size does not depend on the data's units.
    private Tensor Loss(Tensor forecast, Tensor target) =>
        F.MseLoss(forecast, target).Div(Buffer(_residual ? "change_std" : "value_std").Square());

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var opt = new AdamW(Parameters(), lr: _config.Optim.Lr, weightDecay: _config.Optim.WeightDecay);
        // One cycle over the whole run: warm up, then anneal to almost nothing by the last step.
        var total = (int)Math.Clamp(Trainer?.EstimatedTotalSteps ?? 1000, 2, int.MaxValue);
        return OptimizerConfig.One(opt, new OneCycleLR(opt, maxLr: _config.Optim.Lr, totalSteps: total));
    }

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var loss = Loss(Forward(batch.Input), batch.Target);
        Log("train_loss", loss, progressBar: true);
        return loss;
    }

    public override void ValidationStep(Batch batch, int batchIndex) => Evaluate(batch, "val");

    public override void TestStep(Batch batch, int batchIndex) => Evaluate(batch, "test");

    private void Evaluate(Batch batch, string stage)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var forecast = Forward(batch.Input);                                   // (B, H)
        var target = batch.Target;                                             // (B, H)
        Log($"{stage}_loss", Loss(forecast, target));
        var (persistence, seasonal) = Baselines(batch.Input, target.Size(1), _config.Data.Season);
        Update(stage + "_", forecast, target, progressBar: true);
        Update(stage + "_persistence_", persistence, target, progressBar: false);
        Update(stage + "_seasonal_", seasonal, target, progressBar: false);
    }

    // Every forecast step of every window counts once: the metrics see (B·H, 1), so RMSE is the root of the mean
    // squared error over all of them (not a mean of per-step roots).
    private void Update(string prefix, Tensor forecast, Tensor target, bool progressBar)
    {
        var (rmse, mae) = _metrics[prefix];
        var p = forecast.Reshape(-1, 1);
        var t = target.Reshape(-1, 1);
        rmse.Update(p, t);
        mae.Update(p, t);
        Log(prefix + "rmse", rmse, progressBar);
        Log(prefix + "mae", mae);
    }

    /// <summary>The two baselines for (B, window, F) raw inputs, each (B, horizon) in the data's units: persistence
    /// repeats the last observed value; seasonal-naive forecasts step k (0-based) by the value <paramref name="season"/>
    /// steps earlier, repeating the last observed season when the horizon is longer than one.</summary>
    public static (Tensor Persistence, Tensor Seasonal) Baselines(Tensor input, long horizon, int season)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Torch.NewDisposeScope();
        var values = input.Select(2, 0);                                       // (B, W)
        var window = values.Size(1);
        if (season > window) throw new ArgumentException($"a season of {season} steps needs a window of at least {season}, not {window}", nameof(season));
        var persistence = values.Narrow(1, window - 1, 1).Expand(values.Size(0), horizon).Contiguous();
        var index = Torch.Tensor(Enumerable.Range(0, (int)horizon).Select(k => window - season + (long)(k % season)).ToArray());
        var seasonal = values.IndexSelect(1, index.To(values.Device));
        return (persistence.MoveToOuterScope(), seasonal.MoveToOuterScope());
    }

    /// <summary>Forecasts (B, horizon) in the data's units.</summary>
    public override Tensor PredictStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Forward(batch.Input);
    }
}
