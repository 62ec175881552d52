#!/usr/bin/env bash
# scripts/host-kit.sh pack | test [xunit.console options]
#
# Runs the whole test suite on a host that has a checkout of this repository but no .NET, no apt and no network
# (the lent GPU box: CUDA, pip torch, cmake and nvcc).
#
#   pack  (here, with the SDK) builds everything, then writes artifacts/kit/:
#           runtime.tar.xz  the .NET runtime the SDK here runs on (about 26 MB)
#           bin.tar.xz      the Release builds of the CLI, recipes and test assemblies
#           xunit/          xunit's console runner (2.4.1), which runs the test assemblies on that runtime
#           data/           the Debian data the recipes and their tests read (Fashion-MNIST, fortunes, seattle-temps)
#         Carry artifacts/kit to the host (the device tool carries at most 64 MiB a call: runtime, bin and xunit in one
#         call, data in a second while the machine is still held).
#   test  (there) unpacks the kit, installs the data where Debian keeps it when it is missing, builds the native shim
#         against LIBTORCH (pip torch's folder by default, when python3 has torch), and runs every test assembly with
#         xunit's console runner. Options go to the runner: `-trait Category=GPU` runs only the GPU category.
#         Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
kit="$repo/artifacts/kit"
say() { echo "host-kit: $*" >&2; }
data_dirs=(/usr/share/datasets/fashion-mnist /usr/share/games/fortunes)
seattle="$(find /usr/lib/python3/dist-packages/vega_datasets -name seattle-temps.csv 2>/dev/null | head -1 || true)"
test_projects=(MLRoadmap.Engine.Tests MLRoadmap.Models.Tests MLRoadmap.Text.Tests MLRoadmap.Training.Tests)

pack() {
  "$repo/scripts/bootstrap.sh"
  rm -rf "$kit"
  mkdir -p "$kit/xunit" "$kit/data"
  local dotnet_root
  dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  local version
  version="$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')"
  say "runtime: Microsoft.NETCore.App $version from $dotnet_root"
  tar -C "$dotnet_root" -cJf "$kit/runtime.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$version"
  say "managed builds"
  tar -C "$repo" --exclude='*.xml' -cJf "$kit/bin.tar.xz" artifacts/bin
  # xunit's console runner is not a dependency of any project: fetch it into a throwaway project's package folder.
  local restore
  restore="$(mktemp -d)"
  cat >"$restore/kit.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="xunit.runner.console" Version="[2.4.1]" /></ItemGroup>
</Project>
EOF
  dotnet restore "$restore/kit.csproj" --packages "$restore/packages" -v q >&2
  cp "$restore"/packages/xunit.runner.console/2.4.1/tools/netcoreapp2.0/* "$kit/xunit/"
  rm -rf "$restore"
  say "data"
  local d
  for d in "${data_dirs[@]}"; do tar -C / -cf "$kit/data/$(basename "$d").tar" "${d#/}"; done
  if [[ -n "$seattle" ]]; then tar -C / -cf "$kit/data/seattle-temps.tar" "${seattle#/}"; fi
  du -sh "$kit"/* >&2
}

test_on_host() {
  [[ -f "$kit/runtime.tar.xz" ]] || { say "no kit in $kit: run 'scripts/host-kit.sh pack' where the .NET SDK is, and carry artifacts/kit here"; exit 1; }
  if [[ ! -x "$kit/dotnet/dotnet" ]]; then mkdir -p "$kit/dotnet" && tar -C "$kit/dotnet" -xJf "$kit/runtime.tar.xz"; fi
  if [[ -f "$kit/bin.tar.xz" ]]; then tar -C "$repo" -xJf "$kit/bin.tar.xz" && rm "$kit/bin.tar.xz"; fi
  local t
  for t in "$kit"/data/*.tar; do
    [[ -f "$t" ]] || continue
    # Put the data where Debian's packages would, unless it is already there.
    local first
    first="$(tar -tf "$t" | head -1 || true)"   # head stops reading early: tar's SIGPIPE is expected
    if [[ ! -e "/${first%/}" ]]; then tar -C / -xf "$t" && say "installed /${first%/}"; fi
  done
  if [[ -z "${LIBTORCH:-}" && -z "${Torch_DIR:-}" ]] && python3 -c 'import torch' 2>/dev/null; then
    LIBTORCH="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
    export LIBTORCH
  fi
  "$repo/scripts/bootstrap.sh" --native-only
  export PATH="$kit/dotnet:$PATH" DOTNET_ROOT="$kit/dotnet" DOTNET_ROLL_FORWARD=Major
  export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
  local log="$repo/artifacts/kit/test.log" rc=0 p
  : >"$log"
  for p in "${test_projects[@]}"; do
    say "$p"
    (cd "$repo/artifacts/bin/$p/release" && dotnet "$kit/xunit/xunit.console.dll" "$p.dll" -nocolor "$@") 2>&1 | tee -a "$log" || rc=1
  done
  # xunit's summary lines: "   <assembly>  Total: N, Errors: N, Failed: N, Skipped: N, Time: ..."
  awk '/Total: [0-9]+, Errors/ { gsub(",", ""); for (i = 1; i < NF; i++) { if ($i == "Total:") t += $(i + 1);
       if ($i == "Errors:" || $i == "Failed:") f += $(i + 1); if ($i == "Skipped:") s += $(i + 1) } }
       END { printf "%d passed, %d failed, %d skipped\n", t - f - s, f, s }' "$log"
  return $rc
}

case "${1:-}" in
  pack) pack ;;
  test) shift; test_on_host "$@" ;;
  *) echo "usage: scripts/host-kit.sh pack | test [xunit.console options]" >&2; exit 2 ;;
esac
