using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

/// <summary>
/// Owns one native at::Tensor* handle. Dispose frees it at once on the calling thread. The finalizer is only a
/// safety net for a tensor nobody disposed: it never calls into libtorch itself, it queues the pointer, and the
/// queue is drained by ordinary threads (at scope boundaries and on <see cref="Torch.CollectGarbage"/>). So a
/// finalizer can neither crash nor free concurrently with code running on the thread that used the tensor.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    private static readonly ConcurrentQueue<IntPtr> Orphans = new();
    private static int _orphanCount;
    private bool _finalizing;

    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal TensorHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Handles waiting in the finalizer queue; non-zero means some tensor was never disposed.</summary>
    internal static int OrphanCount => Volatile.Read(ref _orphanCount);

    protected override void Dispose(bool disposing)
    {
        if (!disposing) _finalizing = true;
        base.Dispose(disposing);
    }

    protected override bool ReleaseHandle()
    {
        if (_finalizing)
        {
            Orphans.Enqueue(handle);
            Interlocked.Increment(ref _orphanCount);
        }
        else
        {
            Native.mlr_tensor_free(handle);
        }
        return true;
    }

    /// <summary>Frees every handle the finalizer queued. Cheap when the queue is empty.</summary>
    internal static void DrainOrphans()
    {
        if (Volatile.Read(ref _orphanCount) == 0) return;
        while (Orphans.TryDequeue(out var orphan))
        {
            Interlocked.Decrement(ref _orphanCount);
            Native.mlr_tensor_free(orphan);
        }
    }
}

/// <summary>A number as the shim takes it: two 8-byte words, passed in registers.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeScalar
{
    public long Bits;
    public int Kind; // 0 double, 1 int64, 2 bool
    public int Reserved;
}
