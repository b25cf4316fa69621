#!/usr/bin/env bash
# CRA documents benchmark: `cargo cra docs` on the example image and on a large image (the
# squashfs benchmark tree: /usr/share and /usr/lib/python3*, ~47k files), against hashing the
# same artefacts once with sha256sum in the same run (the part of the work no tool can skip).
# Prints medians, the difference, and the report's size. Run by hand (not by CI):
#   bash bench/docs.sh [SOURCE_DIR...]        RUNS=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-5}
cargo build --release --locked -p cargo-cra >/dev/null 2>&1
cra="$root/target/release/cargo-cra"
work=$(mktemp -d /var/tmp/cra-docsbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export CRA_PASSWORD=bench SOURCE_DATE_EPOCH=$(date +%s)
(cd "$work" && "$cra" cra keygen >/dev/null 2>&1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

bench() { # label, image dir, config
  local label=$1 dir=$2 config=$3 ours=() hash=()
  for i in $(seq "$runs"); do
    ours+=("$(seconds "$cra" cra docs "$dir" --config "$config" --verify-key "$work/cosign.pub" --out "$work/docs-$label")")
    hash+=("$(seconds sh -c "find '$dir' -path '$work/docs-*' -prune -o -type f -print0 | xargs -0 sha256sum")")
  done
  local o h
  o=$(printf '%s\n' "${ours[@]}" | median); h=$(printf '%s\n' "${hash[@]}" | median)
  printf '%-8s docs %.3f s   sha256sum of the artefacts %.3f s   difference %+.3f s   index.html %s bytes\n' \
    "$label" "$o" "$h" "$(echo "$o - $h" | bc)" "$(stat -c %s "$work/docs-$label/index.html")"
}

# The example image, as the README's quick start composes it.
"$cra" cra compose recipes/hello-device.toml --out "$work/images" --sign --key "$work/cosign.key" >/dev/null 2>&1
bench example "$work/images/hello-device-0.1.0" "$root/recipes/hello-device.toml"

# A large image: every file a component of the image SBOM.
mkdir -p "$work/big/root/tree"
if [ $# -eq 0 ]; then set -- /usr/share /usr/lib/python3*; fi
for s in "$@"; do cp -a "$s" "$work/big/root/tree/" 2>/dev/null || true; done
cat > "$work/big/big.toml" <<TOML
[image]
name = "big"
version = "1"
architecture = "amd64"

[product]
manufacturer = { name = "Bench GmbH" }

[[file]]
source = "root/tree"
dest = "/tree"

[output.squashfs]
compression = "zstd"
TOML
(cd "$work/big" && "$cra" cra compose big.toml --out "$work/big/images" --sign --key "$work/cosign.key" >/dev/null 2>&1)
files=$(find "$work/big/root/tree" -type f | wc -l)
echo "large image: $files files, squashfs $(stat -c %s "$work/big/images/big-1/big.squashfs") bytes"
bench large "$work/big/images/big-1" "$work/big/big.toml"
