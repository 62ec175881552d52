using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/math.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial byte* mlr_math_op_name(int table, int code);

    [LibraryImport(Library)]
    internal static partial int mlr_math_unary(int op, TensorHandle a, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_unary_(int op, TensorHandle a);

    [LibraryImport(Library)]
    internal static partial int mlr_math_binary(int op, TensorHandle a, TensorHandle b, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_binary_(int op, TensorHandle a, TensorHandle b);

    [LibraryImport(Library)]
    internal static partial int mlr_math_binary_scalar(int op, TensorHandle a, NativeScalar s, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_binary_scalar_(int op, TensorHandle a, NativeScalar s);

    [LibraryImport(Library)]
    internal static partial int mlr_math_add_scaled(TensorHandle a, TensorHandle b, NativeScalar alpha, int subtract,
        int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_addc(int kind, TensorHandle self, TensorHandle t1, TensorHandle t2,
        NativeScalar value, int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_clamp(TensorHandle a, NativeScalar min, int hasMin, NativeScalar max,
        int hasMax, int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_lerp(TensorHandle a, TensorHandle end, NativeScalar weight, IntPtr weightTensor,
        int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_matmul(int kind, TensorHandle a, TensorHandle b, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_addmm(TensorHandle self, TensorHandle a, TensorHandle b, NativeScalar beta,
        NativeScalar alpha, int batched, out TensorHandle result);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mlr_math_einsum(string equation, IntPtr* operands, int count, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_div_mode(TensorHandle a, TensorHandle b, int mode, int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_round_decimals(TensorHandle a, long decimals, out TensorHandle result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_clamp_tensor(TensorHandle a, IntPtr min, IntPtr max, int inplace, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int mlr_math_fill_(TensorHandle a, NativeScalar value);
}
