using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/nn_init.cpp
internal static partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_nn_init_fill_(int kind, TensorHandle t, NativeScalar value);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_init_orthogonal_(TensorHandle t, double gain);
}
