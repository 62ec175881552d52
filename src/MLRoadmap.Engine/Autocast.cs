using MLRoadmap.Interop;

namespace MLRoadmap;

/// <summary>
/// Mixed precision: inside an autocast region, eligible ops (matmul, conv, linear) run in float16/bfloat16 while
/// precision-sensitive ones stay in float32, as torch.autocast does. Native side: src/Native/amp.cpp.
/// </summary>
/// <example><code>using (Autocast.Enable(DeviceType.CPU, ScalarType.BFloat16)) { var y = model.Forward(x); }</code></example>
public sealed class Autocast : IDisposable
{
    private readonly DeviceType _device;
    private readonly bool _previousEnabled;
    private readonly ScalarType _previousDtype;
    private bool _disposed;

    private Autocast(DeviceType device, ScalarType dtype, bool enabled)
    {
        _device = device;
        (_previousEnabled, _previousDtype) = Get(device);
        Native.Check(Native.mlr_amp_set_autocast((int)device, enabled ? 1 : 0, (int)dtype));
        Native.Check(Native.mlr_amp_nesting(1, out _));
    }

    /// <summary>Opens an autocast region for the device type. dtype: BFloat16 (CPU and CUDA) or Float16 (CUDA).</summary>
    public static Autocast Enable(DeviceType device, ScalarType dtype, bool enabled = true) => new(device, dtype, enabled);

    /// <summary>Whether autocast is on for the device type on this thread, and with which dtype.</summary>
    public static (bool Enabled, ScalarType Dtype) Get(DeviceType device)
    {
        Native.Check(Native.mlr_amp_get_autocast((int)device, out var enabled, out var dtype));
        return (enabled != 0, (ScalarType)dtype);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Native.Check(Native.mlr_amp_nesting(-1, out _));
        Native.Check(Native.mlr_amp_set_autocast((int)_device, _previousEnabled ? 1 : 0, (int)_previousDtype));
    }

    /// <summary>Gradient-scaler kernel: multiplies each grad by invScale and sets foundInf to 1 if any grad holds an
    /// inf or NaN (torch._amp_foreach_non_finite_check_and_unscale_).</summary>
    public static unsafe void UnscaleGrads(ReadOnlySpan<Tensor> grads, Tensor foundInf, Tensor invScale)
    {
        var handles = Tensor.Handles(grads);
        fixed (IntPtr* p = handles) Native.Check(Native.mlr_amp_unscale_(p, handles.Length, foundInf.Handle, invScale.Handle));
        Torch.KeepAlive(grads);
    }

    /// <summary>Gradient-scaler kernel: backs the scale off on a step with inf/NaN, grows it after growthInterval
    /// clean steps (torch._amp_update_scale_).</summary>
    public static void UpdateScale(Tensor scale, Tensor growthTracker, Tensor foundInf, double growthFactor,
        double backoffFactor, long growthInterval) =>
        Native.Check(Native.mlr_amp_update_scale_(scale.Handle, growthTracker.Handle, foundInf.Handle, growthFactor,
            backoffFactor, growthInterval));
}
