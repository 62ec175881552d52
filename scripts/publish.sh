#!/usr/bin/env bash
# scripts/publish.sh [--rid RID] [--no-archive]
#
# The CLI for a machine without .NET (a GPU host): a self-contained `dotnet publish` of src/MLRoadmap.Cli (the .NET
# runtime and every recipe inside), plus the native shim's sources and build-native.sh, in
#   artifacts/publish/mlroadmap-<RID>/          and   artifacts/publish/mlroadmap-<RID>.tar.xz
# The shim is built on the host itself, against the libtorch there (a CUDA libtorch on a GPU box), because it must
# match that libtorch exactly:
#   tar -xJf mlroadmap-linux-x64.tar.xz && cd mlroadmap-linux-x64
#   LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))') ./build-native.sh
#   ./mlroadmap doctor
# The host needs cmake and a C++17 compiler (and nvcc for a CUDA libtorch), not .NET. README "Running on a GPU host".
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
rid=linux-x64
archive=1
while (($#)); do
  case "$1" in
    --rid) rid="$2"; shift 2 ;;
    --no-archive) archive=0; shift ;;
    *) echo "publish: unknown argument '$1' (expected --rid RID or --no-archive)" >&2; exit 2 ;;
  esac
done

name="mlroadmap-$rid"
out="$repo/artifacts/publish/$name"
rm -rf "$out"
mkdir -p "$out"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
echo "publish: dotnet publish src/MLRoadmap.Cli for $rid, self-contained" >&2
dotnet publish "$repo/src/MLRoadmap.Cli/MLRoadmap.Cli.csproj" -c Release -r "$rid" --self-contained \
  -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out" -v q -nologo -tl:off >&2

# The shim's sources and its build; the built library goes beside the executable, where the engine looks first.
mkdir -p "$out/native"
cp "$repo"/src/Native/*.cpp "$repo"/src/Native/*.h "$repo/src/Native/CMakeLists.txt" "$out/native/"
cat >"$out/build-native.sh" <<'EOF'
#!/usr/bin/env bash
# Builds libmlroadmap_native.so beside ./mlroadmap against the libtorch in LIBTORCH (a libtorch folder: the official
# zip, or pip torch's site-packages/torch) or Torch_DIR, else the system's (Debian's libtorch-dev).
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cmake -S "$here/native" -B "$here/native/build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$here/native/build" -j"$(nproc)"
cp "$here/native/build/libmlroadmap_native.so" "$here/"
echo "build-native: $here/libmlroadmap_native.so; try: $here/mlroadmap doctor"
EOF
chmod +x "$out/build-native.sh"

if ((archive)); then
  tar -C "$(dirname "$out")" -cJf "$out.tar.xz" "$name"
  echo "publish: $out.tar.xz ($(du -h "$out.tar.xz" | cut -f1))" >&2
fi
echo "$out"
