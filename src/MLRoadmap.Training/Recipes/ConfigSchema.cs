using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MLRoadmap.Training.Recipes;

/// <summary>
/// The keys of a run configuration type, found by reflection: every settable property with a
/// <see cref="SettingAttribute"/> is a key, named by its path in snake_case (<c>trainer.max_epochs</c>); every
/// settable property of a class type without one is a section whose properties are walked in turn.
/// </summary>
public sealed class ConfigSchema
{
    private static readonly ConcurrentDictionary<Type, ConfigSchema> Cache = new();
    private readonly Dictionary<string, ConfigKey> _byName;

    private ConfigSchema(Type type, List<ConfigKey> keys)
    {
        ConfigType = type;
        Keys = keys;
        _byName = keys.ToDictionary(k => k.Name, StringComparer.Ordinal);
        SortedNames = [.. keys.Select(k => k.Name).Order(StringComparer.Ordinal)];
    }

    public Type ConfigType { get; }

    /// <summary>The keys in declaration order (base sections first): the order of the effective config's JSON.</summary>
    public IReadOnlyList<ConfigKey> Keys { get; }

    /// <summary>Every key name, sorted (what error messages list).</summary>
    public IReadOnlyList<string> SortedNames { get; }

    public bool TryGetKey(string name, out ConfigKey key) => _byName.TryGetValue(name, out key!);

    /// <summary>The schema of <paramref name="type"/>. Throws <see cref="InvalidOperationException"/> for a
    /// property that is neither a setting nor a section, or a setting of a type keys can't hold.</summary>
    public static ConfigSchema For(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Cache.GetOrAdd(type, t =>
        {
            var keys = new List<ConfigKey>();
            Walk(t, [], "", keys, new NullabilityInfoContext());
            return new ConfigSchema(t, keys);
        });
    }

    /// <summary>"MaxEpochs" → "max_epochs", "EveryNSteps" → "every_n_steps".</summary>
    public static string SnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static void Walk(Type type, PropertyInfo[] path, string prefix, List<ConfigKey> keys, NullabilityInfoContext nullability)
    {
        if (path.Length > 8) throw new InvalidOperationException($"{type.Name}: config sections nest too deep (a cycle?) at '{prefix}'");
        foreach (var p in Properties(type))
        {
            var name = prefix + SnakeCase(p.Name);
            var setting = p.GetCustomAttribute<SettingAttribute>();
            PropertyInfo[] here = [.. path, p];
            if (setting is not null)
            {
                keys.Add(new ConfigKey(name, here, setting, nullability.Create(p).WriteState == NullabilityState.Nullable));
            }
            else if (p.PropertyType.IsClass && p.PropertyType != typeof(string))
            {
                Walk(p.PropertyType, here, name + ".", keys, nullability);
            }
            else
            {
                throw new InvalidOperationException($"{type.Name}.{p.Name} ('{name}') is a setting without a [Setting(\"why\")] attribute; " +
                                                    "every config key states the reason for its default");
            }
        }
        // Reasons for defaults this type changes (keys relative to it); a derived type's own win over its bases'.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var r in t.GetCustomAttributes<ReasonAttribute>(inherit: false))
            {
                if (!seen.Add(r.Key)) continue;
                var key = keys.Find(k => k.Name == prefix + r.Key)
                          ?? throw new InvalidOperationException($"{t.Name} gives a reason for '{r.Key}', which is not one of its keys");
                key.Reason = r.Reason;
            }
        }
    }

    // Public instance properties with a public getter and setter (init included), base class first, each class's in
    // declaration order.
    private static IEnumerable<PropertyInfo> Properties(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType) chain.Add(t);
        chain.Reverse();
        return chain.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(p => p.GetMethod is { IsPublic: true } && p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
                .OrderBy(p => p.MetadataToken));
    }
}

/// <summary>One config key: its name, where it lives in the config object, its type, bounds and reason.</summary>
public sealed class ConfigKey
{
    private readonly PropertyInfo[] _path;

    internal ConfigKey(string name, PropertyInfo[] path, SettingAttribute setting, bool nullableReference)
    {
        Name = name;
        _path = path;
        Setting = setting;
        Reason = setting.Reason;
        var declared = path[^1].PropertyType;
        var underlying = Nullable.GetUnderlyingType(declared);
        ValueType = underlying ?? declared;
        IsNullable = underlying is not null || (!declared.IsValueType && nullableReference);
        if (!(ValueType == typeof(bool) || ValueType == typeof(int) || ValueType == typeof(long) || ValueType == typeof(ulong) ||
              ValueType == typeof(double) || ValueType == typeof(string) || ValueType.IsEnum))
            throw new InvalidOperationException($"config key '{name}' has type {ValueType.Name}; keys hold bool, int, long, ulong, double, string or an enum");
    }

    /// <summary>The dotted snake_case name, e.g. <c>trainer.max_epochs</c>.</summary>
    public string Name { get; }

    public SettingAttribute Setting { get; }

    /// <summary>Why the default is what it is: the setting's reason, or the config type's <see cref="ReasonAttribute"/>
    /// for this key when the type changes the default.</summary>
    public string Reason { get; internal set; } = "";

    /// <summary>The value's type (without Nullable).</summary>
    public Type ValueType { get; }

    /// <summary>Whether null is a valid value.</summary>
    public bool IsNullable { get; }

    public object? Get(object config)
    {
        object? o = config;
        foreach (var p in _path) o = p.GetValue(o ?? throw new InvalidOperationException($"section of '{Name}' is null"));
        return o;
    }

    /// <summary>Sets the value in place (the config is being built: nothing else holds it yet).</summary>
    internal void Set(object config, object? value)
    {
        var o = config;
        foreach (var p in _path[..^1]) o = p.GetValue(o) ?? throw new InvalidOperationException($"section of '{Name}' is null");
        _path[^1].SetValue(o, value);
    }

    /// <summary>What a valid value looks like, e.g. "an integer ≥ 1" or "one of fp32, bf16-mixed, fp16-mixed".</summary>
    public string Expected
    {
        get
        {
            var text = Setting.Expected ?? Describe();
            return IsNullable && Setting.Expected is null ? text + " or null" : text;
        }
    }

    private string Describe()
    {
        if (ValueType == typeof(bool)) return "true or false";
        if (ValueType == typeof(string)) return Setting.OneOf is { } one ? "one of " + string.Join(", ", one) : "a string";
        if (ValueType.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(ValueType).Select(ConfigSchema.SnakeCase));
        var kind = ValueType == typeof(double) ? "a number" : "an integer";
        var inv = CultureInfo.InvariantCulture;
        var min = double.IsNegativeInfinity(Setting.Min) ? null : Setting.Min.ToString(inv);
        var max = double.IsPositiveInfinity(Setting.Max) ? null : Setting.Max.ToString(inv);
        if (ValueType == typeof(ulong) && min is null) min = "0";
        return (min, max) switch
        {
            (null, null) => kind,
            ({ } lo, null) => $"{kind} ≥ {lo}",
            (null, { } hi) => $"{kind} ≤ {hi}",
            ({ } lo, { } hi) => $"{kind} in [{lo}, {hi}]",
        };
    }

    /// <summary>Parses and checks a value given as text (null: JSON/YAML null). Returns false with the reason.</summary>
    public bool TryParse(string? text, out object? value, out string why)
    {
        value = null;
        why = "";
        if (text is null || (ValueType != typeof(string) && text.Trim() is "" or "null" or "none" or "~") ||
            (ValueType == typeof(string) && IsNullable && text is "null" or "~"))
        {
            if (IsNullable) return true;
            why = "not allowed";
            return false;
        }
        var s = text.Trim();
        var inv = CultureInfo.InvariantCulture;
        if (ValueType == typeof(string))
        {
            value = text;
            if (Setting.OneOf is { } one && !one.Contains(text, StringComparer.Ordinal)) why = "not an allowed value";
            else if (Setting.Pattern is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant)) why = "not in the expected form";
            return why.Length == 0;
        }
        if (ValueType == typeof(bool))
        {
            switch (s.ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "1": value = true; return true;
                case "false" or "no" or "off" or "0": value = false; return true;
                default: why = "not a boolean"; return false;
            }
        }
        if (ValueType.IsEnum)
        {
            var match = Enum.GetNames(ValueType).FirstOrDefault(n => ConfigSchema.SnakeCase(n) == s || n == s);
            if (match is null) why = "not an allowed value";
            else value = Enum.Parse(ValueType, match);
            return match is not null;
        }
        s = s.Replace("_", "", StringComparison.Ordinal);   // 60_000, as YAML and C# allow
        double number;
        if (ValueType == typeof(double))
        {
            if (!double.TryParse(s, NumberStyles.Float, inv, out number) || !double.IsFinite(number))
            {
                why = "not a finite number";
                return false;
            }
            value = number;
        }
        else if (ValueType == typeof(ulong))
        {
            if (!ulong.TryParse(s, NumberStyles.None, inv, out var u))
            {
                why = "not a whole number from 0 to 18446744073709551615";
                return false;
            }
            value = u;
            number = u;
        }
        else
        {
            if (!long.TryParse(s, NumberStyles.AllowLeadingSign, inv, out var l) || (ValueType == typeof(int) && l is < int.MinValue or > int.MaxValue))
            {
                why = ValueType == typeof(int) ? "not a whole number that fits in 32 bits" : "not a whole number";
                return false;
            }
            value = ValueType == typeof(int) ? (object)(int)l : l;
            number = l;
        }
        if (number < Setting.Min || number > Setting.Max)
        {
            why = "out of range";
            return false;
        }
        return true;
    }
}
