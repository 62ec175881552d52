using System.Runtime.InteropServices;

namespace MLRoadmap.Interop;

// src/Native/optim.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Library)]
    internal static partial int mlr_optim_fused_available(int kind, int deviceType, out int available);

    [LibraryImport(Library)]
    internal static partial int mlr_optim_sgd_step(IntPtr* parameters, int count, IntPtr* momentumBuffers, double lr,
        double momentum, double dampening, double weightDecay, int flags);

    [LibraryImport(Library)]
    internal static partial int mlr_optim_adam_step(IntPtr* parameters, int count, IntPtr* steps, IntPtr* expAvgs,
        IntPtr* expAvgSqs, IntPtr* maxExpAvgSqs, double lr, double beta1, double beta2, double eps, double weightDecay,
        int decoupled, int flags);

    [LibraryImport(Library)]
    internal static partial int mlr_optim_rmsprop_step(IntPtr* parameters, int count, IntPtr* steps, IntPtr* squareAvgs,
        IntPtr* momentumBuffers, IntPtr* gradAvgs, double lr, double alpha, double eps, double weightDecay,
        double momentum, int flags);

    [LibraryImport(Library)]
    internal static partial int mlr_optim_zero_grad(IntPtr* parameters, int count, int setToNone);

    [LibraryImport(Library)]
    internal static partial int mlr_optim_clip_grad_norm_(IntPtr* parameters, int count, double maxNorm, double normType,
        int errorIfNonfinite, out IntPtr totalNorm);

    [LibraryImport(Library)]
    internal static partial int mlr_optim_clip_grad_value_(IntPtr* parameters, int count, double clipValue);
}
