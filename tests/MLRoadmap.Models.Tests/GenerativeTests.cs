using MLRoadmap.Models;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// DCGAN against PyTorch (tests/fixtures/torchvision/make_generative_fixtures.py builds the same networks with
/// nn.Sequential and the paper's initialisation): seeded weights bit for bit, generator images and discriminator
/// logits in training mode. The VAE's loss against torch.distributions' KL divergence, and its sampling behaviour.
/// Serial: it seeds the global generator.
/// </summary>
[Collection(SerialTests.Name)]
public class GenerativeTests
{
    [Theory]
    [InlineData("dcgan64")]
    [InlineData("dcgan28")]
    public void Dcgan_initialises_and_computes_as_pytorch(string name)
    {
        var fx = ZooFixtures.Generative;
        var meta = TorchFixtures.Meta(fx, name);
        var options = new DcganOptions
        {
            InChannels = meta.GetProperty("channels").GetInt32(),
            ImageSize = meta.GetProperty("image_size").GetInt32(),
            LatentDim = meta.GetProperty("latent_dim").GetInt32(),
            GeneratorWidth = meta.GetProperty("generator_width").GetInt32(),
            DiscriminatorWidth = meta.GetProperty("discriminator_width").GetInt32(),
        };
        DcganGenerator g;
        DcganDiscriminator d;
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(0);
            g = new DcganGenerator(options);
            Torch.ManualSeed(0);
            d = new DcganDiscriminator(options);
        }
        using (g)
        using (d)
        {
            foreach (var (net, prefix) in new (NN.Module, string)[] { (g, $"{name}/G/"), (d, $"{name}/D/") })
            {
                var expected = TorchFixtures.Under(fx, prefix);
                using var state = net.StateDict();
                Assert.Equal(expected.Select(kv => kv.Key), state.Keys);
                foreach (var (key, t) in expected) Compare.Exact(state[key], t, prefix + key);
            }
            using var scope = Torch.NewDisposeScope();
            g.Train();
            d.Train();
            Compare.Close(g.Forward(fx[$"{name}/z"]), fx[$"{name}/fake"], 1e-5, 1e-5, $"{name} generator");
            Compare.Close(d.Forward(fx[$"{name}/fake"]), fx[$"{name}/logits"], 1e-5, 1e-5, $"{name} discriminator");
        }
    }

    [Fact]
    public void Generator_takes_flat_or_4d_noise_and_samples_tanh_images()
    {
        using var g = new DcganGenerator(new DcganOptions { ImageSize = 32, InChannels = 3, GeneratorWidth = 8 });
        g.Eval();
        using var scope = Torch.NewDisposeScope();
        var z = Torch.Randn([3, 100]);
        Compare.Exact(g.Forward(z.Reshape(3, 100, 1, 1)), g.Forward(z), "4-D and flat noise");
        var images = g.Sample(5);
        Assert.Equal([5L, 3, 32, 32], images.Shape);
        Assert.True(images.Abs().Max().Item<float>() <= 1);
        var e = Assert.Throws<ArgumentException>(() => g.Forward(Torch.Randn([3, 99])));
        Assert.Contains("(B, 100)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, "vae/loss_beta1")]
    [InlineData(0.5, "vae/loss_beta0.5")]
    public void Vae_loss_is_the_negative_elbo_pytorch_computes(double beta, string key)
    {
        var fx = ZooFixtures.Generative;
        using var scope = Torch.NewDisposeScope();
        using var output = new VaeOutput(fx["vae/logits"].Clone(), fx["vae/mu"].Clone(), fx["vae/logvar"].Clone());
        Compare.Close(ConvVae.Loss(output, fx["vae/target"], beta), fx[key], 1e-5, 1e-6, key);
    }

    [Fact]
    public void Vae_samples_while_training_uses_the_mean_in_evaluation_and_decodes_pixels()
    {
        using var vae = new ConvVae(new ConvVaeOptions { InChannels = 3, ImageSize = 32, LatentDim = 8 });
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Rand([4, 3, 32, 32]);
        var mu = Torch.Randn([4, 8]);
        var logVar = Torch.Randn([4, 8]);

        vae.Eval();
        Compare.Exact(vae.Reparameterize(mu, logVar), mu, "evaluation: z = μ");
        using (var o = vae.Reconstruct(x))
        {
            Assert.Equal([4L, 3, 32, 32], o.ReconstructionLogits.Shape);
            Assert.Equal([4L, 8], o.Mu.Shape);
            Assert.Equal([4L, 8], o.LogVar.Shape);
            Compare.Exact(vae.Forward(x), o.ReconstructionLogits.Sigmoid(), "Forward = sigmoid of the reconstruction");
        }

        vae.Train();
        var z1 = vae.Reparameterize(mu, logVar);
        var z2 = vae.Reparameterize(mu, logVar);
        Assert.False(z1.Equal(z2), "training: z is sampled");
        // z = μ + σ·ε: standardised, the draws are N(0, 1).
        var (mu0, logVar0) = (mu.Narrow(0, 0, 1), logVar.Narrow(0, 0, 1));      // (1, 8)
        var eps = (vae.Reparameterize(mu0.Expand(2000, 8), logVar0.Expand(2000, 8)) - mu0) / (logVar0 * 0.5).Exp();
        Assert.InRange(eps.Mean().Item<float>(), -0.05, 0.05);
        Assert.InRange(eps.Std().Item<float>(), 0.95, 1.05);

        var samples = vae.Sample(6);
        Assert.Equal([6L, 3, 32, 32], samples.Shape);
        Assert.True(samples.Min().Item<float>() >= 0 && samples.Max().Item<float>() <= 1);
    }
}
