using System.Globalization;

namespace MLRoadmap.Training.Callbacks;

/// <summary>Logs each optimizer's learning rate (and SGD momentum / Adam β1 with <c>logMomentum</c>) at the start of
/// every training step, as <c>lr-{Optimizer}</c> (<c>-pg{i}</c> per group when there are several, <c>-{k}</c> per
/// optimizer when there are several), so step and epoch rows show the schedule.</summary>
public sealed class LearningRateMonitor(bool logMomentum = false) : Callback
{
    public override void OnTrainBatchStart(Trainer trainer, TrainingModule model, int batchIndex)
    {
        var optimizers = trainer.Optimizers;
        for (var o = 0; o < optimizers.Count; o++)
        {
            var opt = optimizers[o];
            var name = "lr-" + opt.Name + (optimizers.Count > 1 ? "-" + o.ToString(CultureInfo.InvariantCulture) : "");
            for (var g = 0; g < opt.ParamGroups.Count; g++)
            {
                var group = opt.ParamGroups[g];
                var suffix = opt.ParamGroups.Count > 1 ? "-pg" + g.ToString(CultureInfo.InvariantCulture) : "";
                trainer.LogValue(name + suffix, group.LearningRate);
                if (!logMomentum) continue;
                if (group.Contains("momentum")) trainer.LogValue("momentum" + name[2..] + suffix, Convert.ToDouble(group["momentum"], CultureInfo.InvariantCulture));
                else if (group.Contains("betas") && group["betas"] is ValueTuple<double, double> betas) trainer.LogValue("beta1" + name[2..] + suffix, betas.Item1);
            }
        }
    }
}
