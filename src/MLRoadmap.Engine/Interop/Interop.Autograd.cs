using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/autograd.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_autograd_set_requires_grad(TensorHandle a, int requiresGrad);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_get_grad(TensorHandle a, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_set_grad(TensorHandle a, IntPtr grad);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_backward(TensorHandle a, IntPtr grad, int retainGraph, int createGraph);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_grad(IntPtr* outputs, int nOutputs, IntPtr* inputs, int nInputs,
        IntPtr* gradOutputs, int retainGraph, int createGraph, int allowUnused, out IntPtr* result, out int count);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_detach(TensorHandle a, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_detach_(TensorHandle a);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_retain_grad(TensorHandle a);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_grad_fn_name(TensorHandle a, out byte* name);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_is_enabled(out int enabled);

    [LibraryImport(Library)]
    internal static partial int mlr_autograd_set_enabled(int enabled);
}
