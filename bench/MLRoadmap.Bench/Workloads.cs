using MLRoadmap.NN;
using MLRoadmap.Optim;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Bench;

/// <summary>The workloads, one method each, mirroring bench/python/bench.py line for line.</summary>
internal static class Workloads
{
    public static readonly Dictionary<string, Action<bool>> All = new()
    {
        ["tiny"] = TinyOps,
        ["mlp"] = Mlp,
        ["cnn"] = Cnn,
        ["lstm"] = Lstm,
        ["gpt"] = Gpt,
        ["generate"] = Generate,
    };

    // Per-op cost of the smallest op, out of place (allocates a result handle) and in place. The result of the
    // out-of-place op is disposed at once: that is the deterministic-memory path users run.
    private static void TinyOps(bool quick)
    {
        using var a = Torch.Ones([1]);
        using var b = Torch.Ones([1]);
        var n = quick ? 20_000 : 100_000;
        Measure.Print("tiny_add", "ns_per_op", Measure.PerOpNs(() => { using var c = a.Add(b); }, n));
        Measure.Print("tiny_add_", "ns_per_op", Measure.PerOpNs(() => a.Add_(b), n));
    }

    // One training step as a user writes it: a dispose scope around forward, loss, backward and the optimizer step.
    private static Action TrainStep(Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        return () =>
        {
            using var scope = Torch.NewDisposeScope();
            optimizer.ZeroGrad();
            var loss = F.CrossEntropy(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
        };
    }

    private static void Mlp(bool quick)
    {
        Torch.ManualSeed(0);
        using var model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10));
        using var x = Torch.Randn([128, 784]);
        using var y = Torch.Randint(0, 10, [128]);
        Measure.Print("mlp_step", "ms_per_step", Measure.PerStepMs(TrainStep(model, x, y), quick ? 10 : 100, quick ? 3 : 7));
    }

    private static void Cnn(bool quick)
    {
        Torch.ManualSeed(0);
        using var model = new Sequential(
            new Conv2d(1, 32, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Linear(128, 10));
        using var x = Torch.Randn([128, 1, 28, 28]);
        using var y = Torch.Randint(0, 10, [128]);
        Measure.Print("cnn_step", "ms_per_step", Measure.PerStepMs(TrainStep(model, x, y), quick ? 3 : 20, quick ? 3 : 5));
    }

    private sealed class LstmClassifier : Module<Tensor, Tensor>
    {
        private readonly Embedding _embedding;
        private readonly LSTM _lstm;
        private readonly Linear _head;

        public LstmClassifier()
        {
            _embedding = RegisterModule("embedding", new Embedding(5000, 64));
            _lstm = RegisterModule("lstm", new LSTM(64, 128, batchFirst: true));
            _head = RegisterModule("head", new Linear(128, 5));
        }

        public override Tensor Forward(Tensor tokens)
        {
            var (_, h, _) = _lstm.Forward(_embedding.Forward(tokens));  // h: (layers, B, H)
            return _head.Forward(h[-1]);
        }
    }

    private static void Lstm(bool quick)
    {
        Torch.ManualSeed(0);
        using var model = new LstmClassifier();
        using var x = Torch.Randint(0, 5000, [32, 64]);
        using var y = Torch.Randint(0, 5, [32]);
        Measure.Print("lstm_step", "ms_per_step", Measure.PerStepMs(TrainStep(model, x, y), quick ? 5 : 30, quick ? 3 : 5));
    }

    // A causal transformer LM at the gpt recipe's default shape (6 pre-norm blocks of width 256, 4 heads, 128 tokens,
    // batch 16, vocabulary 1024): the workload that is mostly matrix products, so it shows what BLAS threads buy.
    private sealed class TinyGpt : Module<Tensor, Tensor>
    {
        private readonly Embedding _tokens, _positions;
        private readonly ModuleList<TransformerEncoderLayer> _blocks;
        private readonly LayerNorm _norm;
        private readonly Linear _head;
        private readonly Tensor _causal;

        public TinyGpt(int vocab, int block, int layers, int width)
        {
            _tokens = RegisterModule("tokens", new Embedding(vocab, width));
            _positions = RegisterModule("positions", new Embedding(block, width));
            _blocks = RegisterModule("blocks", new ModuleList<TransformerEncoderLayer>(Enumerable.Range(0, layers).Select(_ =>
                new TransformerEncoderLayer(width, 4, 4 * width, 0.0, TransformerActivation.Gelu, batchFirst: true, normFirst: true))));
            _norm = RegisterModule("norm", new LayerNorm(width));
            _head = RegisterModule("head", new Linear(width, vocab));
            using var ones = Torch.Ones([block, block], ScalarType.Bool);
            _causal = ones.Triu(1);  // (T, T), true above the diagonal = blocked
        }

        public override Tensor Forward(Tensor tokens)  // (B, T) -> (B·T, V)
        {
            using var positions = Torch.Arange(tokens.Shape[1]);
            var x = _tokens.Forward(tokens) + _positions.Forward(positions);  // (B, T, C)
            foreach (var block in _blocks) x = block.Forward(x, _causal, null);
            return _head.Forward(_norm.Forward(x)).Flatten(0, 1);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _causal.Dispose();
            base.Dispose(disposing);
        }
    }

    private static void Gpt(bool quick)
    {
        Torch.ManualSeed(0);
        using var model = new TinyGpt(1024, 128, 6, 256);
        using var x = Torch.Randint(0, 1024, [16, 128]);
        using var y = Torch.Randint(0, 1024, [16 * 128]);
        Measure.Print("gpt_step", "ms_per_step", Measure.PerStepMs(TrainStep(model, x, y), quick ? 3 : 10, quick ? 3 : 5));
    }

    // C# only: the zoo's Gpt at the gpt recipe's shape continuing a one-token prompt to the full 128-token block,
    // greedily, with its KV cache and reading the whole context every step (nanoGPT's generate, which has no cache,
    // so there is no PyTorch row to set beside it). Time per generated token.
    private static void Generate(bool quick)
    {
        Torch.ManualSeed(0);
        using var model = new Models.Gpt(new Models.GptConfig { VocabSize = 1024, BlockSize = 128, NLayer = 6, NHead = 4, NEmbd = 256 });
        using var prompt = Torch.Zeros([1, 1], ScalarType.Int64);
        const int Tokens = 127;
        foreach (var (name, cache) in new[] { ("gpt_generate_cached", true), ("gpt_generate_uncached", false) })
        {
            var samples = Measure.PerStepMs(() =>
            {
                using var tokens = model.Generate(prompt, Tokens, temperature: 0, kvCache: cache);
            }, 1, quick ? 2 : 5);
            Measure.Print(name, "ms_per_token", [.. samples.Select(ms => ms / Tokens)]);
        }
    }
}
