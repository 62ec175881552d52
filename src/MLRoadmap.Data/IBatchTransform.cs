namespace MLRoadmap.Data;

/// <summary>
/// A change to a whole batch (augmentation, normalisation), applied by a <see cref="DataLoader"/> after the batch is
/// gathered. It replaces the tensors it changes (<see cref="Batch.Replace"/>) rather than writing into them: a
/// dataset may hand out views of its own storage. Random choices come from the <see cref="DataRandom"/> it is given only, so a
/// batch transforms the same way on any worker and after a resume.
/// </summary>
/// <remarks>Called from worker threads, several batches at once: implementations must not change shared state.</remarks>
public interface IBatchTransform
{
    void Apply(Batch batch, DataRandom random);
}
