using System.Buffers.Binary;
using MLRoadmap.NN;

namespace MLRoadmap.Serialization;

/// <summary>The weight-file formats <see cref="StateDictFile"/> recognises.</summary>
public enum StateDictFormat
{
    SafeTensors,
    /// <summary>torch.save's zip archive (PyTorch 1.6 and later).</summary>
    PyTorchZip,
    /// <summary>torch.save's format before PyTorch 1.6.</summary>
    PyTorchLegacy,
}

/// <summary>Loads a state dict from a .safetensors or torch.save (.pth/.pt/.ckpt) file, whichever it is: the format
/// is read from the file's first bytes, so a misnamed file still loads.</summary>
public static class StateDictFile
{
    /// <summary>The file's format, from its signature: "PK\x03\x04" (zip), 0x80 (a pickle's PROTO opcode), or a
    /// safetensors header (an 8-byte length, then '{').</summary>
    public static StateDictFormat DetectFormat(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Span<byte> head = stackalloc byte[9];
        int n;
        using (var file = File.OpenRead(path)) n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (head.StartsWith("PK\u0003\u0004"u8)) return StateDictFormat.PyTorchZip;
        if (n >= 2 && head[0] == 0x80 && head[1] <= 5) return StateDictFormat.PyTorchLegacy;
        if (n == 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) > 1) return StateDictFormat.SafeTensors;
        throw new FormatException($"{path}: neither a safetensors file nor a torch.save file (first bytes {Convert.ToHexString(head)})");
    }

    /// <summary>Reads the state dict in a .safetensors or torch.save file (tensors on the CPU; dispose the result).
    /// For torch.save files see <see cref="PyTorchPickle.Contents.ToStateDict"/> for where it is found in a
    /// checkpoint and what <paramref name="prefix"/> does; for safetensors the prefix filters the same way.</summary>
    public static StateDict Load(string path, string? prefix = null)
    {
        if (DetectFormat(path) != StateDictFormat.SafeTensors) return PyTorchPickle.LoadStateDict(path, prefix);
        var state = StateDict.Load(path);
        if (prefix is null) return state;
        using (state)
        {
            var kept = new StateDict();
            foreach (var (name, t) in state)
                if (name.StartsWith(prefix, StringComparison.Ordinal)) kept.Add(name[prefix.Length..], t.Alias());
            return kept;
        }
    }
}
