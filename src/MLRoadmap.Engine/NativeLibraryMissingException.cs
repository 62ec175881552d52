namespace MLRoadmap;

/// <summary>Thrown when libmlroadmap_native.so can't be found or loaded. The message lists every path tried.</summary>
public sealed class NativeLibraryMissingException : DllNotFoundException
{
    internal NativeLibraryMissingException(IReadOnlyList<string> tried)
        : base(Describe(tried)) => Tried = tried;

    /// <summary>Each candidate path with why it was not used.</summary>
    public IReadOnlyList<string> Tried { get; }

    private static string Describe(IReadOnlyList<string> tried) =>
        "The native library libmlroadmap_native.so could not be loaded. Tried:\n" +
        string.Join("\n", tried.Select(t => "  - " + t)) +
        "\nBuild it with `./mlroadmap doctor` from the repository root (it installs libtorch and builds the shim), " +
        "or `scripts/bootstrap.sh`, or point MLROADMAP_NATIVE at an existing build.";
}
