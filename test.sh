#!/usr/bin/env bash
# ./test.sh [dotnet test options]: builds what is stale (scripts/bootstrap.sh), fetches libtorch 2.6's headers for the
# 2.x syntax check, then runs every test project in MLRoadmap.sln. Extra arguments go to `dotnet test`
# (e.g. ./test.sh --filter FullyQualifiedName~Tensor). Ends with one summary line, "N passed, N failed, N skipped";
# exits non-zero when any test failed or dotnet test itself failed.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$repo"
# shellcheck source=scripts/bootstrap.sh
source scripts/bootstrap.sh

# The headers let a test compile the shim against libtorch 2.x. Without network they can't be fetched; the run goes
# on and that test decides what an absent MLROADMAP_TORCH2_ROOT means.
if torch2_root="$(scripts/fetch-torch2-headers.sh)"; then
  export MLROADMAP_TORCH2_ROOT="$torch2_root"
else
  echo "test.sh: warning: could not fetch the libtorch 2.6 headers; MLROADMAP_TORCH2_ROOT is not set" >&2
fi

log="$repo/artifacts/test.log"
rc=0
dotnet test MLRoadmap.sln -c Release --no-build --nologo --logger "console;verbosity=normal" "$@" 2>&1 |
  tee "$log" || rc=$?

# VSTest closes each test assembly's run with a block (console logger at normal verbosity):
#   Total tests: 13
#        Passed: 12
#        Failed: 1        (only when some failed)
#       Skipped: 1        (only when some were skipped)
#    Total time: 2.1 Seconds
# or, at minimal verbosity, one line: "Passed!  - Failed: 0, Passed: 12, Skipped: 1, Total: 13, ...".
read -r assemblies passed failed skipped < <(awk '
  /^Total tests: [0-9]+/ { n++; block = 1; next }
  block && /^ +Passed: [0-9]+/ { p += $2; next }
  block && /^ +Failed: [0-9]+/ { f += $2; next }
  block && /^ +Skipped: [0-9]+/ { s += $2; next }
  /^ *Total time:/ { block = 0 }
  /^ *(Passed|Failed)! +- +Failed: / {
    n++; gsub(/ /, ""); split($0, kv, /[:,]/)
    for (i = 1; i < length(kv); i++) {
      if (kv[i] ~ /Failed$/) f += kv[i + 1]; else if (kv[i] == "Passed") p += kv[i + 1]; else if (kv[i] == "Skipped") s += kv[i + 1]
    }
  }
  END { printf "%d %d %d %d\n", n, p, f, s }' "$log")
echo
if ((assemblies == 0)); then
  if ((rc != 0)); then
    echo "test.sh: dotnet test failed (exit $rc) before any test assembly reported; see $log"
  else
    echo "test.sh: MLRoadmap.sln has no test projects (or --filter matched none); no test ran"
  fi
else
  echo "test.sh: test assemblies run: $assemblies"
fi
echo "$passed passed, $failed failed, $skipped skipped"
if ((failed > 0 && rc == 0)); then rc=1; fi
exit "$rc"
