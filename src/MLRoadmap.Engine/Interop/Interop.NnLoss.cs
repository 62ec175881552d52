using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/nn_loss.cpp
internal static partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_nn_loss_cross_entropy(TensorHandle input, TensorHandle target, IntPtr weight,
        int reduction, long ignoreIndex, double labelSmoothing, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_loss_nll(TensorHandle input, TensorHandle target, IntPtr weight, int reduction,
        long ignoreIndex, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_loss_elementwise(int kind, TensorHandle input, TensorHandle target,
        int reduction, double param, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_loss_binary_cross_entropy(int withLogits, TensorHandle input,
        TensorHandle target, IntPtr weight, IntPtr posWeight, int reduction, out TensorHandle result);
}
