using System.Globalization;

namespace MLRoadmap.Optim;

/// <summary>
/// Parameters updated with the same hyperparameters, as one entry of PyTorch's <c>optimizer.param_groups</c>.
/// Hyperparameters are kept by PyTorch's names ("lr", "betas", "weight_decay", ...) and read through typed properties
/// here and on <see cref="SGDGroup"/>, <see cref="AdamGroup"/> and <see cref="RMSpropGroup"/>, or the indexer. One
/// left unset takes the optimizer's default when the group is added to it. Every value is checked when it is set,
/// so a scheduler writing <see cref="LearningRate"/> between steps gets the same validation as the constructor.
/// </summary>
/// <example>
/// <code>
/// var opt = new Adam([new ParamGroup(model.Body.Parameters()),
///                     new ParamGroup(model.Head.Parameters()) { LearningRate = 1e-2 }], lr: 1e-3);
/// </code>
/// </example>
public class ParamGroup
{
    private readonly Dictionary<string, object> _options = new(StringComparer.Ordinal);

    public ParamGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
    }

    /// <summary>The tensors this group updates, in order. The group does not own them.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The optimizer this group was added to, or null before that.</summary>
    public Optimizer? Optimizer { get; internal set; }

    /// <summary>"lr": what schedulers set, per group.</summary>
    public double LearningRate
    {
        get => GetDouble("lr");
        set => this["lr"] = value;
    }

    /// <summary>Every hyperparameter by PyTorch's name: a double, a bool, or a (double, double) pair (betas).</summary>
    public IReadOnlyDictionary<string, object> Options => _options;

    /// <summary>A hyperparameter by PyTorch's name. Setting checks the value (e.g. "lr" must be >= 0); names the
    /// optimizer does not use (a scheduler's "initial_lr") are kept and saved with the state dict.</summary>
    public object this[string name]
    {
        get => _options.TryGetValue(name, out var v)
            ? v
            : throw new KeyNotFoundException($"the parameter group has no hyperparameter '{name}'" +
                                             (Optimizer is null ? " (unset ones take the optimizer's default when the group is added)" : ""));
        set => _options[name] = HyperParameters.Check(name, value);
    }

    public bool Contains(string name) => _options.ContainsKey(name);

    internal double GetDouble(string name) => this[name] is double d
        ? d
        : throw new InvalidOperationException($"hyperparameter '{name}' is {this[name]}, not a number");

    internal bool GetBool(string name) => this[name] is bool b
        ? b
        : throw new InvalidOperationException($"hyperparameter '{name}' is {this[name]}, not a bool");

    internal (double, double) GetPair(string name) => this[name] is ValueTuple<double, double> p
        ? p
        : throw new InvalidOperationException($"hyperparameter '{name}' is {this[name]}, not a pair of numbers");

    /// <summary>Sets each default this group has no value for.</summary>
    internal void FillDefaults(IReadOnlyDictionary<string, object> defaults)
    {
        foreach (var (name, value) in defaults)
            _options.TryAdd(name, value);
    }

    /// <summary>Replaces every hyperparameter (a loaded state dict's); values already checked.</summary>
    internal void ReplaceOptions(IReadOnlyDictionary<string, object> options)
    {
        _options.Clear();
        foreach (var (name, value) in options) _options[name] = value;
    }
}

/// <summary>The hyperparameters PyTorch's optimizers share, with their checks. Keys are PyTorch's names; each check
/// throws an ArgumentException naming the C# argument (weight_decay → weightDecay).</summary>
internal static class HyperParameters
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal)
        { "nesterov", "amsgrad", "maximize", "centered", "fused" };

    /// <summary>The C# argument name for a hyperparameter ("weight_decay" → "weightDecay").</summary>
    internal static string ArgumentName(string name)
    {
        var parts = name.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>Checks a value and returns it in its stored form (numbers become double).</summary>
    internal static object Check(string name, object value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value, ArgumentName(name));
        var arg = ArgumentName(name);
        if (Flags.Contains(name))
        {
            return value is bool
                ? value
                : throw new ArgumentException($"{name} must be a bool, not {value.GetType().Name}", arg);
        }
        if (name == "betas")
        {
            (double, double) pair = value switch
            {
                ValueTuple<double, double> t => t,
                double[] { Length: 2 } a => (a[0], a[1]),
                _ => throw new ArgumentException($"betas must be a pair of numbers, not {value.GetType().Name}", arg),
            };
            CheckBeta(pair.Item1, 0, arg);
            CheckBeta(pair.Item2, 1, arg);
            return pair;
        }
        object stored = value switch
        {
            double d => d,
            float f => (double)f,
            int i => (double)i,
            long l => (double)l,
            bool b => b,
            ValueTuple<double, double> t => t,
            _ => throw new ArgumentException($"hyperparameter '{name}' must be a number, a bool or a pair of numbers, " +
                                             $"not {value.GetType().Name}", arg),
        };
        var what = name switch
        {
            "lr" => "learning rate",
            "eps" => "epsilon value",
            "weight_decay" => "weight_decay value",
            "momentum" => "momentum value",
            "alpha" => "alpha value",
            "dampening" => "dampening value",
            _ => null,
        };
        if (what is null) return stored;
        if (stored is not double v) throw new ArgumentException($"{name} must be a number, not {value.GetType().Name}", arg);
        // dampening may be anything, as in PyTorch; the rest must be >= 0 (NaN fails too).
        if (name != "dampening" && !(v >= 0))
            throw new ArgumentOutOfRangeException(arg, v, $"Invalid {what}: {v.ToString(CultureInfo.InvariantCulture)}");
        return v;
    }

    /// <summary>An ArgumentException naming a constructor argument (not always a parameter of the throwing method).</summary>
    internal static ArgumentException Invalid(string argument, string message) => new(message, argument);

    private static void CheckBeta(double beta, int index, string arg)
    {
        if (!(beta >= 0 && beta < 1))
            throw new ArgumentOutOfRangeException(arg, beta,
                $"Invalid beta parameter at index {index}: {beta.ToString(CultureInfo.InvariantCulture)} (must be in [0, 1))");
    }
}
