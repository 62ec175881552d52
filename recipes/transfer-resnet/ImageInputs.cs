using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>Reads PNG or JPEG files to classify, as training reads them: converted to the model's channels and
/// resized (squashed) to its square input size.</summary>
internal static class ImageInputs
{
    public static PredictionInputs Read(IReadOnlyList<string> inputs, int channels, int size)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("no inputs to predict", nameof(inputs));
        using var scope = Torch.NewDisposeScope();
        var images = new Tensor[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            var path = inputs[i];
            if (!File.Exists(path)) throw new FileNotFoundException($"input {path} does not exist", path);
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is not (".png" or ".jpg" or ".jpeg"))
                throw new ArgumentException($"input {path}: transfer-resnet predicts on .png, .jpg or .jpeg images");
            images[i] = Image.Resize(Image.Read(path, channels), size, size);   // (C, S, S) uint8
        }
        var rows = Torch.Stack(images).Contiguous();                               // (N, C, S, S)
        return new PredictionInputs(new TensorDataset(rows), [.. inputs.Select(Path.GetFileName).Cast<string>()]);
    }
}
