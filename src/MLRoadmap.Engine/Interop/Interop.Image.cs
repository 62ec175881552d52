using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/image.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_image_decode(byte* data, long length, int channels, int chw, out TensorHandle result);
}
