using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/errors.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial byte* mlr_errors_message();

    [LibraryImport(Library)]
    internal static partial byte* mlr_errors_detail();

    [LibraryImport(Library)]
    internal static partial int mlr_errors_throw_for_test(int kind);
}
