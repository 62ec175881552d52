using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/nn_rnn.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_nn_rnn_forward(int mode, TensorHandle input, TensorHandle hx, IntPtr cx,
        IntPtr* parameters, int count, int hasBiases, long numLayers, double dropout, int train, int bidirectional,
        int batchFirst, out TensorHandle output, out TensorHandle hy, IntPtr* cy);
}
