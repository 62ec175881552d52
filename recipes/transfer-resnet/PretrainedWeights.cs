using System.Globalization;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Serialization;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>
/// Loads pretrained weights into the recipe's ResNet: a torchvision state dict in a .pth (torch.save) or .safetensors
/// file, by torchvision's key names, everything but the classifier (<c>fc.*</c>), which stays the new head. A file
/// whose backbone does not fit the model is refused before anything loads, naming every key that does not fit and
/// the setting that would make it fit.
/// </summary>
public static class PretrainedWeights
{
    /// <summary>Loads the backbone of <paramref name="path"/> into <paramref name="model"/> and says what it did.</summary>
    /// <param name="model">The model (its head already sized for the new classes).</param>
    /// <param name="path">A .pth/.pt/.ckpt or .safetensors file (the format is read from the file, not its name).</param>
    /// <param name="prefix">Stripped from the keys (only keys that start with it are read), e.g. "model." for a
    /// Lightning checkpoint; null for torchvision's own files.</param>
    public static BackboneLoadReport Load(ResNet model, string path, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model.weights: {path} does not exist", path);
        StateDict state;
        try
        {
            state = StateDictFile.Load(path, string.IsNullOrEmpty(prefix) ? null : prefix);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"model.weights: {path} is not a readable state dict: {e.Message}", e);
        }
        using (state)
        {
            if (state.Count == 0)
                throw new InvalidDataException($"model.weights: {path} holds no tensors{(prefix is null ? "" : $" under the prefix '{prefix}'")}");
            CheckWidth(model, state, path);
            CheckStem(model, state, path);
            try
            {
                return ZooWeights.LoadBackbone(model, state);
            }
            catch (StateDictMismatchException e)
            {
                throw new InvalidDataException($"model.weights: {path} does not fit {Describe(model)}: {e.Message}. " +
                                               "Check model.arch and model.width (torchvision's weights are width 64)", e);
            }
        }
    }

    // The commonest mistake (torchvision's 64-wide weights into the demo's 16-wide model) gets a one-line answer
    // instead of a list of every mismatched key.
    private static void CheckWidth(ResNet model, StateDict state, string path)
    {
        if (!state.TryGetValue(model.FirstConvName + ".weight", out var conv1) || conv1.Dim != 4) return;
        var width = conv1.Size(0);
        if (width == model.Options.Width) return;
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"model.weights: {path} is a ResNet of width {width} (conv1.weight is [{string.Join(", ", conv1.Shape)}]) but model.width is " +
            $"{model.Options.Width}; set model.width={width}{(width == 64 ? " (torchvision's; recipes/transfer-resnet/torchvision.yaml has the settings its weights need)" : "")}"));
    }

    // The other stem: torchvision's 7x7 conv1 into the small-input stem's 3x3, or the other way round.
    private static void CheckStem(ResNet model, StateDict state, string path)
    {
        if (!state.TryGetValue(model.FirstConvName + ".weight", out var conv1) || conv1.Dim != 4) return;
        var kernel = conv1.Size(3);
        var expected = model.Options.SmallInputStem ? 3 : 7;
        if (kernel == expected) return;
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"model.weights: {path} has a {kernel}x{kernel} conv1 ({(kernel == 7 ? "torchvision's stem" : "the small-input stem")}) but model.small_input_stem is " +
            $"{(model.Options.SmallInputStem ? "true" : "false")}, which makes it {expected}x{expected}; set model.small_input_stem={(kernel == 3 ? "true" : "false")}"));
    }

    private static string Describe(ResNet model) => string.Create(CultureInfo.InvariantCulture,
        $"a {model.Block} ResNet with stages [{string.Join(", ", model.Stages.Select(s => s.Count))}] of width {model.Options.Width}");
}
