#!/usr/bin/env bash
# Fetches the libtorch 2.6 headers from Debian trixie into .cache/torch2/root, for a syntax-only compile of the shim
# against libtorch 2.x (scripts/check-torch2-syntax.sh). Nothing is installed: apt-get download runs with its own
# sources list, package lists and cache under .cache/torch2/, so the system's apt state is untouched, and the .debs
# are unpacked with dpkg-deb -x. Idempotent: a finished extraction is left alone (delete .cache/torch2 to redo it).
#
# Prints the root folder (for MLROADMAP_TORCH2_ROOT) on stdout; progress goes to stderr.
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root_dir/.cache/torch2"
dest="$cache/root"
stamp="$cache/extracted.stamp"

# The header packages. libtorch-dev alone is enough for the shim today: the headers it reaches (ATen, c10,
# torch/csrc/autograd) include nothing from other -dev packages that bookworm's copies can't serve, and
# check-torch2-syntax.sh fails if a libtorch header is ever taken from the system's 1.13 instead. Add a trixie package
# here (fmt, glog, ...) when a new include needs its newer headers.
packages=(libtorch-dev)

if [[ -f "$stamp" && "$(cat "$stamp")" == "${packages[*]}" ]]; then
  echo "$dest"
  exit 0
fi

mkdir -p "$cache/lists/partial" "$cache/apt-cache/archives/partial" "$cache/debs"
echo "deb http://deb.debian.org/debian trixie main" > "$cache/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$cache/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$cache/lists"
  -o "Dir::Cache=$cache/apt-cache"
  -o "Debug::NoLocking=1"
)
# As root, apt hands downloads to the _apt user, which can't write into our cache folder; download as ourselves.
[[ "$(id -u)" == 0 ]] && apt_opts+=(-o "APT::Sandbox::User=root")

echo "fetch-torch2-headers: updating trixie package lists (private to .cache/torch2)" >&2
apt-get "${apt_opts[@]}" -qq update >&2

echo "fetch-torch2-headers: downloading ${packages[*]}" >&2
rm -f "$cache/debs"/*.deb
(cd "$cache/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}" >&2)

rm -rf "$dest"
mkdir -p "$dest"
for deb in "$cache/debs"/*.deb; do
  dpkg-deb -x "$deb" "$dest"
done
printf '%s' "${packages[*]}" > "$stamp"
echo "fetch-torch2-headers: extracted into $dest" >&2
echo "$dest"
