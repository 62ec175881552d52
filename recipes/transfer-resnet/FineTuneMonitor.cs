using MLRoadmap.Training;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>Logs, every step, whether the backbone is frozen (1 or 0) and the learning rates of the head and the
/// stem (the ends of the discriminative range), so the metrics and each epoch's line show the fine_tune schedule.</summary>
internal sealed class FineTuneMonitor : Callback
{
    public override void OnTrainBatchStart(Trainer trainer, TrainingModule model, int batchIndex)
    {
        if (model is not TransferModule module || trainer.Optimizers.Count == 0) return;
        var groups = trainer.Optimizers[0].ParamGroups;
        trainer.LogValue("frozen", module.BackboneFrozen ? 1 : 0);
        trainer.LogValue("lr_head", groups[^1].LearningRate);
        trainer.LogValue("lr_stem", groups[0].LearningRate);
    }
}
