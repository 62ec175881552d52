namespace MLRoadmap.Data;

/// <summary>How a <see cref="DataLoader"/> batches, orders, transforms and prefetches. Checked when a loader is
/// built; a bad value is an <see cref="ArgumentException"/> naming the field.</summary>
public sealed record DataLoaderOptions
{
    /// <summary>Examples per batch. Default 32: a common size for small-image and tabular training, large enough that
    /// per-batch overhead (native calls, the optimizer step) is small next to the work.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Reorder the examples every epoch (a permutation drawn from <see cref="Seed"/> and the epoch).
    /// Default false: evaluation and ordered data must keep their order; training loaders turn it on.</summary>
    public bool Shuffle { get; init; }

    /// <summary>Leave out the last batch of an epoch when it is smaller than <see cref="BatchSize"/>. Default false:
    /// every example is seen every epoch.</summary>
    public bool DropLast { get; init; }

    /// <summary>The seed of the shuffle and of the transforms' random draws. Default 0: runs are reproducible unless
    /// a seed is chosen.</summary>
    public ulong Seed { get; init; }

    /// <summary>Background threads that build batches ahead of the consumer; 0 builds each batch on the consumer's
    /// thread when it asks. Default 1: one thread overlaps building the next batches with the training step without
    /// competing much with libtorch's own threads; more help only when a batch costs more to build than a step
    /// (decoding, heavy augmentation). Results are identical for every value.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Batches built or being built ahead of the one the consumer holds (all workers together; ignored
    /// with 0 workers). Default 4: enough to keep up to four workers busy and to absorb uneven batch costs, for the
    /// memory of four batches.</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>Applied to each batch after it is gathered, with that batch's <see cref="DataRandom"/> (on the
    /// worker threads, so it must not change shared state). Default none: data is handed out as stored.</summary>
    public IBatchTransform? Transform { get; init; }

    /// <summary>Copy each finished batch into page-locked host memory, so its copy to a CUDA device can be
    /// non-blocking. Only when CUDA is available (<c>Torch.Cuda.IsAvailable</c>); otherwise it does nothing, since
    /// page-locking is a CUDA facility and a CPU-only run has nothing to gain from it. Default false: it costs a copy
    /// per batch and only pays off when training on a GPU.</summary>
    public bool PinMemory { get; init; }

    internal void Validate()
    {
        if (BatchSize < 1)
            throw new ArgumentException($"DataLoaderOptions.BatchSize must be at least 1 (got {BatchSize})", nameof(BatchSize));
        if (Workers < 0)
            throw new ArgumentException($"DataLoaderOptions.Workers must be 0 (build batches on the consumer's thread) or more (got {Workers})", nameof(Workers));
        if (Workers > 0 && Prefetch < 1)
            throw new ArgumentException($"DataLoaderOptions.Prefetch must be at least 1 when Workers is {Workers} (got {Prefetch})", nameof(Prefetch));
    }
}
