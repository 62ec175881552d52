using System.Collections;

namespace MLRoadmap.Data;

/// <summary>One pass over the rest of an epoch. Owns the batch it last yielded and, with workers, the prefetcher.</summary>
internal sealed class LoaderEnumerator : IEnumerator<Batch>
{
    private readonly DataLoader _loader;
    private BatchPrefetcher? _prefetcher;
    private int[]? _order;
    private Batch? _current;
    private int _epoch;
    private int _next;
    private int _end;
    private bool _started;
    private bool _finished;
    private bool _disposed;

    public LoaderEnumerator(DataLoader loader) => _loader = loader;

    public Batch Current => _current ?? throw new InvalidOperationException(
        "no current batch: call MoveNext first (a batch stops being current when the next one is asked for)");

    object IEnumerator.Current => Current;

    public bool MoveNext()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Release();
        if (!_started) Start();
        if (_finished) return false;
        if (_next == _end)
        {
            Finish();
            return false;
        }
        try
        {
            _current = _prefetcher is null ? _loader.Build(_epoch, _next, _order!) : _prefetcher.Take(_next);
        }
        catch
        {
            Finish();
            throw;
        }
        _next++;
        _loader.Position = _next;
        return true;
    }

    private void Start()
    {
        _started = true;
        _order = _loader.BeginEnumeration();
        _epoch = _loader.Epoch;
        _next = _loader.Position;
        _end = _loader.Length;
        var options = _loader.Options;
        if (options.Workers > 0 && _next < _end)
        {
            int epoch = _epoch;
            int[] order = _order;
            _prefetcher = new BatchPrefetcher(_next, _end, options.Workers, options.Prefetch,
                index => _loader.Build(epoch, index, order), epoch);
        }
    }

    public void Reset() => throw new NotSupportedException("a DataLoader enumeration can't restart; enumerate the loader again");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
        Finish();
        _loader.Ended(this);
    }

    private void Release()
    {
        _current?.Dispose();
        _current = null;
    }

    private void Finish()
    {
        _finished = true;
        _prefetcher?.Dispose();
        _prefetcher = null;
    }
}
