#!/usr/bin/env bash
# Syntax-only compile of every src/Native/*.cpp against libtorch 2.6's headers (Debian trixie's, fetched by
# scripts/fetch-torch2-headers.sh), so a shim change that breaks the 2.x API is caught on a machine with only 1.13.
# Nothing is linked or run. Reports each file, fails if any file fails, and also fails a file that reached a libtorch
# header outside the 2.6 root (the system's 1.13 copy in /usr/include would otherwise fill in silently).
#
# Usage: scripts/check-torch2-syntax.sh [file.cpp ...]     (default: every src/Native/*.cpp)
# Env:   MLROADMAP_TORCH2_ROOT  the extracted root (default: .cache/torch2/root, fetched when missing)
#        MLR_JOBS               parallel compiles (default: 2)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${MLROADMAP_TORCH2_ROOT:-}" ]]; then
  MLROADMAP_TORCH2_ROOT="$("$repo/scripts/fetch-torch2-headers.sh")"
fi
root="$MLROADMAP_TORCH2_ROOT"
if [[ ! -f "$root/usr/include/torch/csrc/api/include/torch/version.h" ]]; then
  echo "check-torch2-syntax: no libtorch 2.x headers under $root (run scripts/fetch-torch2-headers.sh)" >&2
  exit 2
fi

if (($# > 0)); then sources=("$@"); else sources=("$repo"/src/Native/*.cpp); fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Same language level, ABI and forced precompiled header as the CMake build; the 2.6 headers come first.
export MLR_CXXFLAGS="-std=c++17 -fsyntax-only -D_GLIBCXX_USE_CXX11_ABI=1 -Wall -Wextra -Wno-unused-parameter
  -I$root/usr/include -I$root/usr/include/torch/csrc/api/include -include $repo/src/Native/pch.h"
export MLR_WORK="$work"

# Microseconds since the epoch, from bash itself (no bc or date forks); printed as seconds with one decimal.
now_us() { local t="$EPOCHREALTIME"; echo "${t//[.,]/}"; }
seconds_since() { local us=$(($(now_us) - $1)); printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000)); }
export -f now_us seconds_since

# The libtorch headers in a dependency file that came from the system's include folders, not from the 2.6 root.
system_torch_headers() {
  sed 's/\\$//' "$1" | tr ' ' '\n' | grep -E '^/usr/(local/)?include/(ATen|c10|torch|caffe2)/' | sort -u
}

check_one() {
  local src="$1" name start rc leaked
  name="$(basename "$src" .cpp)"
  start="$(now_us)"
  # shellcheck disable=SC2086  # MLR_CXXFLAGS is a list of flags.
  if g++ $MLR_CXXFLAGS -MD -MF "$MLR_WORK/$name.d" -MT x "$src" >"$MLR_WORK/$name.log" 2>&1; then rc=0; else rc=1; fi
  # A libtorch header from outside the 2.6 root means the check did not test what it claims.
  leaked="$(system_torch_headers "$MLR_WORK/$name.d" 2>/dev/null || true)"
  if ((rc == 0)) && [[ -n "$leaked" ]]; then
    printf 'libtorch headers taken from the system, not from the 2.6 root:\n%s\n' "$leaked" >>"$MLR_WORK/$name.log"
    rc=1
  fi
  echo "$rc $(seconds_since "$start")" >"$MLR_WORK/$name.result"
}
export -f system_torch_headers check_one

version="$(awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v ? "." : "") $3 } END { print v }' \
  "$root/usr/include/torch/csrc/api/include/torch/version.h")"
echo "check-torch2-syntax: ${#sources[@]} files against libtorch $version headers in $root (${MLR_JOBS:-2} jobs)"
start="$(now_us)"
# shellcheck disable=SC2016  # $1 is check_one's argument, expanded by the inner bash.
printf '%s\0' "${sources[@]}" | xargs -0 -P "${MLR_JOBS:-2}" -I{} bash -c 'check_one "$1"' _ {}

passed=0 failed=0
for src in "${sources[@]}"; do
  name="$(basename "$src" .cpp)"
  read -r rc seconds <"$work/$name.result"
  if ((rc == 0)); then
    passed=$((passed + 1))
    printf '  ok    %-24s %5ss\n' "$(basename "$src")" "$seconds"
  else
    failed=$((failed + 1))
    printf '  FAIL  %-24s %5ss\n' "$(basename "$src")" "$seconds"
  fi
  # Errors and warnings (deprecations of 2.x APIs show here first) are printed for every file that has any.
  if [[ -s "$work/$name.log" ]]; then sed 's/^/        /' "$work/$name.log" | head -40; fi
done
printf 'check-torch2-syntax: %d ok, %d failed in %ss\n' "$passed" "$failed" "$(seconds_since "$start")"
((failed == 0))
