using System.Text.Json.Nodes;
using MLRoadmap.Optim;

namespace MLRoadmap.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training (PyTorch's GradScaler, built on the same two kernels): the loss is
/// multiplied by a scale before backward so small gradients don't flush to zero in fp16; before each optimizer step
/// the gradients are unscaled and checked; a step whose gradients hold an inf or NaN is skipped and the scale halved;
/// after GrowthInterval clean steps the scale doubles.
/// </summary>
public sealed class GradScaler : IDisposable
{
    private readonly GradScalerOptions _options;
    private readonly Tensor _scale;          // (1,) float32 on the device
    private readonly Tensor _growthTracker;  // (1,) int32 on the device
    private readonly Dictionary<Optimizer, Tensor> _foundInf = new(ReferenceEqualityComparer.Instance);

    public GradScaler(Device device, GradScalerOptions? options = null)
    {
        _options = options ?? new GradScalerOptions();
        _scale = Torch.Full([1], _options.InitScale, ScalarType.Float32, device).DetachFromDisposeScope();
        _growthTracker = Torch.Zeros([1], ScalarType.Int32, device).DetachFromDisposeScope();
    }

    /// <summary>The current scale (a host read).</summary>
    public double Scale => _scale.Item<double>();

    public Tensor ScaleLoss(Tensor loss) => loss * _scale;

    /// <summary>Divides <paramref name="optimizer"/>'s gradients by the scale (once per step) and records whether any
    /// was inf/NaN. Call before clipping.</summary>
    public void Unscale(Optimizer optimizer)
    {
        if (_foundInf.ContainsKey(optimizer)) return;
        using var scope = Torch.NewDisposeScope();
        var found = Torch.Zeros([1], ScalarType.Float32, _scale.Device).DetachFromDisposeScope();
        _foundInf[optimizer] = found;
        var inv = _scale.To(ScalarType.Float64).Reciprocal().To(ScalarType.Float32);
        var grads = optimizer.ParamGroups.SelectMany(g => g.Parameters).Select(p => p.Grad).OfType<Tensor>().ToArray();
        if (grads.Length == 0) return;
        if (UsesKernels(_scale.Device))
        {
            Autocast.UnscaleGrads(grads, found, inv);
            return;
        }
        // libtorch 1.x has the scaler kernels for CUDA only: the same arithmetic from ordinary ops (multiply by the
        // float32 inverse scale, then flag any non-finite value).
        foreach (var g in grads)
        {
            g.Mul_(inv);
            found.Add_(g.IsFinite().LogicalNot().Any().To(ScalarType.Float32));
        }
        found.Clamp_(0, 1);
    }

    private static bool? _cpuKernels;

    // Whether libtorch has the fused scaler kernels for this device (CUDA always; the CPU from 2.x).
    private static bool UsesKernels(Device device)
    {
        if (device.Type == DeviceType.CUDA) return true;
        if (_cpuKernels is { } known) return known;
        using var scope = Torch.NewDisposeScope();
        try
        {
            Autocast.UnscaleGrads([Torch.Ones([1])], Torch.Zeros([1]), Torch.Ones([1]));
            _cpuKernels = true;
        }
        catch (TorchException)
        {
            _cpuKernels = false;
        }
        return _cpuKernels.Value;
    }

    /// <summary>Steps <paramref name="optimizer"/> unless its gradients overflowed; returns whether it stepped.</summary>
    public bool Step(Optimizer optimizer)
    {
        Unscale(optimizer);
        if (_foundInf[optimizer].Item<float>() != 0) return false;
        optimizer.Step();
        return true;
    }

    /// <summary>Ends the step: adjusts the scale from every optimizer's overflow flag, and forgets the flags.</summary>
    public void Update()
    {
        if (_foundInf.Count == 0) return;
        using var scope = Torch.NewDisposeScope();
        var found = _foundInf.Values.Aggregate((Tensor?)null, (acc, f) => acc is null ? f.Clone() : acc.Add_(f))!;
        if (UsesKernels(_scale.Device))
        {
            Autocast.UpdateScale(_scale, _growthTracker, found, _options.GrowthFactor, _options.BackoffFactor, _options.GrowthInterval);
        }
        else if (found.Item<float>() != 0)
        {
            _scale.Mul_(_options.BackoffFactor);
            _growthTracker.Zero_();
        }
        else if (_growthTracker.Item<int>() + 1 == _options.GrowthInterval)
        {
            _scale.Mul_(_options.GrowthFactor);
            _growthTracker.Zero_();
        }
        else
        {
            _growthTracker.Add_(1);
        }
        foreach (var f in _foundInf.Values) f.Dispose();
        _foundInf.Clear();
    }

    public JsonObject StateDict() => new()
    {
        ["scale"] = Json.Number(Scale),
        ["growth_tracker"] = _growthTracker.Item<long>(),
    };

    public void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var scale = Json.ToDouble(state["scale"] ?? throw new FormatException("scaler state has no 'scale'"));
        var tracker = (long?)state["growth_tracker"] ?? throw new FormatException("scaler state has no 'growth_tracker'");
        _scale.Fill_(scale);
        _growthTracker.Fill_(tracker);
    }

    public void Dispose()
    {
        _scale.Dispose();
        _growthTracker.Dispose();
        foreach (var f in _foundInf.Values) f.Dispose();
        _foundInf.Clear();
    }
}
