#!/usr/bin/env bash
# Layer-building benchmark: `cargo cra compose` of a >= 300 MB tree against `umoci repack` of
# the same tree, in the same run. Prints wall time, peak RSS and output size for each, and the
# ratios. Run by hand (not by CI): bash bench/compose.sh [SOURCE_DIR...]
# Default source: /usr/share and /usr/lib/python3*, copied into a scratch tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
compression=${COMPRESSION:-gzip}
cargo build --release --locked -p cargo-cra >/dev/null
cra="$root/target/release/cargo-cra"
command -v umoci >/dev/null || { echo "umoci is required (apt-get install umoci)"; exit 1; }

work=$(mktemp -d /var/tmp/cra-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/tree"
if [ $# -eq 0 ]; then set -- /usr/share /usr/lib/python3*; fi
for s in "$@"; do cp -a "$s" "$work/src/tree/" 2>/dev/null || true; done
size=$(du -sb "$work/src/tree" | cut -f1)
files=$(find "$work/src/tree" -type f | wc -l)
echo "tree: $((size / 1000000)) MB, $files files; compression $compression; $runs runs each; $(nproc) cores"

cat > "$work/src/bench.toml" <<TOML
[image]
name = "bench"
version = "1"
architecture = "amd64"

[[file]]
source = "tree"
dest = "/tree"

[output.oci]
compression = "$compression"
TOML

# umoci: an empty image, unpacked, the tree copied into its rootfs, then repacked (timed).
umoci init --layout "$work/umoci" >/dev/null
umoci new --image "$work/umoci:base" >/dev/null

measure() { # label, command...: prints "label wall_s rss_kb"
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(tail -1 "$work/rss")"
}

: > "$work/results"
for i in $(seq "$runs"); do
  # Cold-ish page cache is not attainable without root tricks; both read the same warm tree.
  rm -rf "$work/out"
  (cd "$work/src" && measure cra env SOURCE_DATE_EPOCH=0 "$cra" compose bench.toml --out "$work/out") >> "$work/results"
  cra_size=$(stat -c %s "$work/out/bench-1/oci/blobs/sha256/"* | sort -n | tail -1)

  rm -rf "$work/bundle"
  umoci unpack --rootless --image "$work/umoci:base" "$work/bundle" >/dev/null 2>&1
  cp -a "$work/src/tree" "$work/bundle/rootfs/tree"
  measure umoci umoci repack --image "$work/umoci:run$i" "$work/bundle" >> "$work/results"
  umoci_layer=$(umoci stat --image "$work/umoci:run$i" --json | python3 -c 'import json,sys; h=json.load(sys.stdin)["history"]; print(h[-1]["layer"]["size"] if h[-1].get("layer") else 0)' 2>/dev/null || echo 0)
  echo "size cra $cra_size umoci $umoci_layer" >> "$work/results"
done

python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(label, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == label)
cw, cr = med("cra", 1), med("cra", 2) / 1024
uw, ur = med("umoci", 1), med("umoci", 2) / 1024
sizes = [r for r in rows if r[0] == "size"][-1]
cs, us = int(sizes[2]), int(sizes[4])
print(f"{'':8} {'wall s':>8} {'peak RSS MB':>12} {'layer MB':>10}")
print(f"{'cra':8} {cw:8.2f} {cr:12.1f} {cs/1e6:10.1f}")
print(f"{'umoci':8} {uw:8.2f} {ur:12.1f} {us/1e6:10.1f}")
print(f"ratio cra/umoci: wall {cw/uw:.2f}, RSS {cr/ur:.2f}, size {cs/us if us else float('nan'):.3f}")
PY
