using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="DcganGenerator"/> and <see cref="DcganDiscriminator"/> (one record, so the pair
/// agrees on the image they make and judge).</summary>
public sealed record DcganOptions : ModelOptions
{
    /// <summary>Fashion-MNIST's one channel; 3 for CIFAR-10 or faces.</summary>
    public override int InChannels { get; init; } = 1;

    /// <summary>Fashion-MNIST's 28 (7·2²). Any b·2^k with b in 4..7 and k ≥ 1 works: 32 (4·2³) for CIFAR, 64 (4·2⁴)
    /// for the paper's network.</summary>
    public int ImageSize { get; init; } = 28;

    /// <summary>The paper's 100-dimensional noise vector z.</summary>
    public int LatentDim { get; init; } = 100;

    /// <summary>The generator's last hidden width (the paper's 64), doubling at each layer towards z.</summary>
    public int GeneratorWidth { get; init; } = 64;

    /// <summary>The discriminator's first width (the paper's 64), doubling at each layer towards the output.</summary>
    public int DiscriminatorWidth { get; init; } = 64;

    /// <summary>The paper's 0.2 slope for the discriminator's leaky ReLUs.</summary>
    public double LeakySlope { get; init; } = 0.2;

    /// <summary>ImageSize as base·2^Upsamplings (base 4..7): the generator's first map and its number of doublings.</summary>
    public (int Base, int Upsamplings) Geometry()
    {
        int size = ImageSize, doublings = 0;
        while (size > 7 && size % 2 == 0)
        {
            size /= 2;
            doublings++;
        }
        if (size < 4 || size > 7 || doublings == 0)
            throw Bad(nameof(ImageSize), ImageSize, "must be b·2^k with b in 4..7 and k ≥ 1 (e.g. 28, 32, 64)");
        return (size, doublings);
    }

    public override void Validate()
    {
        base.Validate();
        _ = Geometry();
        if (LatentDim < 1) throw Bad(nameof(LatentDim), LatentDim, "must be at least 1");
        if (GeneratorWidth < 1) throw Bad(nameof(GeneratorWidth), GeneratorWidth, "must be at least 1");
        if (DiscriminatorWidth < 1) throw Bad(nameof(DiscriminatorWidth), DiscriminatorWidth, "must be at least 1");
        if (LeakySlope < 0 || !double.IsFinite(LeakySlope)) throw Bad(nameof(LeakySlope), LeakySlope, "must be ≥ 0");
    }
}

/// <summary>
/// DCGAN's generator (Radford et al., 2015): z (B, LatentDim) → an image (B, C, S, S) in [−1, 1]. A transposed
/// convolution turns z into a base×base map, each further one doubles it (4x4 kernels, stride 2) while halving the
/// width, each followed by batch norm and ReLU; the last writes C channels through tanh. At 64x64 this is the paper's
/// network exactly (z → 512·4² → 256·8² → 128·16² → 64·32² → 3·64²); at 28x28, z → 128·7² → 64·14² → 1·28². Keys
/// <c>main.N</c>, as the PyTorch DCGAN example names them.
/// </summary>
public sealed class DcganGenerator : Module<Tensor, Tensor>
{
    public DcganGenerator(DcganOptions? options = null)
    {
        Options = options ?? new DcganOptions();
        Options.Validate();
        var o = Options;
        var (size, ups) = o.Geometry();
        long width = (long)o.GeneratorWidth << (ups - 1);
        var layers = new List<Module<Tensor, Tensor>>
        {
            new ConvTranspose2d(o.LatentDim, width, size, 1, 0, bias: false), new BatchNorm2d(width), new ReLU(inplace: true),
        };
        for (var i = 1; i < ups; i++, width /= 2)
            layers.AddRange([new ConvTranspose2d(width, width / 2, 4, 2, 1, bias: false), new BatchNorm2d(width / 2), new ReLU(inplace: true)]);
        layers.AddRange([new ConvTranspose2d(width, o.InChannels, 4, 2, 1, bias: false), new Tanh()]);
        Main = RegisterModule("main", new Sequential(layers));
        PaperInit.Apply(this);
    }

    public DcganOptions Options { get; }
    public Sequential Main { get; }

    /// <summary>(B, LatentDim) or (B, LatentDim, 1, 1) noise → (B, C, S, S) images in [−1, 1].</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ok = input.Size(1) == Options.LatentDim && (input.Dim == 2 || (input.Dim == 4 && input.Size(2) == 1 && input.Size(3) == 1));
        if (!ok)
            throw new ArgumentException($"DcganGenerator expects noise of shape (B, {Options.LatentDim}) or (B, {Options.LatentDim}, 1, 1), " +
                                        $"got [{string.Join(", ", input.Shape)}]", nameof(input));
        using var scope = Torch.NewDisposeScope();
        var z = input.Dim == 2 ? input.Reshape(input.Size(0), Options.LatentDim, 1, 1) : input;   // (B, nz, 1, 1)
        return Main.Forward(z).MoveToOuterScope();                                                  // (B, C, S, S)
    }

    /// <summary>n images from fresh N(0, 1) noise (drawn from the default generator, on the model's device).</summary>
    public Tensor Sample(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        using var scope = Torch.NewDisposeScope();
        var weight = ((ConvNd)Main[0]).Weight;                        // the first layer: z's dtype and device
        var z = Torch.Randn([n, Options.LatentDim], weight.Dtype, weight.Device);
        return Forward(z).MoveToOuterScope();
    }
}

/// <summary>
/// DCGAN's discriminator: an image (B, C, S, S) → one logit per image (B). Strided 4x4 convolutions halve the map and
/// double the width, with leaky ReLU (batch norm on all but the first), down to base×base; a last convolution over
/// the whole map gives the logit. The paper ends with a sigmoid; this returns the logit, for
/// <c>BinaryCrossEntropyWithLogits</c>, which is the same loss computed stably. Keys <c>main.N</c>.
/// </summary>
public sealed class DcganDiscriminator : Module<Tensor, Tensor>
{
    public DcganDiscriminator(DcganOptions? options = null)
    {
        Options = options ?? new DcganOptions();
        Options.Validate();
        var o = Options;
        var (size, ups) = o.Geometry();
        long width = o.DiscriminatorWidth;
        var layers = new List<Module<Tensor, Tensor>>
        {
            new Conv2d(o.InChannels, width, 4, 2, 1, bias: false), new LeakyReLU(o.LeakySlope, inplace: true),
        };
        for (var i = 1; i < ups; i++, width *= 2)
            layers.AddRange([new Conv2d(width, width * 2, 4, 2, 1, bias: false), new BatchNorm2d(width * 2), new LeakyReLU(o.LeakySlope, inplace: true)]);
        layers.Add(new Conv2d(width, 1, size, 1, 0, bias: false));
        Main = RegisterModule("main", new Sequential(layers));
        PaperInit.Apply(this);
    }

    public DcganOptions Options { get; }
    public Sequential Main { get; }

    /// <summary>(B, C, S, S) images → (B) logits (real > 0 > fake once trained).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var s = Options.ImageSize;
        if (input.Dim != 4 || input.Size(1) != Options.InChannels || input.Size(2) != s || input.Size(3) != s)
            throw new ArgumentException($"DcganDiscriminator expects images of shape (B, {Options.InChannels}, {s}, {s}), " +
                                        $"got [{string.Join(", ", input.Shape)}]", nameof(input));
        using var scope = Torch.NewDisposeScope();
        return Main.Forward(input).Flatten().MoveToOuterScope();   // (B, 1, 1, 1) → (B)
    }
}

// The DCGAN paper's initialisation: every convolution N(0, 0.02), batch-norm scales N(1, 0.02), shifts 0, visiting
// modules in order (PyTorch's example applies it the same way, so seeded weights agree).
internal static class PaperInit
{
    public static void Apply(Module model)
    {
        foreach (var module in model.Modules())
        {
            if (module is ConvNd conv) Init.Normal_(conv.Weight, 0, 0.02);
            else if (module is BatchNorm2d bn)
            {
                Init.Normal_(bn.Weight!, 1, 0.02);
                Init.Zeros_(bn.Bias!);
            }
        }
    }
}
