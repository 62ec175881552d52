using MLRoadmap.Models.Layers;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="ConvVae"/>.</summary>
public sealed record ConvVaeOptions : ModelOptions
{
    /// <summary>Fashion-MNIST's one channel; 3 for CIFAR-10.</summary>
    public override int InChannels { get; init; } = 1;

    /// <summary>Fashion-MNIST's 28; any multiple of 4 (two stride-2 halvings), 32 for CIFAR.</summary>
    public int ImageSize { get; init; } = 28;

    /// <summary>16 latent dimensions: enough for recognisable Fashion-MNIST samples, small enough to interpolate in.</summary>
    public int LatentDim { get; init; } = 16;

    /// <summary>The first convolution's channels (the second has twice as many): 32 keeps a CPU epoch short.</summary>
    public int Width { get; init; } = 32;

    public override void Validate()
    {
        base.Validate();
        if (ImageSize < 4 || ImageSize % 4 != 0) throw Bad(nameof(ImageSize), ImageSize, "must be a positive multiple of 4");
        if (LatentDim < 1) throw Bad(nameof(LatentDim), LatentDim, "must be at least 1");
        if (Width < 1) throw Bad(nameof(Width), Width, "must be at least 1");
    }
}

/// <summary>What <see cref="ConvVae.Reconstruct"/> returns: the reconstruction's logits (sigmoid gives pixels in
/// [0, 1]) and the posterior's mean and log-variance. Owns its tensors.</summary>
public sealed class VaeOutput(Tensor reconstructionLogits, Tensor mu, Tensor logVar) : IDisposable
{
    /// <summary>(B, C, S, S), before the sigmoid.</summary>
    public Tensor ReconstructionLogits { get; } = reconstructionLogits;

    /// <summary>(B, LatentDim).</summary>
    public Tensor Mu { get; } = mu;

    /// <summary>(B, LatentDim), log σ².</summary>
    public Tensor LogVar { get; } = logVar;

    public void Dispose()
    {
        ReconstructionLogits.Dispose();
        Mu.Dispose();
        LogVar.Dispose();
    }
}

/// <summary>
/// A convolutional variational autoencoder (Kingma and Welling, 2013) for images with pixels in [0, 1]: two strided
/// 3x3 convolutions (BN, ReLU) encode to a map of S/4, linear layers give the posterior's mean and log-variance, a
/// sample z = μ + σ·ε (the reparameterisation, so gradients flow through μ and σ) is decoded by a linear layer and
/// two 4x4 transposed convolutions back to (B, C, S, S). PyTorch's default initialisation. Keys:
/// <c>encoder.0/1</c>, <c>fc_mu</c>, <c>fc_logvar</c>, <c>decoder_input</c>, <c>decoder.0/1/3</c>.
/// </summary>
public sealed class ConvVae : Module<Tensor, Tensor>
{
    private readonly long _map;      // the encoder's output side, S/4
    private readonly long _channels; // its channels, 2·Width

    public ConvVae(ConvVaeOptions? options = null)
    {
        Options = options ?? new ConvVaeOptions();
        Options.Validate();
        var o = Options;
        _map = o.ImageSize / 4;
        _channels = 2L * o.Width;
        var flat = _channels * _map * _map;
        Encoder = RegisterModule("encoder", new Sequential(
            new ConvBnAct(o.InChannels, o.Width, new ReLU(inplace: true), stride: 2),   // (B, W, S/2, S/2)
            new ConvBnAct(o.Width, _channels, new ReLU(inplace: true), stride: 2)));    // (B, 2W, S/4, S/4)
        FcMu = RegisterModule("fc_mu", new Linear(flat, o.LatentDim));
        FcLogVar = RegisterModule("fc_logvar", new Linear(flat, o.LatentDim));
        DecoderInput = RegisterModule("decoder_input", new Linear(o.LatentDim, flat));
        Decoder = RegisterModule("decoder", new Sequential(
            new ConvTranspose2d(_channels, o.Width, 4, 2, 1, bias: false), new BatchNorm2d(o.Width), new ReLU(inplace: true),
            new ConvTranspose2d(o.Width, o.InChannels, 4, 2, 1)));
    }

    public ConvVaeOptions Options { get; }
    public Sequential Encoder { get; }
    public Linear FcMu { get; }
    public Linear FcLogVar { get; }
    public Linear DecoderInput { get; }
    public Sequential Decoder { get; }

    /// <summary>(B, C, S, S) images → the posterior's (μ, log σ²), each (B, LatentDim).</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var s = Options.ImageSize;
        if (input.Dim != 4 || input.Size(1) != Options.InChannels || input.Size(2) != s || input.Size(3) != s)
            throw new ArgumentException($"ConvVae expects images of shape (B, {Options.InChannels}, {s}, {s}), " +
                                        $"got [{string.Join(", ", input.Shape)}]", nameof(input));
        using var scope = Torch.NewDisposeScope();
        var h = Encoder.Forward(input).Flatten(1);                      // (B, 2W·(S/4)²)
        return (FcMu.Forward(h).MoveToOuterScope(), FcLogVar.Forward(h).MoveToOuterScope());
    }

    /// <summary>z = μ + exp(½ log σ²)·ε with ε ~ N(0, I) while training; μ itself in evaluation, so reconstructions
    /// are deterministic there.</summary>
    public Tensor Reparameterize(Tensor mu, Tensor logVar)
    {
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(logVar);
        if (!IsTraining) return mu.Alias();
        using var scope = Torch.NewDisposeScope();
        var std = (logVar * 0.5).Exp();
        return (mu + std * Torch.RandnLike(std)).MoveToOuterScope();    // (B, LatentDim)
    }

    /// <summary>(B, LatentDim) codes → (B, C, S, S) reconstruction logits.</summary>
    public Tensor Decode(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = Torch.NewDisposeScope();
        var h = F.Relu(DecoderInput.Forward(z), inplace: true)          // (B, 2W·(S/4)²)
            .Unflatten(1, _channels, _map, _map);                       // (B, 2W, S/4, S/4)
        return Decoder.Forward(h).MoveToOuterScope();                   // (B, C, S, S)
    }

    /// <summary>Encode, sample, decode: what the loss needs.</summary>
    public VaeOutput Reconstruct(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var (mu, logVar) = Encode(input);
        var logits = Decode(Reparameterize(mu, logVar));
        return new VaeOutput(logits.MoveToOuterScope(), mu.MoveToOuterScope(), logVar.MoveToOuterScope());
    }

    /// <summary>(B, C, S, S) images → their reconstructions, pixels in [0, 1].</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        using var output = Reconstruct(input);
        return output.ReconstructionLogits.Sigmoid().MoveToOuterScope();
    }

    /// <summary>n new images from the prior, z ~ N(0, I) drawn from the default generator: (n, C, S, S) in [0, 1].</summary>
    public Tensor Sample(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        using var scope = Torch.NewDisposeScope();
        var z = Torch.Randn([n, Options.LatentDim], device: FcMu.Weight.Device, dtype: FcMu.Weight.Dtype);
        return Decode(z).Sigmoid().MoveToOuterScope();
    }

    /// <summary>The negative ELBO per image: binary cross-entropy of the reconstruction against
    /// <paramref name="target"/> (pixels in [0, 1]) summed over pixels, plus β times KL(q(z|x) ‖ N(0, I)) =
    /// −½ Σ (1 + log σ² − μ² − σ²); averaged over the batch. β = 1 is the VAE; other values weigh the prior.</summary>
    public static Tensor Loss(VaeOutput output, Tensor target, double beta = 1.0)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        using var scope = Torch.NewDisposeScope();
        var batch = target.Size(0);
        var reconstruction = F.BinaryCrossEntropyWithLogits(output.ReconstructionLogits, target, reduction: Reduction.Sum);
        var kl = (output.LogVar + 1 - output.Mu.Square() - output.LogVar.Exp()).Sum() * -0.5;
        return ((reconstruction + kl * beta) / batch).MoveToOuterScope();
    }
}
