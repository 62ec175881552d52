// Trains a small MLP for many steps, each inside a dispose scope, and reports the live native tensor count and the
// process RSS after warm-up and along the way, as JSON on stdout. MemoryTests asserts on the figures.
//
// Usage: MLRoadmap.MemoryCheck [--steps N] [--warmup N] [--samples N] [--leak-every N]
// --leak-every N keeps one tensor alive, undisposed, every N steps: the test of the test, proving a leak shows.
using System.Globalization;
using System.Text.Json;
using MLRoadmap;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using F = MLRoadmap.NN.Functional;

var steps = 10_000;
var warmup = 500;
var samples = 20;
var leakEvery = 0;
var leaked = new List<Tensor>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--samples": samples = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--leak-every": leakEvery = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

Torch.ManualSeed(0);
var start = Torch.LiveTensorCount;
var model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 128), new ReLU(), new Linear(128, 10));
var optimizer = new Adam(model.Parameters(), lr: 1e-3);
float lastLoss = 0;

var stepCount = 0;
void Step()
{
    using var scope = Torch.NewDisposeScope();
    if (leakEvery > 0 && ++stepCount % leakEvery == 0) leaked.Add(Torch.Zeros([1024]).DetachFromDisposeScope());
    var x = Torch.Randn([32, 64]);
    var y = Torch.Randint(0, 10, [32]);
    var loss = F.CrossEntropy(model.Forward(x), y);
    optimizer.ZeroGrad();
    loss.Backward();
    optimizer.Step();
    lastLoss = loss.Item<float>();
}

static long RssKiB()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    throw new InvalidOperationException("no VmRSS in /proc/self/status");
}

// Between samples only the managed heap may hold garbage; collecting it first makes RSS a statement about native
// memory (the thing a leak of tensors would grow).
static void Settle()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    Torch.CollectGarbage();
}

for (var i = 0; i < warmup; i++) Step();
Settle();
var baselineLive = Torch.LiveTensorCount;
var baselineRss = RssKiB();
var trace = new List<object>();
var every = Math.Max(1, steps / samples);
long maxRss = baselineRss, maxLive = baselineLive;
var orphans = 0;
for (var i = 1; i <= steps; i++)
{
    Step();
    if (i % every != 0 && i != steps) continue;
    orphans += TensorOrphans();
    Settle();
    var live = Torch.LiveTensorCount;
    var rss = RssKiB();
    maxRss = Math.Max(maxRss, rss);
    maxLive = Math.Max(maxLive, live);
    trace.Add(new { step = i, live, rss_kib = rss, gc_committed_kib = GC.GetGCMemoryInfo().TotalCommittedBytes / 1024, loss = lastLoss });
}

// Tensors the finalizer had to rescue: none, if every step's scope freed what it made.
static int TensorOrphans() => Torch.CollectGarbage();

var liveAtEnd = Torch.LiveTensorCount;
var rssAtEnd = RssKiB();
optimizer.Dispose();
model.Dispose();
Settle();

Console.WriteLine(JsonSerializer.Serialize(new
{
    steps,
    warmup,
    live_at_start = start,
    live_after_warmup = baselineLive,
    live_at_end = liveAtEnd,
    live_after_dispose = Torch.LiveTensorCount,
    live_max = maxLive,
    rss_after_warmup_kib = baselineRss,
    rss_at_end_kib = rssAtEnd,
    rss_max_kib = maxRss,
    finalizer_rescued = orphans,
    final_loss = lastLoss,
    trace,
}));
return 0;
