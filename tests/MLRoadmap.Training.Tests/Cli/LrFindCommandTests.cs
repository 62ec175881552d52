using System.Globalization;
using System.Text.RegularExpressions;

namespace MLRoadmap.Tests.Cli;

public sealed partial class LrFindCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlroadmap-cli-lrfind-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"suggested lr: (?<lr>[0-9.Ee+-]+) ")]
    private static partial Regex Suggested();

    [Fact]
    public void Lr_find_sweeps_the_recipe_and_suggests_a_rate_inside_the_sweep_without_writing_a_run()
    {
        var r = CliProcess.Run("lr-find fashion-mlp --set data.limit=3000 --min-lr 1e-5 --max-lr 10 --steps 60", _dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var m = Suggested().Match(r.Stdout);
        Assert.True(m.Success, r.Stdout);
        Assert.InRange(double.Parse(m.Groups["lr"].Value, CultureInfo.InvariantCulture), 1e-5, 10);
        Assert.Contains("the loss diverged", r.Stdout, StringComparison.Ordinal);   // SGD/Adam at lr 10 must blow up
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void A_backwards_range_is_a_usage_error()
    {
        var r = CliProcess.Run("lr-find fashion-mlp --min-lr 1 --max-lr 0.1", _dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--min-lr", r.Stderr + r.Stdout, StringComparison.Ordinal);
    }
}
