using MLRoadmap;
using MLRoadmap.Bench;

// Usage: dotnet MLRoadmap.Bench.dll --threads N [--quick] [tiny|mlp|cnn|lstm|gpt|generate ...] (bench/run.sh)
//        dotnet MLRoadmap.Bench.dll --gpu [--device cuda|cpu] [--precision bf16|fp32] [--smoke] [gemm|resnet18|gpt2|lstm|dcgan ...]
//                                                                                               (bench/gpu.sh)
var threads = Torch.AvailableCores;
var quick = false;
var gpu = false;
var device = "cuda";
var precision = "bf16";
var smoke = false;
var chosen = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--quick": quick = true; break;
        case "--gpu": gpu = true; break;
        case "--device": device = args[++i]; break;
        case "--precision": precision = args[++i]; break;
        case "--smoke": smoke = true; break;
        default: chosen.Add(args[i]); break;
    }
}
Torch.NumThreads = threads;
if (gpu)
{
    if (precision is not ("bf16" or "fp32"))
    {
        Console.Error.WriteLine($"unknown precision '{precision}'; expected bf16 or fp32");
        return 2;
    }
    var settings = new GpuSettings(Device.Parse(device), precision == "bf16", smoke);
    Torch.Backends.CudnnBenchmark = true;   // as the Python side; TF32 is on from load on both
    return Run(GpuWorkloads.All, chosen, w => w(settings));
}
return Run(Workloads.All, chosen, w => w(quick));

static int Run<T>(Dictionary<string, T> all, List<string> chosen, Action<T> run)
{
    if (chosen.Count == 0) chosen.AddRange(all.Keys);
    foreach (var name in chosen)
    {
        if (!all.TryGetValue(name, out var workload))
        {
            Console.Error.WriteLine($"unknown workload '{name}'; expected {string.Join(", ", all.Keys)}");
            return 2;
        }
        run(workload);
    }
    return 0;
}
