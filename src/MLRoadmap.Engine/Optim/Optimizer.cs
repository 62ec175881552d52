using MLRoadmap.Interop;

namespace MLRoadmap.Optim;

/// <summary>
/// Base of the optimizers, shaped like <c>torch.optim.Optimizer</c>: a list of <see cref="ParamGroup"/>s, per-parameter
/// state tensors, <see cref="Step()"/>, <see cref="ZeroGrad"/>, and a state dict in PyTorch's layout.
/// </summary>
/// <remarks>
/// <para>The built-in optimizers update a whole group in one native call (libtorch's multi-tensor <c>_foreach_*</c>
/// ops, or its fused kernels when asked for and available), never a managed loop over parameters.</para>
/// <para>State tensors belong to the optimizer: they are in no dispose scope, live across the steps (each usually in
/// its own scope), and are freed by <see cref="Dispose()"/>. A step allocates no managed tensors after the first one,
/// which creates the state.</para>
/// </remarks>
public abstract class Optimizer : IDisposable
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<Tensor, Dictionary<string, Tensor>> _state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, object> _defaults = new(StringComparer.Ordinal);
    private Tensor[]? _allParameters;
    private bool _disposed;

    /// <param name="defaults">Hyperparameters by PyTorch name; each is checked here and fills what groups leave unset.</param>
    protected Optimizer(IReadOnlyDictionary<string, object> defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        foreach (var (name, value) in defaults) _defaults[name] = HyperParameters.Check(name, value);
    }

    /// <summary>The name the state dict records ("SGD", "Adam", ...): loading checks it.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>The constructor's hyperparameters, which groups inherit.</summary>
    public IReadOnlyDictionary<string, object> Defaults => _defaults;

    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    public bool IsDisposed => _disposed;

    /// <summary>Adds a group: unset hyperparameters take the defaults; every parameter must be a floating-point leaf
    /// that no other group holds.</summary>
    public void AddParamGroup(ParamGroup group)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(group);
        if (group.Optimizer is not null) throw new ArgumentException("the parameter group already belongs to an optimizer", nameof(group));
        var seen = new HashSet<Tensor>(_groups.SelectMany(g => g.Parameters), ReferenceEqualityComparer.Instance);
        for (var i = 0; i < group.Parameters.Count; i++)
        {
            var p = group.Parameters[i] ?? throw new ArgumentException($"parameter {i} of the group is null", nameof(group));
            ObjectDisposedException.ThrowIf(p.IsDisposed, p);
            if (!p.Dtype.IsFloatingPoint())
                throw new ArgumentException($"parameter {i} of the group is {p.Dtype.TorchName()}; only floating-point tensors can be optimized", nameof(group));
            if (!p.IsLeaf) throw new ArgumentException($"parameter {i} of the group is not a leaf tensor; can't optimize a non-leaf tensor", nameof(group));
            if (!seen.Add(p)) throw new ArgumentException($"parameter {i} of the group appears in more than one parameter group (or twice in this one)", nameof(group));
        }
        group.FillDefaults(_defaults);
        CheckGroup(group);
        _groups.Add(group);
        group.Optimizer = this;
        _allParameters = null;
    }

    /// <summary>Cross-hyperparameter rules of one optimizer (SGD: nesterov needs momentum), checked when a group is
    /// added or loaded. Single values are checked by <see cref="ParamGroup"/> itself.</summary>
    protected virtual void CheckGroup(ParamGroup group)
    {
    }

    /// <summary>Updates every parameter that has a gradient, one group at a time.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var group in _groups) StepGroup(group);
    }

    /// <summary>Runs <paramref name="closure"/> with grad enabled (it should zero the grads, compute and backward
    /// the loss), then steps. Returns the closure's loss.</summary>
    public Tensor Step(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        Tensor loss;
        using (Torch.EnableGrad()) loss = closure();
        Step();
        return loss;
    }

    /// <summary>Updates the parameters of one group that have a gradient.</summary>
    protected abstract void StepGroup(ParamGroup group);

    /// <summary>Drops every gradient (the default, as in PyTorch 2.x) or zeroes it in place. One native call.</summary>
    public unsafe void ZeroGrad(bool setToNone = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var all = _allParameters ??= _groups.SelectMany(g => g.Parameters).ToArray();
        var handles = Tensor.Handles(all);
        fixed (IntPtr* p = handles) Native.Check(Native.mlr_optim_zero_grad(p, handles.Length, setToNone ? 1 : 0));
        GC.KeepAlive(all);
    }

    /// <summary>The state of one parameter by name ("step", "exp_avg", ...), empty before its first update. The
    /// tensors are the optimizer's own: read them, don't dispose them.</summary>
    public IReadOnlyDictionary<string, Tensor> GetState(Tensor parameter)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _state.TryGetValue(parameter, out var s) ? s : new Dictionary<string, Tensor>();
    }

    /// <summary>Stores a state tensor for a parameter (for optimizers written in managed code). The optimizer takes
    /// it out of its dispose scope and owns it from now on; a tensor it replaces is disposed.</summary>
    protected void SetState(Tensor parameter, string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var state = StateOf(parameter);
        if (state.TryGetValue(name, out var old) && !ReferenceEquals(old, value)) old.Dispose();
        state[name] = value.DetachFromDisposeScope();
    }

    private Dictionary<string, Tensor> StateOf(Tensor parameter)
    {
        if (!_state.TryGetValue(parameter, out var state)) _state[parameter] = state = new(StringComparer.Ordinal);
        return state;
    }

    // ---- the native group step -----------------------------------------------------------------------------

    /// <summary>Calls a group-step export. <paramref name="state"/> holds, for each name in slots in order, one
    /// handle per parameter (null where there is none yet); the export fills the ones it creates.</summary>
    private protected unsafe delegate int NativeGroupStep(IntPtr* parameters, int count, IntPtr* state);

    /// <summary>Runs one native group step and adopts the state tensors it created (even when it then failed).</summary>
    private protected unsafe void RunGroup(ParamGroup group, ReadOnlySpan<string> slots, NativeGroupStep step)
    {
        var parameters = group.Parameters;
        var n = parameters.Count;
        if (n == 0) return;
        var handles = new IntPtr[n];
        var state = new IntPtr[Math.Max(1, slots.Length * n)];
        var missing = false;
        for (var i = 0; i < n; i++)
        {
            var p = parameters[i];
            ObjectDisposedException.ThrowIf(p.IsDisposed, p);
            handles[i] = p.Handle.DangerousGetHandle();
            _state.TryGetValue(p, out var s);
            for (var k = 0; k < slots.Length; k++)
            {
                if (s is not null && s.TryGetValue(slots[k], out var t)) state[k * n + i] = t.Handle.DangerousGetHandle();
                else missing = true;
            }
        }
        var before = missing ? (IntPtr[])state.Clone() : null;
        int status;
        fixed (IntPtr* p = handles)
        fixed (IntPtr* s = state)
            status = step(p, n, s);
        if (before is not null)
        {
            for (var j = 0; j < slots.Length * n; j++)
            {
                if (before[j] != IntPtr.Zero || state[j] == IntPtr.Zero) continue;
                var created = Tensor.Wrap(state[j])!.DetachFromDisposeScope();
                StateOf(parameters[j % n])[slots[j / n]] = created;
            }
        }
        GC.KeepAlive(group);
        Native.Check(status);
    }

    /// <summary>Whether libtorch has a fused kernel for optimizer kind (0 SGD, 1 Adam, 2 AdamW) on a device.</summary>
    private protected static bool FusedAvailable(int kind, DeviceType device)
    {
        Native.Check(Native.mlr_optim_fused_available(kind, (int)device, out var available));
        return available != 0;
    }

    /// <summary>With "fused" set, every parameter's device must have the fused kernel in this libtorch.</summary>
    private protected void CheckFused(ParamGroup group, int kind)
    {
        if (!group.GetBool("fused")) return;
        foreach (var device in group.Parameters.Select(p => p.Device.Type).Distinct())
        {
            if (!FusedAvailable(kind, device))
                throw HyperParameters.Invalid("fused", $"fused {Name} is not available for {device.ToString().ToLowerInvariant()} " +
                                                       $"parameters in libtorch {Torch.Version} (CUDA needs 2.1+, the CPU 2.4+)");
        }
    }

    // ---- state dict ----------------------------------------------------------------------------------------

    /// <summary>PyTorch's layout: state keyed by the parameter's index counted across groups, and each group's
    /// hyperparameters with the indices of its parameters. Its tensors alias the live state (no copy, and later
    /// steps show through, as in PyTorch); disposing the state dict frees only the aliases.</summary>
    public OptimizerStateDict StateDict()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var state = new SortedDictionary<int, IReadOnlyDictionary<string, Tensor>>();
        var groups = new List<ParamGroupState>();
        var index = 0;
        try
        {
            foreach (var group in _groups)
            {
                var ids = new List<int>();
                foreach (var p in group.Parameters)
                {
                    if (_state.TryGetValue(p, out var s) && s.Count > 0)
                    {
                        var aliases = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                        state[index] = aliases;
                        foreach (var (name, t) in s) aliases[name] = t.Alias().DetachFromDisposeScope();
                    }
                    ids.Add(index++);
                }
                groups.Add(new ParamGroupState(new Dictionary<string, object>(group.Options, StringComparer.Ordinal), ids));
            }
        }
        catch
        {
            foreach (var t in state.Values.SelectMany(s => s.Values)) t.Dispose();
            throw;
        }
        return new OptimizerStateDict(Name, state, groups);
    }

    /// <summary>Replaces the state and every group's hyperparameters with a state dict's (except "fused", which
    /// stays as this optimizer has it), copying its tensors to each parameter's device (floating-point ones also
    /// to its dtype). The state dict must come from the same
    /// kind of optimizer over the same number of groups and parameters, each state tensor of its parameter's
    /// shape; otherwise an ArgumentException says which, and nothing changes.</summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(stateDict);
        ObjectDisposedException.ThrowIf(stateDict.IsDisposed, stateDict);
        if (stateDict.Optimizer != Name)
            throw new ArgumentException($"the state dict is from {stateDict.Optimizer}; this optimizer is {Name}", nameof(stateDict));
        var saved = stateDict.ParamGroups;
        if (saved.Count != _groups.Count)
            throw new ArgumentException($"the state dict has {saved.Count} parameter groups but the optimizer has {_groups.Count}", nameof(stateDict));

        var owners = new Dictionary<int, (Tensor Param, int Group, int Position)>();
        var options = new List<Dictionary<string, object>>();
        for (var g = 0; g < saved.Count; g++)
        {
            var live = _groups[g].Parameters;
            if (saved[g].Params.Count != live.Count)
                throw new ArgumentException($"parameter group {g} has {saved[g].Params.Count} parameters in the state dict " +
                                            $"but {live.Count} in the optimizer", nameof(stateDict));
            for (var j = 0; j < live.Count; j++)
            {
                if (!owners.TryAdd(saved[g].Params[j], (live[j], g, j)))
                    throw new ArgumentException($"the state dict lists parameter index {saved[g].Params[j]} twice", nameof(stateDict));
            }
            var checkedOptions = new Dictionary<string, object>(StringComparer.Ordinal);
            try
            {
                foreach (var (name, value) in saved[g].Options) checkedOptions[name] = HyperParameters.Check(name, value);
                // Fused kernels are how this process runs the update, like the device it runs on, not part of the
                // training state: a checkpoint from a machine that had them loads where they are missing.
                if (_groups[g].Contains("fused")) checkedOptions["fused"] = _groups[g]["fused"];
                var probe = new ParamGroup(live);
                probe.ReplaceOptions(checkedOptions);
                CheckGroup(probe);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"parameter group {g} of the state dict: {e.Message}", nameof(stateDict), e);
            }
            options.Add(checkedOptions);
        }

        var loaded = new Dictionary<Tensor, Dictionary<string, Tensor>>(ReferenceEqualityComparer.Instance);
        try
        {
            using var scope = Torch.NewDisposeScope();
            foreach (var (index, tensors) in stateDict.State)
            {
                if (!owners.TryGetValue(index, out var owner))
                    throw new ArgumentException($"the state dict has state for parameter {index}, which none of its groups lists", nameof(stateDict));
                var p = owner.Param;
                var fused = options[owner.Group].TryGetValue("fused", out var f) && f is true;
                var copies = loaded[p] = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var (name, t) in tensors)
                {
                    if (name == "step")
                    {
                        if (t.Numel != 1)
                            throw new ArgumentException($"state.{index}.step has shape [{string.Join(", ", t.Shape)}]; a step count is one number", nameof(stateDict));
                        copies[name] = t.To(fused ? p.Device : Device.CPU, ScalarType.Float32, copy: true).Reshape().DetachFromDisposeScope();
                        continue;
                    }
                    if (!t.Shape.AsSpan().SequenceEqual(p.Shape))
                        throw new ArgumentException($"state.{index}.{name} has shape [{string.Join(", ", t.Shape)}] but parameter {index} " +
                                                    $"(group {owner.Group}, position {owner.Position}) has shape [{string.Join(", ", p.Shape)}]",
                            nameof(stateDict));
                    copies[name] = t.To(p.Device, t.Dtype.IsFloatingPoint() ? p.Dtype : t.Dtype, copy: true).DetachFromDisposeScope();
                }
            }
        }
        catch
        {
            foreach (var t in loaded.Values.SelectMany(s => s.Values)) t.Dispose();
            throw;
        }

        DisposeState();
        foreach (var (p, s) in loaded) _state[p] = s;
        for (var g = 0; g < _groups.Count; g++) _groups[g].ReplaceOptions(options[g]);
    }

    /// <summary>Writes <see cref="StateDict"/> to a safetensors file (see <see cref="OptimizerStateDict.Save"/>).</summary>
    public void Save(string path)
    {
        using var stateDict = StateDict();
        stateDict.Save(path);
    }

    /// <summary>Loads a file written by <see cref="Save"/> into this optimizer.</summary>
    public void Load(string path)
    {
        using var stateDict = OptimizerStateDict.Load(path);
        LoadStateDict(stateDict);
    }

    // ---- disposal ------------------------------------------------------------------------------------------

    private void DisposeState()
    {
        foreach (var t in _state.Values.SelectMany(s => s.Values)) t.Dispose();
        _state.Clear();
    }

    /// <summary>Frees every state tensor. The parameters are not the optimizer's and stay alive.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing) DisposeState();
    }
}
