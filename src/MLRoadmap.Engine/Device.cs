namespace MLRoadmap;

/// <summary>c10::DeviceType codes for the devices the engine runs on.</summary>
public enum DeviceType
{
    CPU = 0,
    CUDA = 1,
    Meta = 9,
}

/// <summary>Where a tensor lives: <c>cpu</c>, <c>cuda:N</c>, or <see cref="Auto"/> (CUDA when present, else CPU).</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static Device CPU { get; } = new(DeviceType.CPU);

    public static Device Meta { get; } = new(DeviceType.Meta);

    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    /// <summary>The first CUDA device if one is usable, else the CPU. Resolved when read, never stored as "auto".</summary>
    public static Device Auto => Torch.Cuda.IsAvailable ? CUDA(0) : CPU;

    public bool IsCuda => Type == DeviceType.CUDA;
    public bool IsCpu => Type == DeviceType.CPU;

    /// <summary>Parses "cpu", "cuda", "cuda:N", "meta" and "auto".</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToLowerInvariant();
        if (s == "auto") return Auto;
        if (s == "cpu") return CPU;
        if (s == "meta") return Meta;
        if (s == "cuda" || s == "gpu") return CUDA(0);
        if (s.StartsWith("cuda:", StringComparison.Ordinal) &&
            int.TryParse(s.AsSpan(5), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var index))
            return CUDA(index);
        throw new FormatException($"unknown device '{text}'; expected auto, cpu, cuda or cuda:N");
    }

    public override string ToString() => Type switch
    {
        DeviceType.CPU => "cpu",
        DeviceType.CUDA => Index < 0 ? "cuda" : $"cuda:{Index}",
        DeviceType.Meta => "meta",
        _ => $"{Type}:{Index}",
    };
}
