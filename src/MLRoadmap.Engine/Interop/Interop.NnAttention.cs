using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/nn_attention.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_nn_attention_fused_available();

    [LibraryImport(Library)]
    internal static partial int mlr_nn_attention_sdpa(TensorHandle q, TensorHandle k, TensorHandle v, IntPtr mask,
        double dropoutP, int isCausal, double scale, int needWeights, out TensorHandle result, IntPtr* weights);
}
