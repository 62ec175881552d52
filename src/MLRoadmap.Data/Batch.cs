namespace MLRoadmap.Data;

/// <summary>
/// One batch: a short list of tensors whose first dimension is the batch (by convention input first, target second;
/// text batches may add lengths or masks). A batch owns its tensors: they are in no dispose scope, and
/// <see cref="Dispose"/> frees them. That lets a batch be built on a loader's worker thread and consumed on the
/// training thread.
/// </summary>
public sealed class Batch : IDisposable
{
    private readonly Tensor[] _tensors;

    /// <summary>Takes ownership of <paramref name="tensors"/> (taking them out of any dispose scope).</summary>
    public Batch(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("a batch needs at least one tensor", nameof(tensors));
        for (var i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentException($"tensor {i} of the batch is null", nameof(tensors));
            ObjectDisposedException.ThrowIf(t.IsDisposed, t);
        }
        var size = tensors[0].Dim == 0 ? -1 : tensors[0].Shape[0];
        for (var i = 1; i < tensors.Length; i++)
            if (tensors[i].Dim == 0 || tensors[i].Shape[0] != size)
                throw new ArgumentException($"batch tensor {i} has shape [{string.Join(", ", tensors[i].Shape)}], " +
                    $"but tensor 0 has {size} rows; every tensor of a batch needs the same first dimension", nameof(tensors));
        _tensors = tensors;
        foreach (var t in _tensors) t.DetachFromDisposeScope();
    }

    /// <summary>How many tensors the batch holds.</summary>
    public int Count => _tensors.Length;

    public Tensor this[int index]
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _tensors[index];
        }
    }

    /// <summary>The first tensor (the model input by convention).</summary>
    public Tensor Input => this[0];

    /// <summary>The second tensor (the target by convention).</summary>
    public Tensor Target => Count > 1 ? this[1] : throw new InvalidOperationException("this batch has no target (it holds one tensor)");

    /// <summary>The number of examples: the first dimension of the tensors.</summary>
    public long Size => this[0].Dim == 0 ? 1 : this[0].Shape[0];

    public bool IsDisposed { get; private set; }

    /// <summary>A new batch on <paramref name="device"/>; this one is left as it is (the caller disposes both).</summary>
    public Batch To(Device device, bool nonBlocking = false)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var moved = new Tensor[_tensors.Length];
        try
        {
            for (var i = 0; i < moved.Length; i++) moved[i] = _tensors[i].To(device, nonBlocking: nonBlocking).DetachFromDisposeScope();
        }
        catch
        {
            foreach (var t in moved) t?.Dispose();
            throw;
        }
        return new Batch(moved);
    }

    /// <summary>A new batch whose floating-point 4-D tensors (5-D for <see cref="MemoryFormat.ChannelsLast3d"/>), the
    /// images, are laid out in <paramref name="format"/>; the other tensors are shared. This one is left as it is (the
    /// caller disposes both).</summary>
    public Batch To(MemoryFormat format)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var rank = format == MemoryFormat.ChannelsLast3d ? 5 : 4;
        var laid = new Tensor[_tensors.Length];
        try
        {
            for (var i = 0; i < laid.Length; i++)
            {
                var t = _tensors[i];
                laid[i] = (t.Dim == rank && t.Dtype.IsFloatingPoint() ? t.Contiguous(format) : t.Alias()).DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (var t in laid) t?.Dispose();
            throw;
        }
        return new Batch(laid);
    }

    /// <summary>A new batch whose tensors are in page-locked host memory (for non-blocking copies to CUDA).</summary>
    public Batch PinMemory()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var pinned = new Tensor[_tensors.Length];
        try
        {
            for (var i = 0; i < pinned.Length; i++) pinned[i] = _tensors[i].PinMemory().DetachFromDisposeScope();
        }
        catch
        {
            foreach (var t in pinned) t?.Dispose();
            throw;
        }
        return new Batch(pinned);
    }

    /// <summary>Replaces tensor <paramref name="index"/> (a transform's output), disposing the old one.</summary>
    public void Replace(int index, Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentNullException.ThrowIfNull(tensor);
        if (ReferenceEquals(_tensors[index], tensor)) return;
        var old = _tensors[index];
        _tensors[index] = tensor.DetachFromDisposeScope();
        old.Dispose();
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        foreach (var t in _tensors) t.Dispose();
    }
}
