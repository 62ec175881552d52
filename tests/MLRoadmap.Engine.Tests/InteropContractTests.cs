using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using MLRoadmap.Interop;

namespace MLRoadmap.Tests;

/// <summary>The shim and its managed imports must agree exactly: every export imported once, every import
/// exported, every export guarded, every op table in the same order on both sides.</summary>
public partial class InteropContractTests
{
    private static HashSet<string> NativeExports()
    {
        var (code, output) = Repo.Run("nm", $"-D --defined-only \"{Torch.NativeLibraryPath}\"");
        Assert.Equal(0, code);
        return output.Split('\n')
            .Select(l => l.Trim().Split(' '))
            .Where(f => f.Length == 3 && f[1] == "T" && f[2].StartsWith("mlr_", StringComparison.Ordinal))
            .Select(f => f[2])
            .ToHashSet();
    }

    private static List<string> ManagedImports() =>
        typeof(Native).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() is not null)
            .Select(m => m.GetCustomAttribute<LibraryImportAttribute>()!.EntryPoint ?? m.Name)
            .ToList();

    [Fact]
    public void Every_native_export_has_exactly_one_managed_import_and_vice_versa()
    {
        var exports = NativeExports();
        var imports = ManagedImports();
        Assert.NotEmpty(exports);

        var duplicated = imports.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicated.Count == 0, "imported more than once: " + string.Join(", ", duplicated));

        var notImported = exports.Except(imports).Order().ToList();
        Assert.True(notImported.Count == 0, "exported but never imported: " + string.Join(", ", notImported));

        var notExported = imports.Except(exports).Order().ToList();
        Assert.True(notExported.Count == 0, "imported but not exported: " + string.Join(", ", notExported));
    }

    [GeneratedRegex(@"MLR_API\s+(?<ret>[\w\s\*]+?)\s+(?<name>mlr_\w+)\s*\((?<args>[^)]*)\)\s*(?<noexcept>noexcept)?\s*\{\s*(?<body>[^\n]*)",
        RegexOptions.Singleline)]
    private static partial Regex ExportDefinition();

    [Fact]
    public void Every_export_is_guarded_or_declared_noexcept()
    {
        var problems = new List<string>();
        var count = 0;
        foreach (var file in Directory.GetFiles(Repo.NativeSources, "*.cpp"))
        {
            foreach (Match m in ExportDefinition().Matches(File.ReadAllText(file)))
            {
                count++;
                var name = m.Groups["name"].Value;
                var guarded = m.Groups["body"].Value.StartsWith("return mlr::guard(", StringComparison.Ordinal);
                var noexcept = m.Groups["noexcept"].Success;
                if (m.Groups["ret"].Value.Trim() == "mlr_status" && !guarded)
                    problems.Add($"{Path.GetFileName(file)}: {name} returns a status but its body is not `return mlr::guard(...)`");
                if (m.Groups["ret"].Value.Trim() != "mlr_status" && !noexcept)
                    problems.Add($"{Path.GetFileName(file)}: {name} returns a value, so it must be noexcept");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(NativeExports().Count, count);
    }

    [Fact]
    public void Each_native_file_has_its_interop_file()
    {
        var interopDir = Path.Combine(Repo.Root, "src", "MLRoadmap.Engine", "Interop");
        foreach (var file in Directory.GetFiles(Repo.NativeSources, "*.cpp"))
        {
            var text = File.ReadAllText(file);
            if (!text.Contains("MLR_API", StringComparison.Ordinal)) continue;
            var stem = Path.GetFileNameWithoutExtension(file);
            var pascal = string.Concat(stem.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            var interop = Path.Combine(interopDir, $"Interop.{pascal}.cs");
            Assert.True(File.Exists(interop), $"{Path.GetFileName(file)} has exports but no {Path.GetFileName(interop)}");
            Assert.Contains($"// src/Native/{Path.GetFileName(file)}", File.ReadAllText(interop), StringComparison.Ordinal);
        }
    }

    private static string Snake(string pascal) =>
        Regex.Replace(pascal, "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();

    [Theory]
    [InlineData(0, typeof(UnaryOp))]
    [InlineData(1, typeof(BinaryOp))]
    [InlineData(2, typeof(ReduceOp))]
    public unsafe void Op_enums_match_the_native_tables_in_order(int table, Type enumType)
    {
        var names = Enum.GetNames(enumType);
        for (var code = 0; code < names.Length; code++)
        {
            Assert.Equal(code, (int)Enum.Parse(enumType, names[code]));
            var native = Native.Utf8(Native.mlr_math_op_name(table, code));
            Assert.Equal(native, Snake(names[code]));
        }
        Assert.True(Native.mlr_math_op_name(table, names.Length) == null, $"native table {table} has more ops than {enumType.Name}");
    }
}
