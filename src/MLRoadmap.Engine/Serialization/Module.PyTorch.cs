using MLRoadmap.Serialization;

namespace MLRoadmap.NN;

public abstract partial class Module
{
    /// <summary>Loads the state dict of a torch.save file (<c>torch.save(model.state_dict(), path)</c>, or a checkpoint
    /// dict holding it, see <see cref="PyTorchPickle.Contents.ToStateDict"/>) into this module, as
    /// <see cref="LoadStateDict"/> does. Only data is read; no code in the file runs.</summary>
    /// <param name="path">The .pth/.pt file.</param>
    /// <param name="strict">As for <see cref="LoadStateDict"/>.</param>
    /// <param name="prefix">Keep only the names starting with this, without it ("module." for DataParallel).</param>
    public LoadStateDictResult LoadPyTorch(string path, bool strict = true, string? prefix = null)
    {
        using var state = PyTorchPickle.LoadStateDict(path, prefix);
        return LoadStateDict(state, strict);
    }

    /// <summary>Loads a .safetensors or torch.save file, told apart by content (<see cref="StateDictFile"/>).</summary>
    public LoadStateDictResult LoadFile(string path, bool strict = true, string? prefix = null)
    {
        using var state = StateDictFile.Load(path, prefix);
        return LoadStateDict(state, strict);
    }
}
