using System.Collections;
using System.Globalization;
using MLRoadmap.NN;

namespace MLRoadmap.Models.Layers;

/// <summary>
/// A <see cref="Sequential"/> whose layers can be replaced: the same "0", "1", … state-dict keys, plus
/// <see cref="Replace"/>, which swaps one layer (disposing the old one) without touching the others. Classifier heads
/// are stacks, so a model can put a fresh last layer in place (<c>classifier.6</c>) for transfer learning.
/// </summary>
public sealed class LayerSequence : Module<Tensor, Tensor>, IReadOnlyList<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    public LayerSequence(params IEnumerable<Module<Tensor, Tensor>> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers)
        {
            ArgumentNullException.ThrowIfNull(layer);
            RegisterModule(Key(_layers.Count), layer);
            _layers.Add(layer);
        }
    }

    public int Count => _layers.Count;

    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>Puts <paramref name="layer"/> at <paramref name="index"/> and disposes the layer it replaces.</summary>
    public void Replace(int index, Module<Tensor, Tensor> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _layers.Count);
        RegisterModule(Key(index), layer);
        _layers[index] = layer;
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Torch.NewDisposeScope();
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        if (ReferenceEquals(x, input)) x = input.Alias();
        return x.MoveToOuterScope();
    }

    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string Key(int index) => index.ToString(CultureInfo.InvariantCulture);
}
