using MLRoadmap.Interop;

namespace MLRoadmap.NN;

/// <summary>torch.nn.utils. Partial: other files of the engine add their own utilities.</summary>
public static partial class Utils
{
    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: the <paramref name="normType"/>-norm of all gradients together (as if
    /// concatenated into one vector; <c>double.PositiveInfinity</c> for the max-norm), after which every gradient is
    /// scaled in place by min(1, maxNorm / (norm + 1e-6)). Parameters without a gradient are skipped. Returns the
    /// total norm before clipping, a scalar tensor owned by the current scope (0 when no parameter has a gradient).
    /// One native call; libtorch's multi-tensor norm and scale where it has them.
    /// </summary>
    /// <exception cref="TorchException">errorIfNonfinite and the norm is NaN or infinite (nothing is scaled).</exception>
    public static unsafe Tensor ClipGradNorm_(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2,
        bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToArray();
        var handles = Tensor.Handles(list);
        IntPtr total;
        fixed (IntPtr* p = handles)
            Native.Check(Native.mlr_optim_clip_grad_norm_(p, handles.Length, maxNorm, normType, errorIfNonfinite ? 1 : 0, out total));
        GC.KeepAlive(list);
        return Tensor.Wrap(total)!;
    }

    /// <summary>torch.nn.utils.clip_grad_value_: clamps every gradient to [−clipValue, clipValue] in place.
    /// Parameters without a gradient are skipped.</summary>
    public static unsafe void ClipGradValue_(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToArray();
        var handles = Tensor.Handles(list);
        fixed (IntPtr* p = handles) Native.Check(Native.mlr_optim_clip_grad_value_(p, handles.Length, clipValue));
        GC.KeepAlive(list);
    }
}
