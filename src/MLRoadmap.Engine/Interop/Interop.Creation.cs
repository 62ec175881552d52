using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/creation.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_creation_empty(long* shape, int ndim, int dtype, int deviceType, int deviceIndex,
        int requiresGrad, int pin, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_creation_full(long* shape, int ndim, NativeScalar value, int dtype, int deviceType,
        int deviceIndex, int requiresGrad, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_creation_arange(NativeScalar start, NativeScalar end, NativeScalar step, int dtype,
        int deviceType, int deviceIndex, int requiresGrad, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_creation_linspace(double start, double end, long steps, int dtype, int deviceType,
        int deviceIndex, int requiresGrad, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_creation_eye(long n, long m, int dtype, int deviceType, int deviceIndex,
        int requiresGrad, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_creation_random(int kind, long* shape, int ndim, long low, long high, int dtype,
        int deviceType, int deviceIndex, int requiresGrad, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_creation_randperm(long n, int dtype, int deviceType, int deviceIndex,
        out TensorHandle result);
}
