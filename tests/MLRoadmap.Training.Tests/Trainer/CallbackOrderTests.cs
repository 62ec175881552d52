using MLRoadmap.Data;
using MLRoadmap.Optim;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;

namespace MLRoadmap.Tests.Trainer;

/// <summary>Records every hook call, after Lightning's hook-order test, and checks the exact sequence.</summary>
[Collection(SerialTests.Name)]
public sealed class CallbackOrderTests
{
    private sealed class Recorder(string name, List<string> calls) : Callback
    {
        public override string StateKey => name;
        public override void OnFitStart(Training.Trainer t, TrainingModule m) => calls.Add($"{name}.FitStart");
        public override void OnTrainEpochStart(Training.Trainer t, TrainingModule m) => calls.Add($"{name}.TrainEpochStart({t.CurrentEpoch})");
        public override void OnTrainBatchStart(Training.Trainer t, TrainingModule m, int i) => calls.Add($"{name}.TrainBatchStart({i})");
        public override void OnBeforeOptimizerStep(Training.Trainer t, TrainingModule m, Optimizer o) => calls.Add($"{name}.BeforeOptimizerStep");
        public override void OnTrainBatchEnd(Training.Trainer t, TrainingModule m, int i, double loss) => calls.Add($"{name}.TrainBatchEnd({i},step={t.GlobalStep})");
        public override void OnValidationStart(Training.Trainer t, TrainingModule m) => calls.Add($"{name}.ValidationStart");
        public override void OnValidationEnd(Training.Trainer t, TrainingModule m) => calls.Add($"{name}.ValidationEnd");
        public override void OnTrainEpochEnd(Training.Trainer t, TrainingModule m) => calls.Add($"{name}.TrainEpochEnd({t.CurrentEpoch})");
        public override void OnFitEnd(Training.Trainer t, TrainingModule m) => calls.Add($"{name}.FitEnd");
        public override void OnException(Training.Trainer t, TrainingModule m, Exception e) => calls.Add($"{name}.Exception({e.GetType().Name})");
    }

    private static List<string> Run(int accumulate, int trainExamples, int epochs, Action<BoringModel>? setup = null)
    {
        var calls = new List<string>();
        using var train = BoringModel.Data(trainExamples, 1);
        using var val = BoringModel.Data(8, 2);
        using var tl = new DataLoader(train, new DataLoaderOptions { BatchSize = 4, Workers = 0 });
        using var vl = new DataLoader(val, new DataLoaderOptions { BatchSize = 4, Workers = 0 });
        using var model = new BoringModel();
        setup?.Invoke(model);
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = epochs, Device = Device.CPU, AccumulateGradBatches = accumulate },
            [new Recorder("a", calls), new Recorder("b", calls)]);
        try
        {
            trainer.Fit(model, tl, vl);
        }
        catch (InvalidOperationException)
        {
            // The failing run's hooks are what the test looks at.
        }
        return calls;
    }

    [Fact]
    public void Hooks_run_in_lifecycle_order_and_callbacks_in_the_order_given()
    {
        var calls = Run(accumulate: 1, trainExamples: 8, epochs: 1);
        string[] expected =
        [
            "a.FitStart", "b.FitStart",
            "a.TrainEpochStart(0)", "b.TrainEpochStart(0)",
            "a.TrainBatchStart(0)", "b.TrainBatchStart(0)",
            "a.BeforeOptimizerStep", "b.BeforeOptimizerStep",
            "a.TrainBatchEnd(0,step=1)", "b.TrainBatchEnd(0,step=1)",
            "a.TrainBatchStart(1)", "b.TrainBatchStart(1)",
            "a.BeforeOptimizerStep", "b.BeforeOptimizerStep",
            "a.TrainBatchEnd(1,step=2)", "b.TrainBatchEnd(1,step=2)",
            "a.ValidationStart", "b.ValidationStart",
            "a.ValidationEnd", "b.ValidationEnd",
            "a.TrainEpochEnd(0)", "b.TrainEpochEnd(0)",
            "a.FitEnd", "b.FitEnd",
        ];
        Assert.Equal(expected, calls);
    }

    [Fact]
    public void With_accumulation_the_optimizer_hook_runs_once_per_window_and_the_step_counts_windows()
    {
        var calls = Run(accumulate: 2, trainExamples: 12, epochs: 1).Where(c => c.StartsWith("a.", StringComparison.Ordinal)).ToList();
        string[] expected =
        [
            "a.FitStart", "a.TrainEpochStart(0)",
            "a.TrainBatchStart(0)", "a.TrainBatchEnd(0,step=0)",
            "a.TrainBatchStart(1)", "a.BeforeOptimizerStep", "a.TrainBatchEnd(1,step=1)",
            "a.TrainBatchStart(2)", "a.BeforeOptimizerStep", "a.TrainBatchEnd(2,step=2)",   // the epoch's last batch closes a short window
            "a.ValidationStart", "a.ValidationEnd", "a.TrainEpochEnd(0)", "a.FitEnd",
        ];
        Assert.Equal(expected, calls);
    }

    [Fact]
    public void A_failing_step_reaches_every_callback_before_it_propagates()
    {
        var calls = Run(accumulate: 1, trainExamples: 8, epochs: 1, m => m.PoisonAtStep.Add(2));
        Assert.Equal(["a.Exception(NonFiniteLossException)", "b.Exception(NonFiniteLossException)"], calls.TakeLast(2));
        Assert.DoesNotContain(calls, c => c.Contains("FitEnd", StringComparison.Ordinal));
    }
}
