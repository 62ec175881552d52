using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/random.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_random_manual_seed(ulong seed);

    [LibraryImport(Library)]
    internal static partial int mlr_random_initial_seed(int deviceType, int deviceIndex, out ulong seed);

    [LibraryImport(Library)]
    internal static partial int mlr_random_get_state(int deviceType, int deviceIndex, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_random_set_state(int deviceType, int deviceIndex, TensorHandle state);

    [LibraryImport(Library)]
    internal static partial int mlr_random_fill_(int kind, TensorHandle t, double a, double b);

    [LibraryImport(Library)]
    internal static partial int mlr_random_bernoulli(TensorHandle probs, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_random_multinomial(TensorHandle probs, long samples, int replacement,
        out TensorHandle result);
}
