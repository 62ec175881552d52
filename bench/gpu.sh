#!/usr/bin/env bash
# bench/gpu.sh [--reps R] [--precision bf16|fp32] [--device cuda|cpu] [--smoke] [--compile] [gemm|resnet18|gpt2|lstm|dcgan ...]
#
# The side-by-side GPU benchmark, in one run on the GPU host: each workload in C# (bench/MLRoadmap.Bench --gpu) and in
# Python PyTorch eager (bench/python/bench_gpu.py; with --compile also torch.compile), alternating for R rounds, then
# a Markdown table of step times, C#/PyTorch, throughput and the GPT's MFU (bench/python/summarize_gpu.py). Raw
# samples: artifacts/bench/gpu.jsonl. Needs the built bench (scripts/host-kit.sh carries it, and the runtime, to a
# host without .NET) and the native shim built against the host's CUDA libtorch. --smoke: tiny shapes, to check the
# loop on a CPU.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
reps=3 precision=bf16 device=cuda smoke=() compile=0 workloads=()
while (($#)); do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --precision) precision="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    --smoke) smoke=(--smoke); shift ;;
    --compile) compile=1; shift ;;
    *) workloads+=("$1"); shift ;;
  esac
done
((${#workloads[@]})) || workloads=(gemm resnet18 gpt2 lstm dcgan)
if [[ -x "$repo/artifacts/kit/dotnet/dotnet" ]]; then
  export PATH="$repo/artifacts/kit/dotnet:$PATH" DOTNET_ROOT="$repo/artifacts/kit/dotnet" DOTNET_ROLL_FORWARD=Major
fi
bench="$repo/artifacts/bin/MLRoadmap.Bench/release/MLRoadmap.Bench.dll"
[[ -f "$bench" ]] || { echo "gpu.sh: $bench is missing: build the solution (./test.sh) or carry artifacts/kit (scripts/host-kit.sh)" >&2; exit 1; }
python="${PYTHON:-python3}"
mkdir -p artifacts/bench
results="$repo/artifacts/bench/gpu.jsonl"
: >"$results"
common=(--device "$device" --precision "$precision" "${smoke[@]}")
for ((r = 1; r <= reps; r++)); do
  for w in "${workloads[@]}"; do
    echo "gpu.sh: round $r/$reps: $w" >&2
    dotnet "$bench" --gpu "${common[@]}" "$w" >>"$results"
    "$python" bench/python/bench_gpu.py "${common[@]}" "$w" >>"$results"
    if ((compile)); then "$python" bench/python/bench_gpu.py "${common[@]}" --compile "$w" >>"$results"; fi
  done
done
"$python" bench/python/summarize_gpu.py "$results"
