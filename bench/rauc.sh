#!/usr/bin/env bash
# RAUC bundle benchmark: cargo-cra's bundle writer against `rauc bundle` (RAUC 1.8, verity
# format) on the same squashfs image (the squashfs benchmark tree: /usr/share and
# /usr/lib/python3*, composed with cargo cra compose) and the same certificate and key, in the
# same run. Prints median wall times, the ratio, and both bundle sizes. Run by hand (not by CI):
#   bash bench/rauc.sh [SOURCE_DIR...]        RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
command -v rauc >/dev/null || { echo "rauc is required (apt-get install rauc)"; exit 1; }
cargo build --release --locked -p cargo-cra -p cra-composer --example rauc-bundle >/dev/null 2>&1
cra="$root/target/release/cargo-cra"
ours="$root/target/release/examples/rauc-bundle"
work=$(mktemp -d /var/tmp/cra-raucbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/src/root/tree"
if [ $# -eq 0 ]; then set -- /usr/share /usr/lib/python3*; fi
for s in "$@"; do cp -a "$s" "$work/src/root/tree/" 2>/dev/null || true; done
cat > "$work/src/bench.toml" <<TOML
[image]
name = "bench"
version = "1"
architecture = "amd64"

[[file]]
source = "root/tree"
dest = "/tree"

[output.squashfs]
compression = "zstd"
TOML
(cd "$work/src" && SOURCE_DATE_EPOCH=0 "$cra" cra compose bench.toml --out "$work/out" >/dev/null 2>&1)
image="$work/out/bench-1/bench.squashfs"
echo "tree: $(du -sm "$work/src/root/tree" | cut -f1) MB; image: $(stat -c %s "$image") bytes; $(nproc) cores"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
  -subj /CN=bench -days 2 -out "$work/cert.pem" -addext keyUsage=critical,digitalSignature 2>/dev/null
mkdir -p "$work/rauc-in"
ln "$image" "$work/rauc-in/bench.squashfs"
sha=$(sha256sum "$image" | cut -d' ' -f1); size=$(stat -c %s "$image")
printf '[update]\ncompatible=bench\nversion=1\n\n[bundle]\nformat=verity\n\n[image.rootfs]\nfilename=bench.squashfs\nsha256=%s\nsize=%s\n' \
  "$sha" "$size" > "$work/rauc-in/manifest.raucm"

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
o=(); r=()
for i in $(seq "$runs"); do
  rm -f "$work/ours.raucb" "$work/theirs.raucb"
  o+=("$(seconds "$ours" "$image" "$work/cert.pem" "$work/key.pem" bench "$work/ours.raucb")")
  r+=("$(seconds rauc bundle --cert "$work/cert.pem" --key "$work/key.pem" "$work/rauc-in" "$work/theirs.raucb")")
done
om=$(printf '%s\n' "${o[@]}" | median); rm_=$(printf '%s\n' "${r[@]}" | median)
os=$(stat -c %s "$work/ours.raucb"); rs=$(stat -c %s "$work/theirs.raucb")
printf 'cargo-cra %.2f s   rauc bundle %.2f s   ratio %.2fx   size %s vs %s bytes (%.4fx)\n' \
  "$om" "$rm_" "$(echo "$om / $rm_" | bc -l)" "$os" "$rs" "$(echo "$os / $rs" | bc -l)"
rauc info --keyring "$work/cert.pem" "$work/ours.raucb" >/dev/null 2>&1 && echo "rauc info accepts ours"
