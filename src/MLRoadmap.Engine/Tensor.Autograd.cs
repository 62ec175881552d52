using MLRoadmap.Interop;

namespace MLRoadmap;

// Autograd. Native side: src/Native/autograd.cpp.
public partial class Tensor
{
    public bool RequiresGrad
    {
        get => (Flags & 4) != 0;
        set => Native.Check(Native.mlr_autograd_set_requires_grad(Handle, value ? 1 : 0));
    }

    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>The accumulated gradient, or null. Each read returns a new tensor object (owned by the current
    /// scope) sharing the gradient's storage; setting null clears it.</summary>
    public Tensor? Grad
    {
        get
        {
            Native.Check(Native.mlr_autograd_get_grad(Handle, out var r));
            return Wrap(r);
        }
        set
        {
            Native.Check(Native.mlr_autograd_set_grad(Handle, value is null ? IntPtr.Zero : value.Handle.DangerousGetHandle()));
            GC.KeepAlive(value);
        }
    }

    /// <summary>Computes gradients of this tensor w.r.t. the leaves that require grad and adds them to their .Grad.
    /// A non-scalar tensor needs <paramref name="gradient"/>. retainGraph keeps the graph for a second backward.</summary>
    public void Backward(Tensor? gradient = null, bool? retainGraph = null, bool createGraph = false)
    {
        var g = gradient is null ? IntPtr.Zero : gradient.Handle.DangerousGetHandle();
        Native.Check(Native.mlr_autograd_backward(Handle, g, retainGraph is null ? -1 : retainGraph.Value ? 1 : 0,
            createGraph ? 1 : 0));
        GC.KeepAlive(gradient);
    }

    /// <summary>A tensor sharing the data, cut from the graph.</summary>
    public Tensor Detach()
    {
        Native.Check(Native.mlr_autograd_detach(Handle, out var r));
        return new Tensor(r);
    }

    public Tensor Detach_()
    {
        Native.Check(Native.mlr_autograd_detach_(Handle));
        return this;
    }

    /// <summary>Keeps .Grad on a non-leaf tensor after backward.</summary>
    public Tensor RetainGrad()
    {
        Native.Check(Native.mlr_autograd_retain_grad(Handle));
        return this;
    }

    /// <summary>Name of the autograd node that produced this tensor (e.g. "MmBackward0"), or "" for a leaf.</summary>
    public unsafe string GradFnName
    {
        get
        {
            Native.Check(Native.mlr_autograd_grad_fn_name(Handle, out var name));
            return Native.Utf8(name) ?? "";
        }
    }
}

public static partial class Torch
{
    public static bool IsGradEnabled
    {
        get
        {
            Native.Check(Native.mlr_autograd_is_enabled(out var on));
            return on != 0;
        }
        set => Native.Check(Native.mlr_autograd_set_enabled(value ? 1 : 0));
    }

    /// <summary>Disables gradient tracking on this thread until disposed: <c>using var _ = Torch.NoGrad();</c></summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Enables gradient tracking on this thread until disposed (inside a NoGrad region).</summary>
    public static GradModeScope EnableGrad() => new(true);

    /// <summary>torch.autograd.grad: gradients of outputs w.r.t. inputs, returned instead of accumulated in .Grad.
    /// An entry is null for an input the outputs don't depend on (with allowUnused).</summary>
    public static unsafe Tensor?[] Grad(ReadOnlySpan<Tensor> outputs, ReadOnlySpan<Tensor> inputs,
        ReadOnlySpan<Tensor?> gradOutputs = default, bool? retainGraph = null, bool createGraph = false,
        bool allowUnused = false)
    {
        var outs = MLRoadmap.Tensor.Handles(outputs);
        var ins = MLRoadmap.Tensor.Handles(inputs);
        IntPtr[]? gouts = null;
        if (!gradOutputs.IsEmpty)
        {
            if (gradOutputs.Length != outputs.Length)
                throw new ArgumentException($"{gradOutputs.Length} grad outputs for {outputs.Length} outputs");
            gouts = new IntPtr[gradOutputs.Length];
            for (var i = 0; i < gouts.Length; i++) gouts[i] = gradOutputs[i]?.Handle.DangerousGetHandle() ?? IntPtr.Zero;
        }
        IntPtr* array;
        int count;
        fixed (IntPtr* o = outs)
        fixed (IntPtr* i = ins)
        fixed (IntPtr* g = gouts)
            Native.Check(Native.mlr_autograd_grad(o, outs.Length, i, ins.Length, g, retainGraph is null ? -1 : retainGraph.Value ? 1 : 0,
                createGraph ? 1 : 0, allowUnused ? 1 : 0, out array, out count));
        KeepAlive(outputs);
        KeepAlive(inputs);
        foreach (var t in gradOutputs) GC.KeepAlive(t);
        try
        {
            var result = new Tensor?[count];
            for (var k = 0; k < count; k++) result[k] = MLRoadmap.Tensor.Wrap(array[k]);
            return result;
        }
        finally
        {
            Native.mlr_tensor_array_free(array);
        }
    }
}

/// <summary>Restores the previous grad mode when disposed. A struct, so <c>using</c> allocates nothing.</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool _previous;

    internal GradModeScope(bool enabled)
    {
        _previous = Torch.IsGradEnabled;
        Torch.IsGradEnabled = enabled;
    }

    public void Dispose() => Torch.IsGradEnabled = _previous;
}
