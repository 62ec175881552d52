#!/usr/bin/env bash
# Syntax-only compile of every src/Native/*.cpp with MLR_WITH_CUDA defined, against libtorch 1.13 (the system's) and
# 2.6 (scripts/fetch-torch2-headers.sh), so the CUDA-only code (device properties, caching-allocator statistics, ...)
# is compiled on a machine with no GPU and no CUDA libtorch. NVIDIA's headers come from Debian bookworm's non-free
# nvidia-cuda-dev (CUDA 11.8), fetched once into .cache/cuda without touching the system's apt state: a 774 MB
# download, which is why ./test.sh does not run this; run it after changing CUDA code.
#
# CPU-only libtorch packages lack one header that CUDA builds generate, c10/cuda/impl/cuda_cmake_macros.h (a single
# define); a stand-in is written next to the fetched headers.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/.cache/cuda"
stamp="$cache/extracted.stamp"
packages=(nvidia-cuda-dev libcub-dev libthrust-dev libcu++-dev)

if [[ ! -f "$stamp" ]]; then
  mkdir -p "$cache/lists/partial" "$cache/apt-cache/archives/partial" "$cache/debs" "$cache/root"
  echo "deb http://deb.debian.org/debian bookworm main contrib non-free" >"$cache/sources.list"
  opts=(-o "Dir::Etc::SourceList=$cache/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache/apt-cache" -o "Debug::NoLocking=1")
  [[ "$(id -u)" == 0 ]] && opts+=(-o "APT::Sandbox::User=root")
  echo "check-cuda-syntax: fetching ${packages[*]} (headers only are kept)" >&2
  apt-get "${opts[@]}" -qq update >&2
  (cd "$cache/debs" && apt-get "${opts[@]}" -qq download "${packages[@]}" >&2)
  for deb in "$cache"/debs/*.deb; do
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/root" --wildcards './usr/include/*' 2>/dev/null || true
  done
  rm -f "$cache"/debs/*.deb
  mkdir -p "$cache/gen/c10/cuda/impl"
  echo '#define C10_CUDA_BUILD_SHARED_LIBS' >"$cache/gen/c10/cuda/impl/cuda_cmake_macros.h"
  touch "$stamp"
fi

torch2="$("$repo/scripts/fetch-torch2-headers.sh")"
flags=(-std=c++17 -fsyntax-only -D_GLIBCXX_USE_CXX11_ABI=1 -DMLR_WITH_CUDA=1 -Wall -Wextra -Wno-unused-parameter
       -I"$cache/gen")
failed=0
for version in 1.13 2.6; do
  if [[ "$version" == 1.13 ]]; then torch=(-I/usr/include/torch/csrc/api/include)
  else torch=(-I"$torch2/usr/include" -I"$torch2/usr/include/torch/csrc/api/include"); fi
  for src in "$repo"/src/Native/*.cpp; do
    if out="$(g++ "${flags[@]}" "${torch[@]}" -I"$cache/root/usr/include" "$src" 2>&1)"; then
      echo "ok    libtorch $version  $(basename "$src")"
    else
      echo "FAIL  libtorch $version  $(basename "$src")"; echo "$out" | grep -E "error" | head -5
      failed=1
    fi
  done
done
exit "$failed"
