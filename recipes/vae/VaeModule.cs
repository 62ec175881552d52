using System.Globalization;
using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.Vae;

/// <summary>
/// The convolutional VAE's training: uint8 images (B, C, H, W) in, scaled to [0, 1], the targets of a Bernoulli
/// decoder. The loss is the negative ELBO per image, −E_q[log p(x|z)] + β·KL(q(z|x) ‖ N(0, I)), in nats. Training,
/// validation and test log the ELBO (<c>*_elbo</c>, β = 1 whatever <c>model.beta</c>) and its two terms
/// (<c>*_recon</c>, <c>*_kl</c>); validation and test estimate it with one posterior sample per image, as training does.
/// With a run directory, each epoch writes <c>reconstructions/epoch-NNNN.png</c> (32 validation images, then their
/// reconstructions from the posterior mean) and <c>samples/epoch-NNNN.png</c> (64 decodings of fixed prior draws).
/// </summary>
public sealed class VaeModule : TrainingModule
{
    /// <summary>Images in each epoch's sample grid (8x8); the reconstruction grid shows half as many pairs.</summary>
    public const int GridSize = 64;

    private readonly ConvVae _vae;
    private readonly VaeConfig _config;

    public VaeModule(VaeConfig config, int channels, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _vae = RegisterModule("vae", new ConvVae(new ConvVaeOptions
        {
            InChannels = channels,
            ImageSize = imageSize,
            LatentDim = config.Model.LatentDim,
            Width = config.Model.Width,
        }));
        RegisterBuffer("grid_noise", FixedNoise(GridSize, config.Model.LatentDim, config.Samples.NoiseSeed), persistent: false);
    }

    public ConvVae Vae => _vae;

    /// <summary>z ~ N(0, I), (n, latentDim), from <paramref name="seed"/>, with the global generator put back after.</summary>
    public static Tensor FixedNoise(int n, int latentDim, ulong seed)
    {
        var saved = Torch.GetRngSnapshot();
        try
        {
            Torch.ManualSeed(seed);
            return Torch.Randn([n, latentDim]);
        }
        finally
        {
            Torch.SetRngSnapshot(saved);
        }
    }

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers() =>
        OptimizerConfig.One(new Adam(Parameters(), lr: _config.Optim.Lr, weightDecay: _config.Optim.WeightDecay));

    private static Tensor Scale(Tensor pixels) => pixels.To(ScalarType.Float32).Div(255);

    // The ELBO's terms per image, averaged over the batch: reconstruction −log p(x|z) (Bernoulli, summed over pixels)
    // and KL(q(z|x) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²).
    private static (Tensor Recon, Tensor Kl) Terms(Tensor logits, Tensor mu, Tensor logVar, Tensor target)
    {
        var n = target.Size(0);
        var recon = F.BinaryCrossEntropyWithLogits(logits, target, reduction: Reduction.Sum) / n;
        var kl = (logVar + 1 - mu.Square() - logVar.Exp()).Sum() * (-0.5 / n);
        return (recon, kl);
    }

    private void LogTerms(string split, Tensor recon, Tensor kl, bool progressBar)
    {
        Log($"{split}_elbo", -(recon + kl), progressBar);
        Log($"{split}_recon", recon);
        Log($"{split}_kl", kl);
    }

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var x = Scale(batch.Input);                                         // (B, C, H, W) in [0, 1]
        using var output = _vae.Reconstruct(x);                             // z sampled from q(z|x)
        var (recon, kl) = Terms(output.ReconstructionLogits, output.Mu, output.LogVar, x);
        var loss = recon + kl * _config.Model.Beta;
        Log("train_loss", loss);
        LogTerms("train", recon, kl, progressBar: true);
        return loss;
    }

    public override void ValidationStep(Batch batch, int batchIndex) => Evaluate("val", batch, batchIndex);

    public override void TestStep(Batch batch, int batchIndex) => Evaluate("test", batch, batchIndex);

    // One posterior sample per image, as in training: the model is in eval mode (batch norm's running statistics),
    // where ConvVae.Reparameterize returns the mean, so the sample is drawn here.
    private void Evaluate(string split, Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var x = Scale(batch.Input);
        var (mu, logVar) = _vae.Encode(x);                                  // (B, LatentDim) each
        var z = mu + (logVar * 0.5).Exp() * Torch.RandnLike(mu);
        var (recon, kl) = Terms(_vae.Decode(z), mu, logVar, x);
        Log($"{split}_loss", recon + kl * _config.Model.Beta);
        LogTerms(split, recon, kl, progressBar: split == "val");
        if (split == "val" && batchIndex == 0 && GridDirectory("reconstructions") is { } dir)
        {
            var count = Math.Min(GridSize / 2, x.Size(0));
            var real = x.Narrow(0, 0, count);
            var rebuilt = _vae.Decode(mu.Narrow(0, 0, count)).Sigmoid();
            Image.SaveGrid(Path.Combine(dir, EpochFile()), Torch.Cat([real, rebuilt]));   // real rows, then theirs
        }
    }

    /// <summary>The epoch's grid of samples: the fixed prior draws, decoded.</summary>
    public override void OnTrainEpochEnd(int epoch)
    {
        if (GridDirectory("samples") is not { } dir) return;
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        var wasTraining = IsTraining;
        Eval();
        try
        {
            var noise = NamedBuffers(recurse: false).First(b => b.Name == "grid_noise").Buffer;
            Image.SaveGrid(Path.Combine(dir, EpochFile()), _vae.Decode(noise).Sigmoid());
        }
        finally
        {
            Train(wasTraining);
        }
    }

    /// <summary>Latent codes (B, LatentDim) → images (B, C, H, W) in [0, 1] (the decoder's Bernoulli means).</summary>
    public override Tensor PredictStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return _vae.Decode(batch.Input).Sigmoid();
    }

    private string EpochFile() => string.Create(CultureInfo.InvariantCulture, $"epoch-{(Trainer?.CurrentEpoch ?? 0) + 1:D4}.png");

    // RUN/NAME when the trainer has a run directory (training), else null (eval, predict, runs kept in memory).
    private string? GridDirectory(string name)
    {
        if (Trainer?.Options.RunDirectory is not { } run) return null;
        var dir = Path.Combine(run, name);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
