using MLRoadmap;
using MLRoadmap.Bench;

// Usage: dotnet MLRoadmap.Bench.dll --threads N [--quick] [tiny|mlp|cnn|lstm ...]
var threads = Torch.AvailableCores;
var quick = false;
var chosen = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--threads") threads = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[i] == "--quick") quick = true;
    else chosen.Add(args[i]);
}
Torch.NumThreads = threads;
if (chosen.Count == 0) chosen.AddRange(Workloads.All.Keys);
foreach (var name in chosen)
{
    if (!Workloads.All.TryGetValue(name, out var run))
    {
        Console.Error.WriteLine($"unknown workload '{name}'; expected {string.Join(", ", Workloads.All.Keys)}");
        return 2;
    }
    run(quick);
}
return 0;
