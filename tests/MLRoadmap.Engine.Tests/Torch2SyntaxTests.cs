namespace MLRoadmap.Tests;

/// <summary>The shim must also build against libtorch 2.x. Without a 2.x libtorch here, every native file is
/// compiled syntax-only against Debian trixie's libtorch 2.6 headers (scripts/check-torch2-syntax.sh).</summary>
public class Torch2SyntaxTests
{
    [Fact]
    public void Every_native_file_compiles_against_libtorch_2_6_headers()
    {
        // test.sh fetches the headers and sets MLROADMAP_TORCH2_ROOT; when run alone the script fetches them itself.
        // A missing network is a failure here, not a skip: the check is part of the suite's promise.
        var (code, output) = Repo.Run("bash", "scripts/check-torch2-syntax.sh", timeoutMs: 900_000);
        Assert.True(code == 0, "libtorch 2.x syntax check failed:\n" + output);
        Assert.Contains("2.6", output, StringComparison.Ordinal);
    }
}
