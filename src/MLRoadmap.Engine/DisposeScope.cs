using MLRoadmap.Interop;

namespace MLRoadmap;

/// <summary>
/// Frees, when disposed, every tensor created on this thread while it was the innermost open scope, except the
/// ones moved out of it. This is what keeps native memory deterministic: a training step runs inside a scope, and
/// nothing it allocated outlives it unless the step says so.
/// </summary>
/// <example>
/// <code>
/// using (var scope = Torch.NewDisposeScope())
/// {
///     var loss = F.CrossEntropy(model.Forward(x), y);
///     loss.Backward();
///     kept = loss.Detach().MoveToOuterScope();   // everything else is freed here
/// }
/// </code>
/// </example>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    private readonly List<Tensor> _tensors = [];
    private readonly int _thread;
    private int _compactAt = 1024;
    private bool _disposed;

    internal DisposeScope()
    {
        Parent = _current;
        _thread = Environment.CurrentManagedThreadId;
        _current = this;
        TensorHandle.DrainOrphans();
    }

    /// <summary>The innermost open scope on this thread, or null.</summary>
    public static DisposeScope? Current => _current;

    /// <summary>The scope that was current when this one opened; tensors moved out go there.</summary>
    public DisposeScope? Parent { get; }

    public bool IsDisposed => _disposed;

    /// <summary>Tensors this scope will free when disposed (owned and not yet disposed).</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var t in _tensors)
                if (ReferenceEquals(t.Scope, this) && !t.IsDisposed) n++;
            return n;
        }
    }

    internal static void Adopt(Tensor tensor)
    {
        var scope = _current;
        if (scope is null) return;
        if (scope._tensors.Count >= scope._compactAt) scope.Compact();
        scope._tensors.Add(tensor);
        tensor.Scope = scope;
    }

    // A long-lived scope (an epoch, a whole evaluation) would otherwise hold every tensor object ever made in it,
    // disposed or moved out, until it ends. Dropping those keeps its list proportional to what it still owns;
    // the doubling threshold keeps the cost amortised O(1) per tensor.
    private void Compact()
    {
        _tensors.RemoveAll(t => !ReferenceEquals(t.Scope, this) || t.IsDisposed);
        _compactAt = Math.Max(1024, _tensors.Count * 2);
    }

    /// <summary>Makes this scope the owner of a tensor, taking it from whichever scope owned it before.</summary>
    public T Include<T>(T tensor) where T : Tensor
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _tensors.Add(tensor);
        tensor.Scope = this;
        return tensor;
    }

    /// <summary>Disposes the tensors of this scope and of any scope opened inside it that is still open.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _thread)
            throw new InvalidOperationException("A DisposeScope must be disposed on the thread that opened it.");
        // Inner scopes left open (an exception skipped their using) close with this one.
        while (_current is not null && !ReferenceEquals(_current, this) && IsInside(_current)) _current.Dispose();
        _disposed = true;
        foreach (var tensor in _tensors)
        {
            if (!ReferenceEquals(tensor.Scope, this)) continue;
            tensor.Scope = null;
            tensor.Dispose();
        }
        _tensors.Clear();
        if (ReferenceEquals(_current, this)) _current = Parent;
        TensorHandle.DrainOrphans();
    }

    private bool IsInside(DisposeScope scope)
    {
        for (var s = scope.Parent; s is not null; s = s.Parent)
            if (ReferenceEquals(s, this)) return true;
        return false;
    }
}
