namespace MLRoadmap.Data;

/// <summary>Where a <see cref="DataLoader"/> stands: the next enumeration yields batch <see cref="Position"/> of
/// epoch <see cref="Epoch"/> next (or starts epoch Epoch + 1 when Position is the epoch's length). Saved in
/// checkpoints and given back to <see cref="DataLoader.Restore"/> to resume exactly.</summary>
public sealed record DataLoaderState(ulong Seed, int Epoch, int Position);
