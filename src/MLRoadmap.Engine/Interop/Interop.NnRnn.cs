using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/nn_rnn.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_nn_rnn_forward(int mode, TensorHandle input, TensorHandle hx, IntPtr cx,
        IntPtr* parameters, int count, int hasBiases, long numLayers, double dropout, int train, int bidirectional,
        int batchFirst, out TensorHandle output, out TensorHandle hy, IntPtr* cy);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_rnn_forward_packed(int mode, TensorHandle data, TensorHandle batchSizes,
        IntPtr sorted, IntPtr unsorted, IntPtr hx, IntPtr cx, IntPtr* parameters, int count, int hasBiases,
        long numLayers, double dropout, int train, int bidirectional, long hiddenSize, out TensorHandle output,
        out TensorHandle hy, IntPtr* cy);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_rnn_pack_padded(TensorHandle input, TensorHandle lengths, int batchFirst,
        int enforceSorted, out TensorHandle data, out TensorHandle batchSizes, out IntPtr sorted, out IntPtr unsorted);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_rnn_pad_packed(TensorHandle data, TensorHandle batchSizes, IntPtr sorted,
        IntPtr unsorted, int batchFirst, double paddingValue, long totalLength, out TensorHandle padded,
        out TensorHandle lengths);

    [LibraryImport(Library)]
    internal static partial int mlr_nn_rnn_pad_sequence(IntPtr* sequences, int count, int batchFirst,
        double paddingValue, out TensorHandle result);
}
