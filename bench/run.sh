#!/usr/bin/env bash
# bench/run.sh [--quick] [--threads N] [--blas-threads N] [--reps R] [tiny|mlp|cnn|lstm|gpt|generate ...]
#
# Runs each workload in C# (bench/MLRoadmap.Bench) and in Python PyTorch (bench/python/bench.py) on the same libtorch
# (Debian's 1.13: python3-torch loads the libtorch_cpu.so the shim links), alternating the two for --reps rounds so
# machine load drifts hit both sides alike, then prints a Markdown table of medians and C#/Python ratios. The tiny-op
# rows also run a plain C++ loop (bench/native) so each binding's overhead above libtorch itself is shown.
# Both sides get the same BLAS and thread settings: --threads intra-op threads (default: the core count), and
# --blas-threads for OpenBLAS (default: what the engine itself chooses, README "Threads": the intra-op count for
# OpenBLAS on OpenMP, 1 for its pthread build), passed to Python through OPENBLAS_NUM_THREADS. When the shim links
# OpenBLAS's OpenMP build (scripts/bootstrap.sh), Python is pointed at the same build through LD_LIBRARY_PATH.
# generate (the zoo GPT's text generation with and without its KV cache) is C# only: nanoGPT's generate has no cache.
# Raw samples: artifacts/bench/results.jsonl.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
threads=""
blas=""
reps=3
quick=()
workloads=()
while (($#)); do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --blas-threads) blas="$2"; shift 2 ;;
    --quick) quick=(--quick); shift ;;
    *) workloads+=("$1"); shift ;;
  esac
done
((${#workloads[@]})) || workloads=(tiny mlp cnn lstm gpt generate)
threads="${threads:-$(nproc)}"

# shellcheck source=../scripts/bootstrap.sh
source scripts/bootstrap.sh
openmp_blas="$(readelf -d artifacts/native/libmlroadmap_native.so | sed -n 's/.*R[UN]*PATH.*\[\(.*openblas-openmp\).*\]/\1/p')"
if [[ -n "$openmp_blas" ]]; then
  export LD_LIBRARY_PATH="$openmp_blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  blas="${blas:-$threads}"
else
  blas="${blas:-1}"
fi
export OPENBLAS_NUM_THREADS="$blas"
echo "bench: $threads intra-op thread(s), $blas BLAS thread(s) (${openmp_blas:+OpenMP }OpenBLAS) on both sides" >&2
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "ok installed"; then
  echo "bench: installing python3-torch (the Python side of the comparison)" >&2
  sudo_cmd=(); ((EUID == 0)) || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
cmake -S bench/native -B artifacts/bench-native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build artifacts/bench-native -j"$(nproc)" >/dev/null

out="$repo/artifacts/bench"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"
csharp=(dotnet "$repo/artifacts/bin/MLRoadmap.Bench/release/MLRoadmap.Bench.dll" --threads "$threads" "${quick[@]}")
python=(/usr/bin/python3 "$repo/bench/python/bench.py" --threads "$threads" "${quick[@]}")
for ((r = 1; r <= reps; r++)); do
  for w in "${workloads[@]}"; do
    echo "bench: round $r/$reps: $w" >&2
    "${csharp[@]}" "$w" >>"$results"
    if [[ "$w" != generate ]]; then "${python[@]}" "$w" >>"$results"; fi
    if [[ "$w" == tiny ]]; then "$repo/artifacts/bench-native/overhead" --threads "$threads" "${quick[@]}" >>"$results"; fi
  done
done
/usr/bin/python3 bench/summarize.py "$results"
