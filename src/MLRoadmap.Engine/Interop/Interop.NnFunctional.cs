using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/nn_functional.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial byte* mlr_nn_functional_activation_name(int code);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_activation(int op, TensorHandle x, double a, double b, int inplace,
        out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_prelu(TensorHandle x, TensorHandle weight, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_linear(TensorHandle x, TensorHandle weight, IntPtr bias,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_conv(int transposed, TensorHandle x, TensorHandle weight, IntPtr bias,
        long* stride, long* padding, long* dilation, long* outputPadding, int n, int paddingMode, long groups,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_batch_norm(TensorHandle x, IntPtr weight, IntPtr bias,
        IntPtr runningMean, IntPtr runningVar, int training, double momentum, double eps, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_norm(int kind, TensorHandle x, long* shape, int n, long numGroups,
        IntPtr weight, IntPtr bias, double eps, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_dropout(int kind, TensorHandle x, double p, int train, int inplace,
        out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_embedding(TensorHandle weight, TensorHandle indices, long paddingIdx,
        double maxNorm, double normType, int scaleGradByFreq, int sparse, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_pool(int kind, TensorHandle x, long* kernel, long* stride,
        int strideN, long* padding, long* dilation, int n, int ceilMode, int countIncludePad, long divisorOverride,
        out TensorHandle result, IntPtr* indices);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_adaptive_pool(int kind, TensorHandle x, long* outputSize, int n,
        out TensorHandle result, IntPtr* indices);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_pad(TensorHandle x, long* pad, int n, int mode, double value,
        out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_functional_interpolate(TensorHandle x, int mode, long* size, int sizeN,
        double* scales, int scalesN, int alignCorners, int antialias, out TensorHandle result);
}
