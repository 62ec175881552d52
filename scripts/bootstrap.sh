#!/usr/bin/env bash
# The one bootstrap: ./mlroadmap, ./test.sh, the Dockerfiles and CI all run this. It
#   1. installs what is missing of the Debian packages the repo needs (nothing, and no apt at all, when all are in),
#   2. builds the native shim into artifacts/native (CMake is incremental),
#   3. builds MLRoadmap.sln in Release, unless no source or project file changed since the last successful build.
# Silent when everything is fresh; short progress lines on stderr otherwise.
#
# scripts/bootstrap.sh --packages-only stops after step 1 (the Dockerfiles use it to keep apt in its own layer).
# scripts/bootstrap.sh --native-only does step 2 alone (a host without apt or .NET: scripts/host-kit.sh).
#
# Run it (scripts/bootstrap.sh) or source it (. scripts/bootstrap.sh): sourced, it runs in a child bash, so its shell
# options never leak into yours, and then exports MLROADMAP_NATIVE=<repo>/artifacts/native/libmlroadmap_native.so.
#
# Another libtorch: set LIBTORCH to its folder (the official zip's libtorch/, or pip torch's site-packages/torch), or
# Torch_DIR to its share/cmake/Torch. Debian's libtorch-dev is then not installed, and a change of either variable
# reconfigures the native build from scratch.

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced. No arguments are passed on: `source` would hand over the caller's own ("doctor --json", ...).
  bash "${BASH_SOURCE[0]}" || return
  MLROADMAP_NATIVE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/artifacts/native/libmlroadmap_native.so"
  export MLROADMAP_NATIVE
  return 0
fi

set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
native_dir="$repo/artifacts/native"
say() { echo "bootstrap: $*" >&2; }

# One bootstrap at a time per checkout (./test.sh and ./mlroadmap started together would race on the builds).
mkdir -p "$repo/artifacts"
exec 9>"$repo/artifacts/.bootstrap.lock"
flock 9

native_only=0
if [[ "${1:-}" == "--native-only" ]]; then native_only=1; fi

# --- 1. Debian packages -----------------------------------------------------------------------------------------------
packages=(
  libopenblas0-openmp                             # a fast BLAS on libtorch's own OpenMP pool (README "Threads")
  cmake g++ make                                  # the native shim's build
  libjpeg62-turbo-dev libpng-dev                  # image decoding in the shim (src/Native/image.cpp)
  dataset-fashion-mnist fortunes python3-vega-datasets  # data the recipes use
  python3-torchvision                             # the oracle some tests run (torchvision parity of the model zoo)
)
if [[ -z "${LIBTORCH:-}" && -z "${Torch_DIR:-}" ]]; then packages=(libtorch-dev "${packages[@]}"); fi

# One dpkg-query for all of them (it prints nothing for a package it has never heard of).
installed=" $(dpkg-query -W -f='${Package}=${Status}\n' "${packages[@]}" 2>/dev/null |
  sed -n 's/=install ok installed$//p' | tr '\n' ' ' || true) "
missing=()
for pkg in "${packages[@]}"; do
  if [[ "$installed" != *" $pkg "* ]]; then missing+=("$pkg"); fi
done
if ((${#missing[@]} > 0 && !native_only)); then
  say "installing apt packages: ${missing[*]}"
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if ! command -v sudo >/dev/null; then
      say "not root and no sudo: install these yourself: apt-get install ${missing[*]}"
      exit 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [[ "${1:-}" == "--packages-only" ]]; then exit 0; fi

# --- 2. Native shim ---------------------------------------------------------------------------------------------------
# The libtorch the cache was configured for; a different one needs a fresh configure, not an incremental one.
torch_choice="LIBTORCH=${LIBTORCH:-} Torch_DIR=${Torch_DIR:-}"
torch_stamp="$native_dir/.torch-choice"
if [[ -f "$native_dir/CMakeCache.txt" && "$(cat "$torch_stamp" 2>/dev/null || true)" != "$torch_choice" ]]; then
  say "libtorch choice changed ($torch_choice): reconfiguring the native build"
  rm -rf "$native_dir"
fi
if [[ ! -f "$native_dir/CMakeCache.txt" ]]; then
  say "configuring the native shim (${LIBTORCH:-${Torch_DIR:-system libtorch}})"
  mkdir -p "$native_dir"
  cmake -S "$repo/src/Native" -B "$native_dir" -DCMAKE_BUILD_TYPE=Release >"$native_dir/configure.log" 2>&1 || {
    cat "$native_dir/configure.log" >&2
    rm -f "$native_dir/CMakeCache.txt"
    exit 1
  }
  echo "$torch_choice" >"$torch_stamp"
fi
# Up to date: make prints only "Built target"; anything else means work was done, so the log is shown then.
build_log="$native_dir/build.log"
if ! cmake --build "$native_dir" -j"$(nproc)" >"$build_log" 2>&1; then
  cat "$build_log" >&2
  say "native build failed"
  exit 1
fi
if grep -qE 'Building|Linking' "$build_log"; then say "built native shim: $native_dir/libmlroadmap_native.so"; fi

if ((native_only)); then exit 0; fi

# --- 3. .NET build ----------------------------------------------------------------------------------------------------
if ! command -v dotnet >/dev/null; then
  say "the .NET 10 SDK (dotnet) is not on PATH; see README.md"
  exit 1
fi
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet_stamp="$repo/artifacts/.dotnet-build.stamp"

dotnet_inputs_changed() {
  [[ -f "$dotnet_stamp" && -f "$repo/artifacts/bin/MLRoadmap.Cli/release/mlroadmap.dll" ]] || return 0
  local roots=() d
  for d in src tests bench models recipes; do [[ -d "$repo/$d" ]] && roots+=("$repo/$d"); done
  # Root files, then sources and project files; a folder newer than the stamp means a file was added or removed.
  [[ -n "$(find "$repo" -maxdepth 1 \( -name '*.props' -o -name '*.targets' -o -name '*.sln' -o -name global.json \
    -o -name 'nuget.config' -o -name 'NuGet.Config' \) -newer "$dotnet_stamp" -print -quit)" ]] && return 0
  ((${#roots[@]} > 0)) || return 1
  # src/Native is C++ only; CMake tracks it.
  [[ -n "$(find "${roots[@]}" -path "$repo/src/Native" -prune -o \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \
    -o -name '*.targets' -o -name '*.json' -o -type d \) -newer "$dotnet_stamp" -print -quit)" ]]
}

if dotnet_inputs_changed; then
  say "building MLRoadmap.sln (Release)"
  # Stamp the start, not the end: a file saved while the build runs still counts as changed next time.
  touch "$dotnet_stamp.new"
  build_log="$repo/artifacts/dotnet-build.log"
  if ! dotnet build "$repo/MLRoadmap.sln" -c Release -v q -nologo -tl:off >"$build_log" 2>&1; then
    rm -f "$dotnet_stamp.new"
    # Each error once (MSBuild repeats them in its summary); the whole log when no line looks like an error.
    grep -E ': (error|fatal error) ' "$build_log" | sort -u >&2 || cat "$build_log" >&2
    say ".NET build failed (full log: $build_log)"
    exit 1
  fi
  mv "$dotnet_stamp.new" "$dotnet_stamp"
fi
