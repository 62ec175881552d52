using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/amp.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_amp_get_autocast(int deviceType, out int enabled, out int dtype);

    [LibraryImport(Library)]
    internal static partial int mlr_amp_set_autocast(int deviceType, int enabled, int dtype);

    [LibraryImport(Library)]
    internal static partial int mlr_amp_nesting(int delta, out int depth);

    [LibraryImport(Library)]
    internal static partial int mlr_amp_unscale_(IntPtr* grads, int count, TensorHandle foundInf, TensorHandle invScale);

    [LibraryImport(Library)]
    internal static partial int mlr_amp_update_scale_(TensorHandle scale, TensorHandle growthTracker,
        TensorHandle foundInf, double growthFactor, double backoffFactor, long growthInterval);
}
