using System.Runtime.ExceptionServices;

namespace MLRoadmap.Data;

/// <summary>
/// Worker threads building batches start..end-1 ahead of the consumer, at most <c>prefetch</c> beyond the last one
/// taken, and handing them over strictly in order. Batch b lives in ring slot b % prefetch: the gate (b &lt; taken +
/// prefetch) guarantees batch b - prefetch has left that slot before b can be built.
/// </summary>
internal sealed class BatchPrefetcher : IDisposable
{
    private readonly object _gate = new();
    private readonly Slot[] _ring;
    private readonly Func<int, Batch> _build;
    private readonly Thread[] _threads;
    private readonly int _end;
    private int _nextToBuild;
    private int _taken;
    private bool _stopping;
    private bool _disposed;

    private struct Slot
    {
        public bool Ready;
        public Batch? Batch;
        public ExceptionDispatchInfo? Error;
    }

    public BatchPrefetcher(int start, int end, int workers, int prefetch, Func<int, Batch> build, int epoch)
    {
        _ring = new Slot[prefetch];
        _build = build;
        _end = end;
        _nextToBuild = start;
        _taken = start;
        // More threads than batches that may be outstanding (or left) would only sit waiting.
        _threads = new Thread[Math.Min(workers, Math.Min(prefetch, end - start))];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"DataLoader worker {i} (epoch {epoch})" };
            _threads[i].Start();
        }
    }

    private void Work()
    {
        while (true)
        {
            int index;
            lock (_gate)
            {
                while (!_stopping && _nextToBuild < _end && _nextToBuild >= _taken + _ring.Length) Monitor.Wait(_gate);
                if (_stopping || _nextToBuild >= _end) return;
                index = _nextToBuild++;
            }
            Batch? batch = null;
            ExceptionDispatchInfo? error = null;
            try
            {
                batch = _build(index);
            }
#pragma warning disable CA1031 // Any failure belongs to the consumer, who gets it when it reaches this batch.
            catch (Exception e)
#pragma warning restore CA1031
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
            lock (_gate)
            {
                if (_stopping)
                {
                    batch?.Dispose();
                    return;
                }
                _ring[index % _ring.Length] = new Slot { Ready = true, Batch = batch, Error = error };
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Waits for batch <paramref name="index"/> (the one after the last taken) and hands it over, or
    /// rethrows the exception that building it raised.</summary>
    public Batch Take(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Slot slot;
        lock (_gate)
        {
            if (index != _taken) throw new InvalidOperationException($"batch {index} asked for, but {_taken} is next");
            ref var cell = ref _ring[index % _ring.Length];
            while (!cell.Ready) Monitor.Wait(_gate);
            slot = cell;
            cell = default;
            _taken = index + 1;
            Monitor.PulseAll(_gate);
        }
        slot.Error?.Throw();
        return slot.Batch!;
    }

    /// <summary>Stops the workers (each finishes the batch in hand), waits for them, and frees every batch built and
    /// not taken.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var t in _threads) t.Join();
        for (var i = 0; i < _ring.Length; i++)
        {
            _ring[i].Batch?.Dispose();
            _ring[i] = default;
        }
    }
}
