namespace MLRoadmap;

/// <summary>How a tensor's elements are ordered in memory (torch.memory_format). The shape is the same in each.</summary>
public enum MemoryFormat
{
    /// <summary>Row-major: for images (N, C, H, W), each channel's plane in turn (torch.contiguous_format).</summary>
    Contiguous = 0,

    /// <summary>NHWC for a 4-D (N, C, H, W) tensor: a pixel's channels side by side (torch.channels_last). cuDNN's
    /// tensor-core convolutions in bf16/fp16 run fastest on it.</summary>
    ChannelsLast = 1,

    /// <summary>NDHWC for a 5-D (N, C, D, H, W) tensor (torch.channels_last_3d).</summary>
    ChannelsLast3d = 2,
}
