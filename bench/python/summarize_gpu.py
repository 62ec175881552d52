"""Markdown table for bench/gpu.sh's results (JSON lines from GpuWorkloads.cs and bench_gpu.py): the median over
rounds of each side's per-round median step time, C#/PyTorch, throughput, and the GPT's MFU against the measured
dense peak (the faster side's large GEMM in the same precision).

Usage: python3 bench/python/summarize_gpu.py results.jsonl
"""
import collections
import json
import statistics
import sys

NAMES = {
    "resnet18": ("ResNet-18, CIFAR shape (3x32x32), batch 512, channels_last", "images/s"),
    "gpt2": ("GPT-2 124M, sequence 1024, batch 8", "tokens/s"),
    "lstm": ("LSTM text classifier (emb 128, LSTM 256, seq 256, batch 256)", "examples/s"),
    "dcgan": ("DCGAN 64x64, batch 128 (a D step and a G step)", "images/s"),
}


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    runs = collections.defaultdict(list)
    meta = {}
    for r in rows:
        runs[(r["workload"], r["lang"])].append(r["median"])
        meta[r["workload"]] = r
    first = rows[0] if rows else {}
    print(f"device: {first.get('device', '?')}, precision: {first.get('precision', '?')}, torch {first.get('torch', '?')}\n")
    gemm = [statistics.median(runs[("gemm", lang)]) for lang in ("csharp", "python") if runs.get(("gemm", lang))]
    peak = meta["gemm"]["flops_per_step"] / (min(gemm) / 1e3) if gemm else None
    if peak:
        print(f"measured dense peak (largest GEMM, faster side): {peak / 1e12:.0f} TFLOP/s\n")
    print("| workload | C# | PyTorch eager | C#/PyTorch | torch.compile | C# throughput | MFU (C#) | target ≤ 0.9 | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for w, (name, unit) in NAMES.items():
        cs, py, pc = (runs.get((w, lang)) for lang in ("csharp", "python", "python-compile"))
        if not cs or not py:
            continue
        c, p = statistics.median(cs), statistics.median(py)
        ratio = c / p
        compiled = f"{statistics.median(pc):.1f} ms" if pc else ""
        rate = meta[w]["items_per_step"] / (c / 1e3)
        mfu = f"{meta[w]['flops_per_step'] / (c / 1e3) / peak:.0%}" if peak and meta[w]["flops_per_step"] else ""
        print(f"| {name} | {c:.1f} ms | {p:.1f} ms | **{ratio:.2f}** | {compiled} | {rate:,.0f} {unit} | {mfu} | ≤ 0.9 | "
              f"{'yes' if ratio <= 0.9 else 'no'} |")


if __name__ == "__main__":
    main(sys.argv[1])
