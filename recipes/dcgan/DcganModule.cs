using System.Globalization;
using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.Metrics;
using MLRoadmap.Models;
using MLRoadmap.Optim;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.Dcgan;

/// <summary>
/// DCGAN's training under manual optimization: per batch, one Adam step of the discriminator on real and generated
/// images, then one of the generator through the discriminator (the non-saturating loss, BCE with logits against
/// "real"), one global step in all. Images are uint8 (B, C, H, W) in, scaled to [−1, 1] (the generator's tanh).
/// Validation generates <c>fid.samples</c> images from fixed noise and reports their Fréchet distance (<c>fid</c>) to
/// as many real test images, on the features of a trained fashion-cnn (<see cref="FidClassifier"/>). With a run
/// directory, each epoch writes a grid of 64 samples from the same noise to <c>samples/epoch-NNNN.png</c>.
/// </summary>
public sealed class DcganModule : TrainingModule
{
    /// <summary>Images in each epoch's sample grid (8x8).</summary>
    public const int GridSize = 64;

    private readonly DcganGenerator _generator;
    private readonly DcganDiscriminator _discriminator;
    private readonly FrechetDistance _fid;
    private readonly DcganConfig _config;
    private FidClassifier? _classifier;

    public DcganModule(DcganConfig config, int channels, int imageSize, FidClassifier? classifier = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        var options = new DcganOptions
        {
            InChannels = channels,
            ImageSize = imageSize,
            LatentDim = config.Model.LatentDim,
            GeneratorWidth = config.Model.GeneratorWidth,
            DiscriminatorWidth = config.Model.DiscriminatorWidth,
        };
        _generator = RegisterModule("generator", new DcganGenerator(options));
        _discriminator = RegisterModule("discriminator", new DcganDiscriminator(options));
        // Not persistent: it is a function of fid.noise_seed, so checkpoints need not carry it.
        RegisterBuffer("fixed_noise", FixedNoise(config.Fid.Samples, config.Model.LatentDim, config.Fid.NoiseSeed), persistent: false);
        _classifier = classifier;
        _fid = RegisterMetric("fid", new FrechetDistance());   // D from the classifier's features
    }

    /// <summary>z ~ N(0, I) for the FID and the sample grids, (n, LatentDim): drawn from <paramref name="seed"/> with the
    /// global generator's state put back afterwards, so the run's own randomness is untouched.</summary>
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

    public DcganGenerator Generator => _generator;

    public DcganDiscriminator Discriminator => _discriminator;

    public override bool AutomaticOptimization => false;

    private Tensor FixedNoiseRows(long start, long count) =>
        NamedBuffers(recurse: false).First(b => b.Name == "fixed_noise").Buffer.Narrow(0, start, count);

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        var betas = (_config.Gan.Beta1, 0.999);
        return
        [
            new Adam(_discriminator.Parameters(), lr: _config.Optim.Lr, betas: betas, weightDecay: _config.Optim.WeightDecay),
            new Adam(_generator.Parameters(), lr: _config.Optim.Lr, betas: betas, weightDecay: _config.Optim.WeightDecay),
        ];
    }

    /// <summary>uint8 pixels → [−1, 1], the generator's range.</summary>
    private static Tensor Scale(Tensor pixels) => pixels.To(ScalarType.Float32).Div(127.5).Sub_(1);

    /// <summary>[−1, 1] → uint8 pixels, rounded as a saved PNG is (the FID is of the images as written).</summary>
    private static Tensor ToPixels(Tensor images) => Image.ToUInt8(images.Add(1).Mul_(0.5));

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var opts = Optimizers();
        var (optD, optG) = (opts[0], opts[1]);
        var real = Scale(batch.Input);                                                   // (B, C, H, W)
        var n = real.Size(0);
        var fake = _generator.Forward(Torch.Randn([n, _config.Model.LatentDim], device: real.Device));
        var ones = Torch.Ones([n], device: real.Device);
        var zeros = Torch.Zeros([n], device: real.Device);

        // Discriminator: real → 1, generated → 0; the generator is held fixed (detach).
        var realLogits = _discriminator.Forward(real);                                   // (B)
        var fakeLogits = _discriminator.Forward(fake.Detach());
        var lossD = F.BinaryCrossEntropyWithLogits(realLogits, ones) + F.BinaryCrossEntropyWithLogits(fakeLogits, zeros);
        ManualBackward(lossD);
        ManualStep(optD);

        // Generator: make the updated discriminator say 1. Its own parameters need no gradient here, and must get
        // none: they would add to the next discriminator step's.
        foreach (var p in _discriminator.Parameters()) p.RequiresGrad = false;
        Tensor lossG;
        try
        {
            lossG = F.BinaryCrossEntropyWithLogits(_discriminator.Forward(fake), ones);
            ManualBackward(lossG);
        }
        finally
        {
            foreach (var p in _discriminator.Parameters()) p.RequiresGrad = true;
        }
        ManualStep(optG);

        Log("d_loss", lossD, progressBar: true);
        Log("g_loss", lossG, progressBar: true);
        Log("d_real", realLogits.Sigmoid().Mean());    // D(x): near 1 if the discriminator wins
        Log("d_fake", fakeLogits.Sigmoid().Mean());    // D(G(z)) before its step: near 0 if it wins
        return lossG;
    }

    public override void OnFitStart() => EnsureClassifier();

    /// <summary>Real test images against as many generated from the fixed noise, in the same order every time.</summary>
    public override void ValidationStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var classifier = EnsureClassifier();
        var n = batch.Input.Size(0);
        var start = (long)batchIndex * _config.Data.BatchSize;
        if (start + n > _config.Fid.Samples)
            throw new InvalidOperationException($"the FID batches hold more than fid.samples ({_config.Fid.Samples}) images");
        var fake = ToPixels(_generator.Forward(FixedNoiseRows(start, n)));               // (B, C, H, W) uint8
        _fid.Update(classifier.Features(fake), classifier.Features(batch.Input));
        Log("fid", _fid, progressBar: true);
        if (batchIndex == 0 && SamplesDirectory() is { } dir && !File.Exists(Path.Combine(dir, "real.png")))
            Image.SaveGrid(Path.Combine(dir, "real.png"), batch.Input.Narrow(0, 0, Math.Min(n, GridSize)));
    }

    /// <summary>The epoch's grid: the first 64 images of the fixed noise, by the generator in eval mode.</summary>
    public override void OnTrainEpochEnd(int epoch)
    {
        if (SamplesDirectory() is not { } dir) return;
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        var wasTraining = IsTraining;
        Eval();
        try
        {
            var count = Math.Min(GridSize, _config.Fid.Samples);
            var images = ToPixels(_generator.Forward(FixedNoiseRows(0, count)));
            Image.SaveGrid(Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"epoch-{epoch + 1:D4}.png")), images);
        }
        finally
        {
            Train(wasTraining);
        }
    }

    /// <summary>Latent codes (B, LatentDim) → images (B, C, H, W) in [0, 1].</summary>
    public override Tensor PredictStep(Batch batch, int batchIndex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return _generator.Forward(batch.Input).Add(1).Mul_(0.5).Clamp_(0, 1);
    }

    // RUN/samples when the trainer has a run directory (training), else null (eval, predict, tests without one).
    private string? SamplesDirectory()
    {
        if (Trainer?.Options.RunDirectory is not { } run) return null;
        var dir = Path.Combine(run, "samples");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private FidClassifier EnsureClassifier()
    {
        if (_classifier is not null) return _classifier;
        _classifier = FidClassifier.Resolve(_config.Fid, _config.Data, _config.Trainer.Device,
            (int)_generator.Options.InChannels, _generator.Options.ImageSize, Console.Error.WriteLine);
        return _classifier;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _classifier?.Dispose();
        base.Dispose(disposing);
    }
}
