namespace MLRoadmap.NN;

/// <summary>
/// A tensor a module or optimizer owns: it requires grad by default and belongs to no dispose scope, so it lives
/// until its owner is disposed however many training steps (each in its own scope) run meanwhile.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Takes over <paramref name="data"/>'s native handle: the argument is consumed (disposed), and the
    /// new parameter leaves every scope.</summary>
    public Parameter(Tensor data, bool requiresGrad = true) : base(data, takeOwnership: true)
    {
        if (requiresGrad && !Dtype.IsFloatingPoint() && Dtype is not (ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64))
            throw new ArgumentException($"only floating-point tensors can require grad, not {Dtype.TorchName()}", nameof(data));
        RequiresGrad = requiresGrad;
    }

    public override string ToString() => "Parameter" + base.ToString()["Tensor".Length..];
}
