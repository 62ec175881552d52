using System.Collections;

namespace MLRoadmap.Data;

/// <summary>
/// Hands out a dataset as batches, epoch after epoch: in order or shuffled (a permutation that is a pure function of
/// the seed and the epoch), optionally transformed, built ahead on background threads (<see
/// cref="DataLoaderOptions.Workers"/>). Results are bit-identical for any worker count and after
/// <see cref="Restore"/>, so a run resumed from a checkpoint sees exactly the batches it would have seen.
/// </summary>
/// <remarks>
/// <para>An enumeration yields the batches of <see cref="Epoch"/> from <see cref="Position"/> to the end, each one
/// moving Position on by one; one that begins at the end of an epoch first moves to the start of the next, so
/// <c>for (...) foreach (var batch in loader)</c> runs epoch after epoch.</para>
/// <para>Ownership: the enumerator owns the batch it yielded and disposes it when the next one is asked for or the
/// enumeration ends (a <c>break</c> or an exception included); keep one by copying its tensors. Batches built ahead
/// and never handed out are disposed too. The loader does not own the dataset.</para>
/// <para>One enumeration at a time, driven from one thread. An empty dataset, or one that <see
/// cref="DataLoaderOptions.DropLast"/> leaves without a single batch, is refused when the loader is built: an epoch
/// of no batches would make a training loop spin without training.</para>
/// </remarks>
public sealed class DataLoader : IEnumerable<Batch>, IDisposable
{
    private readonly IBatchedDataset _dataset;
    private readonly int _count;
    private readonly bool _pin;
    private int[]? _identity;
    private LoaderEnumerator? _active;
    private bool _disposed;

    /// <summary>A loader over a dataset that gathers whole batches (a <see cref="TensorDataset"/>, say).</summary>
    public DataLoader(IBatchedDataset dataset, DataLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Options = options ?? new DataLoaderOptions();
        Options.Validate();
        _dataset = dataset;
        _count = dataset.Count;
        if (_count <= 0)
            throw new ArgumentException($"the dataset has {_count} examples; a DataLoader needs at least one", nameof(dataset));
        Length = Options.DropLast ? _count / Options.BatchSize : (int)(((long)_count + Options.BatchSize - 1) / Options.BatchSize);
        if (Length == 0)
            throw new ArgumentException($"DropLast with BatchSize {Options.BatchSize} leaves no batch of the dataset's {_count} " +
                "examples; lower the batch size or turn DropLast off", nameof(options));
        // Page-locking is a CUDA facility (a CPU-only libtorch refuses it), and only pays off before a copy to a GPU.
        _pin = Options.PinMemory && Torch.Cuda.IsAvailable;
    }

    /// <summary>A loader over a dataset of single examples: <paramref name="collate"/> turns each batch's examples,
    /// in order, into a <see cref="Batch"/> (on the worker threads). Tensors the dataset or collate create and don't
    /// put into the batch are freed once the batch is built (the batch is built inside a dispose scope).</summary>
    public static DataLoader Create<T>(IDataset<T> dataset, Func<IReadOnlyList<T>, Batch> collate, DataLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(collate);
        return new DataLoader(new CollatedDataset<T>(dataset, collate), options);
    }

    public DataLoaderOptions Options { get; }

    /// <summary>Batches per epoch: the examples over the batch size, rounded up, or down with DropLast.</summary>
    public int Length { get; }

    /// <summary>The epoch the next batch comes from (starts at 0).</summary>
    public int Epoch { get; private set; }

    /// <summary>Batches of the current epoch already handed out.</summary>
    public int Position { get; internal set; }

    /// <summary>Where the loader stands, to save in a checkpoint.</summary>
    public DataLoaderState State => new(Options.Seed, Epoch, Position);

    /// <summary>Makes the next enumeration start epoch <paramref name="epoch"/> at its first batch.</summary>
    public void SetEpoch(int epoch)
    {
        ThrowIfBusy(nameof(SetEpoch));
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        Position = 0;
    }

    /// <summary>Makes the next enumeration continue exactly where <paramref name="state"/> was taken: the same
    /// remaining batches, transforms included, without reading the batches before it. The state's seed must be this
    /// loader's seed (a different seed gives a different order, so the resume could not be exact: build the loader
    /// with the checkpoint's seed instead), and its position must lie within an epoch of this loader.</summary>
    public void Restore(DataLoaderState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ThrowIfBusy(nameof(Restore));
        if (state.Seed != Options.Seed)
            throw new ArgumentException($"the state was saved by a loader with seed {state.Seed}, but this loader's seed is " +
                $"{Options.Seed}; build the loader with Seed = {state.Seed} to resume the same order and augmentations", nameof(state));
        if (state.Epoch < 0)
            throw new ArgumentOutOfRangeException(nameof(state), $"the state's epoch is {state.Epoch}; epochs start at 0");
        if (state.Position < 0 || state.Position > Length)
            throw new ArgumentOutOfRangeException(nameof(state), $"the state's position {state.Position} is outside 0..{Length}, " +
                $"the batches of one epoch of this loader (did the dataset or the batch size change since it was saved?)");
        Epoch = state.Epoch;
        Position = state.Position;
    }

    public IEnumerator<Batch> GetEnumerator()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_active is not null)
            throw new InvalidOperationException("this DataLoader is already being enumerated; finish or dispose that " +
                "enumeration first (the loader has one position, which two enumerations would both move)");
        _active = new LoaderEnumerator(this);
        return _active;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Stops an enumeration in progress (its workers, its batches). The dataset is left alone.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _active?.Dispose();
    }

    // ---- used by the enumerator ---------------------------------------------------------------------------------

    internal void Ended(LoaderEnumerator enumerator)
    {
        if (ReferenceEquals(_active, enumerator)) _active = null;
    }

    /// <summary>Moves to the next epoch when the current one is used up; returns the order of the epoch to run.</summary>
    internal int[] BeginEnumeration()
    {
        if (Position >= Length)
        {
            Epoch = checked(Epoch + 1);
            Position = 0;
        }
        if (Options.Shuffle) return DataRandom.Permutation(Options.Seed, Epoch, _count);
        if (_identity is null)
        {
            _identity = new int[_count];
            for (var i = 0; i < _identity.Length; i++) _identity[i] = i;
        }
        return _identity;
    }

    /// <summary>Gathers, transforms and pins batch <paramref name="index"/> of <paramref name="epoch"/>; any failure
    /// comes out as a <see cref="DataLoaderException"/> naming the batch. Runs on worker threads.</summary>
    internal Batch Build(int epoch, int index, int[] order)
    {
        var start = (int)((long)index * Options.BatchSize);        // < Count, but the product may not fit an int
        var size = Math.Min(Options.BatchSize, _count - start);
        Batch? batch = null;
        try
        {
            // Whatever the dataset, collate or transform create besides the batch's own tensors ends with this scope.
            using var scope = Torch.NewDisposeScope();
            batch = _dataset.GetBatch(order.AsSpan(start, size))
                ?? throw new InvalidOperationException($"{_dataset.GetType().Name}.GetBatch returned null");
            if (batch.Size != size)
                throw new InvalidOperationException($"{_dataset.GetType().Name}.GetBatch returned a batch of {batch.Size} " +
                    $"examples for {size} indices");
            Options.Transform?.Apply(batch, new DataRandom(Options.Seed, epoch, index));
            if (_pin)
            {
                var pinned = batch.PinMemory();
                batch.Dispose();
                batch = pinned;
            }
            return batch;
        }
        catch (Exception e)
        {
            batch?.Dispose();
            throw new DataLoaderException(epoch, index, e);
        }
    }

    private void ThrowIfBusy(string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_active is not null)
            throw new InvalidOperationException($"{what} while the loader is being enumerated; it applies to the next " +
                "enumeration, so finish or dispose this one first");
    }
}
