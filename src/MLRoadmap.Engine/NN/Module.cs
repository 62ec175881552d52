using System.Diagnostics.CodeAnalysis;

namespace MLRoadmap.NN;

/// <summary>
/// The base of every layer and model, as torch.nn.Module: it owns named parameters, buffers and child modules,
/// switches between training and evaluation, moves itself between devices and dtypes, and disposes everything it
/// owns deterministically.
/// </summary>
/// <remarks>
/// <para>Registration is explicit (C# has no <c>__setattr__</c>): a module's constructor calls
/// <see cref="RegisterParameter"/>, <see cref="RegisterBuffer"/> and <see cref="RegisterModule{T}"/>, and the names
/// given there are the state-dict names, in PyTorch's dotted form (<c>layers.1.self_attn.in_proj_weight</c>).
/// Registration order is iteration order, as in PyTorch, so parameters list and initialise in the same order.</para>
/// <para>Ownership: parameters, buffers and children belong to the module and are freed by <see cref="Dispose()"/>;
/// none of them is ever in a <see cref="DisposeScope"/>, so they survive every training step's scope. Replacing a
/// registered parameter or buffer with another object disposes the old one.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1716", Justification = "torch.nn.Module's name is what users of this API look for.")]
public abstract partial class Module : IDisposable
{
    private readonly OrderedDictionary<string, Parameter?> _parameters = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Tensor?> _buffers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nonPersistentBuffers = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Module?> _modules = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>. Dropout and batch norm read it.</summary>
    public bool IsTraining { get; private set; } = true;

    public bool IsDisposed => _disposed;

    // ---- registration ----------------------------------------------------------------------------------------

    /// <summary>Adds (or replaces) a parameter. null registers the name with no parameter (an absent bias), which
    /// state dicts skip, as PyTorch's <c>register_parameter(name, None)</c>.</summary>
    public Parameter? RegisterParameter(string name, Parameter? parameter)
    {
        CheckName(name, "parameter");
        if (_buffers.ContainsKey(name) || _modules.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already a buffer or submodule of {GetType().Name}", nameof(name));
        if (_parameters.TryGetValue(name, out var old) && old is not null && !ReferenceEquals(old, parameter)) old.Dispose();
        _parameters[name] = parameter;
        return parameter;
    }

    /// <summary>Adds (or replaces) a buffer: state that is not trained (batch norm's running statistics). The module
    /// takes ownership, so the tensor leaves whatever dispose scope held it. Non-persistent buffers stay out of the
    /// state dict.</summary>
    public Tensor? RegisterBuffer(string name, Tensor? buffer, bool persistent = true)
    {
        CheckName(name, "buffer");
        if (_parameters.ContainsKey(name) || _modules.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already a parameter or submodule of {GetType().Name}", nameof(name));
        if (buffer is Parameter)
            throw new ArgumentException($"buffer '{name}' is a Parameter; register it with RegisterParameter", nameof(buffer));
        if (_buffers.TryGetValue(name, out var old) && old is not null && !ReferenceEquals(old, buffer)) old.Dispose();
        buffer?.DetachFromDisposeScope();
        _buffers[name] = buffer;
        if (persistent) _nonPersistentBuffers.Remove(name);
        else _nonPersistentBuffers.Add(name);
        return buffer;
    }

    /// <summary>Adds (or replaces, disposing the old one) a child module under <paramref name="name"/>; its
    /// parameters then appear as <c>name.param</c>. Returns the module, so constructors can write <c>fc = RegisterModule("fc", new Linear(4, 2))</c>.</summary>
    public T RegisterModule<T>(string name, T module) where T : Module?
    {
        CheckName(name, "submodule");
        if (_parameters.ContainsKey(name) || _buffers.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already a parameter or buffer of {GetType().Name}", nameof(name));
        if (ReferenceEquals(module, this)) throw new ArgumentException("a module cannot contain itself", nameof(module));
        if (_modules.TryGetValue(name, out var old) && old is not null && !ReferenceEquals(old, module)) old.Dispose();
        _modules[name] = module;
        return module;
    }

    private void CheckName(string name, string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.', StringComparison.Ordinal))
            throw new ArgumentException($"{what} name '{name}' cannot contain '.'", nameof(name));
    }

    /// <summary>The parameter registered under a local (undotted) name, or null.</summary>
    protected Parameter? GetParameter(string name) => _parameters.TryGetValue(name, out var p) ? p : null;

    protected Tensor? GetBuffer(string name) => _buffers.TryGetValue(name, out var b) ? b : null;

    protected Module? GetModule(string name) => _modules.TryGetValue(name, out var m) ? m : null;

    // ---- traversal -------------------------------------------------------------------------------------------
    // Every walk lists a shared object once (weight tying), as PyTorch's named_* methods do by default.

    /// <summary>This module and every descendant, pre-order, with dotted names ("" for this one).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk("", seen);
    }

    private IEnumerable<(string, Module)> Walk(string prefix, HashSet<Module> seen)
    {
        if (!seen.Add(this)) yield break;
        yield return (prefix, this);
        foreach (var (name, child) in _modules)
        {
            if (child is null) continue;
            foreach (var item in child.Walk(Join(prefix, name), seen)) yield return item;
        }
    }

    /// <summary>The direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var (name, child) in _modules)
            if (child is not null && seen.Add(child)) yield return (name, child);
    }

    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Module);

    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>Parameters with dotted names: this module's first, then each child's, recursively (unless
    /// <paramref name="recurse"/> is false).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, p) in module._parameters)
                if (p is not null && seen.Add(p)) yield return (Join(prefix, name), p);
    }

    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>Buffers with dotted names, persistent or not.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, b) in module._buffers)
                if (b is not null && seen.Add(b)) yield return (Join(prefix, name), b);
    }

    public IEnumerable<Tensor> Buffers(bool recurse = true) => NamedBuffers(recurse).Select(b => b.Buffer);

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---- modes -----------------------------------------------------------------------------------------------

    /// <summary>Sets training mode on this module and every descendant. Returns this module.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var m in Modules()) m.IsTraining = mode;
        return this;
    }

    /// <summary>Evaluation mode: dropout off, batch norm uses its running statistics.</summary>
    public Module Eval() => Train(false);

    /// <summary>Freezes (false) or unfreezes (true) every parameter. Frozen parameters get no gradients.</summary>
    public Module RequiresGrad_(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Clears every parameter's gradient: drops it (the default, as PyTorch 2.x), or fills it with zeros.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (setToNone)
            {
                p.Grad = null;
                continue;
            }
            using var grad = p.Grad?.DetachFromDisposeScope();
            if (grad is not null) Init.Zeros_(grad);
        }
    }

    // ---- device and dtype ------------------------------------------------------------------------------------

    /// <summary>Moves every parameter, gradient and buffer to <paramref name="device"/>, converting floating-point
    /// ones to <paramref name="dtype"/> when given (integer buffers such as num_batches_tracked keep their dtype).
    /// Works in place through <see cref="Tensor.SetData"/>: the Parameter objects stay the same, so an optimizer
    /// built before the move keeps working.</summary>
    public Module To(Device device, ScalarType? dtype = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (dtype is { } d && !d.IsFloatingPoint() && d is not (ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64))
            throw new ArgumentException($"Module.To only converts to floating-point or complex dtypes, not {d.TorchName()}", nameof(dtype));
        return ForEachTensor(t => Convert(t, device, dtype));
    }

    /// <summary>Converts the floating-point parameters and buffers to <paramref name="dtype"/>, on their current device.</summary>
    public Module To(ScalarType dtype)
    {
        var device = Parameters().Concat(Buffers()).Select(t => (Device?)t.Device).FirstOrDefault() ?? Device.CPU;
        return To(device, dtype);
    }

    /// <summary>Lays out every 4-D parameter, gradient and buffer (5-D for <see cref="MemoryFormat.ChannelsLast3d"/>)
    /// in <paramref name="format"/>, as torch.nn.Module.to(memory_format=...): convolution weights in channels_last let
    /// cuDNN skip the layout changes around each NHWC convolution. Feed it channels_last inputs as well. In place,
    /// like <see cref="To(Device, ScalarType?)"/>; other tensors are left as they are.</summary>
    public Module To(MemoryFormat format)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var rank = format == MemoryFormat.ChannelsLast3d ? 5 : 4;
        return ForEachTensor(t => Relayout(t, format, rank));
    }

    // Every parameter, its gradient, and every buffer, each converted in place.
    private Module ForEachTensor(Action<Tensor> convert)
    {
        foreach (var p in Parameters())
        {
            convert(p);
            using var grad = p.Grad?.DetachFromDisposeScope();
            if (grad is not null) convert(grad);
        }
        foreach (var b in Buffers()) convert(b);
        return this;
    }

    public Module Cuda(int index = 0) => To(Device.CUDA(index));

    public Module Cpu() => To(Device.CPU);

    /// <summary>float64 parameters and buffers (what finite-difference gradient checks need).</summary>
    public Module Double() => To(ScalarType.Float64);

    public Module Float() => To(ScalarType.Float32);

    private static void Convert(Tensor t, Device device, ScalarType? dtype)
    {
        var target = dtype is not null && (t.Dtype.IsFloatingPoint() || t.Dtype is ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64)
            ? dtype.Value
            : t.Dtype;
        if (t.Device == device && t.Dtype == target) return;
        using var moved = t.To(device, target).DetachFromDisposeScope();
        t.SetData(moved);
    }

    private static void Relayout(Tensor t, MemoryFormat format, int rank)
    {
        // Back to row-major converts what channels_last did (4-D and 5-D alike).
        if (format == MemoryFormat.Contiguous ? t.Dim is not (4 or 5) : t.Dim != rank) return;
        if (t.IsContiguousIn(format)) return;
        using var laid = t.Contiguous(format).DetachFromDisposeScope();
        t.SetData(laid);
    }

    // ---- lifetime --------------------------------------------------------------------------------------------

    /// <summary>Frees every parameter, buffer and submodule now. Safe to call twice; a tensor shared between
    /// modules (tied weights) is freed once.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing) return;
        _disposed = true;
        foreach (var (_, p) in _parameters) p?.Dispose();
        foreach (var (_, b) in _buffers) b?.Dispose();
        foreach (var (_, m) in _modules) m?.Dispose();
    }

    // ---- printing --------------------------------------------------------------------------------------------

    /// <summary>One line describing this module's configuration, e.g. "in_features=4, out_features=2, bias=True".</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>A float as Python prints it (1e-05, 0.1, 1.0), for <see cref="ExtraRepr"/>.</summary>
    protected static string Py(double value)
    {
        var text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture).ToLowerInvariant();
        return text.Contains('e', StringComparison.Ordinal) || text.Contains('.', StringComparison.Ordinal) || !double.IsFinite(value) ? text : text + ".0";
    }

    /// <summary>A bool as Python prints it.</summary>
    protected static string Py(bool value) => value ? "True" : "False";

    /// <summary>The module tree, as PyTorch prints it.</summary>
    public override string ToString()
    {
        var children = NamedChildren().ToList();
        var head = $"{GetType().Name}({ExtraRepr()}";
        if (children.Count == 0) return head + ")";
        var lines = children.Select(c => $"  ({c.Name}): " + c.Module.ToString().Replace("\n", "\n  ", StringComparison.Ordinal));
        return head + "\n" + string.Join("\n", lines) + "\n)";
    }
}

/// <summary>A module with one input: <c>y = module.Forward(x)</c>.</summary>
[SuppressMessage("Naming", "CA1716", Justification = "torch.nn.Module's name.")]
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
}

/// <summary>A module with two inputs, e.g. a loss (input, target) or a decoder layer (target, memory).</summary>
[SuppressMessage("Naming", "CA1716", Justification = "torch.nn.Module's name.")]
public abstract class Module<TIn1, TIn2, TOut> : Module
{
    public abstract TOut Forward(TIn1 input1, TIn2 input2);
}
