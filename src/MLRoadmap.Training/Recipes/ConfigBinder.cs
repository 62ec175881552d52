using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MLRoadmap.Training.Recipes;

/// <summary>One assignment to a config key, and where it came from (for error messages): <c>--set k=v</c>, a line
/// of a YAML file, a flag. A null value is YAML's or JSON's null.</summary>
public sealed record ConfigEntry(string Key, string? Value, string Source);

/// <summary>A configuration was refused: unknown keys, bad values, unreadable files. The message lists every
/// problem, and the valid keys when a key was unknown. The CLI exits with code 2 on it.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message) => Problems = [message];

    public ConfigException(string message, Exception inner) : base(message, inner) => Problems = [message];

    public ConfigException(IReadOnlyList<string> problems, IReadOnlyList<string>? validKeys)
        : base(Format(problems, validKeys)) => Problems = problems;

    public ConfigException() : this("invalid configuration") { }

    public IReadOnlyList<string> Problems { get; }

    private static string Format(IReadOnlyList<string> problems, IReadOnlyList<string>? validKeys)
    {
        var sb = new StringBuilder();
        sb.AppendJoin('\n', problems);
        if (validKeys is not null) sb.Append("\nvalid keys:\n  ").AppendJoin("\n  ", validKeys);
        return sb.ToString();
    }
}

/// <summary>
/// Builds a run configuration from layers of <see cref="ConfigEntry"/>s over a config object holding the defaults:
/// later entries win (defaults &lt; config file &lt; <c>--set</c> &lt; dedicated flags is the caller's order). Every
/// entry is checked: an unknown key, a value of the wrong type or out of range is refused, and all problems are
/// reported together, before anything trains.
/// </summary>
public static class ConfigBinder
{
    /// <summary>The top-level key naming the recipe in a run's config.json (not a setting).</summary>
    public const string RecipeKey = "recipe";

    /// <summary>Applies <paramref name="entries"/> to <paramref name="defaults"/> (a fresh config object that nothing
    /// else holds: it is changed in place and returned). A <c>recipe</c> entry must name <paramref name="recipe"/>.</summary>
    public static T Bind<T>(T defaults, IEnumerable<ConfigEntry> entries, string? recipe = null) where T : RunConfig
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(entries);
        var schema = ConfigSchema.For(defaults.GetType());
        var problems = new List<string>();
        var unknown = false;
        foreach (var e in entries)
        {
            if (e.Key == RecipeProject.ProjectKey) continue;   // where the recipe came from, not a setting
            if (e.Key == RecipeKey)
            {
                if (recipe is not null && e.Value != recipe)
                    problems.Add($"{e.Source}: this configuration is for recipe '{e.Value}', not '{recipe}'");
                continue;
            }
            if (!schema.TryGetKey(e.Key, out var key))
            {
                unknown = true;
                var hint = Suggest(e.Key, schema.SortedNames);
                problems.Add($"{e.Source}: unknown config key '{e.Key}'{(hint is null ? "" : $" (did you mean {hint}?)")}");
                continue;
            }
            if (!key.TryParse(e.Value, out var value, out var why))
            {
                problems.Add($"{e.Source}: bad value for {key.Name}: {Show(e.Value)} is {why}; expected {key.Expected}");
                continue;
            }
            key.Set(defaults, value);
        }
        if (problems.Count > 0) throw new ConfigException(problems, unknown ? schema.SortedNames : null);
        return defaults;
    }

    /// <summary>The configuration as nested JSON with snake_case keys (what config.json holds), with the recipe's
    /// name first when given.</summary>
    public static JsonObject ToJson(RunConfig config, string? recipe = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var root = new JsonObject();
        if (recipe is not null) root[RecipeKey] = recipe;
        foreach (var key in ConfigSchema.For(config.GetType()).Keys)
        {
            var parts = key.Name.Split('.');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (node[part] is not JsonObject child) node[part] = child = new JsonObject();
                node = child;
            }
            node[parts[^1]] = key.Get(config) switch
            {
                null => null,
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                ulong u => JsonValue.Create(u),
                double d => JsonValue.Create(d),
                string s => JsonValue.Create(s),
                Enum en => JsonValue.Create(ConfigSchema.SnakeCase(en.ToString())),
                var other => throw new InvalidOperationException($"'{key.Name}' holds a {other.GetType().Name}"),
            };
        }
        return root;
    }

    /// <summary>Every key with its value in <paramref name="config"/>, sorted by key (for listings).</summary>
    public static IEnumerable<(ConfigKey Key, object? Value)> Values(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var schema = ConfigSchema.For(config.GetType());
        return schema.SortedNames.Select(n =>
        {
            schema.TryGetKey(n, out var k);
            return (k, k.Get(config));
        });
    }

    /// <summary>A value as the user would write it.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Show(string? value) => value is null ? "null" : $"'{value}'";

    // The key with the same last part ("max_epochs" → "trainer.max_epochs"), else the nearest by edit distance.
    private static string? Suggest(string wrong, IReadOnlyList<string> names)
    {
        var last = wrong[(wrong.LastIndexOf('.') + 1)..];
        var sameLeaf = names.Where(n => n.EndsWith("." + last, StringComparison.Ordinal) || n == last).ToList();
        if (sameLeaf.Count > 0) return string.Join(" or ", sameLeaf);
        var best = names.Select(n => (Name: n, Distance: Distance(wrong, n))).MinBy(x => x.Distance);
        return best.Name is not null && best.Distance <= Math.Max(2, wrong.Length / 4) ? best.Name : null;
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
