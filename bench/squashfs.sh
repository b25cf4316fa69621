#!/usr/bin/env bash
# Squashfs benchmark: cargo-cra's squashfs writer against mksquashfs on the same >= 300 MB tree,
# same compressor and level, all cores, in the same run. Prints wall time, peak RSS and image
# size for each, and the ratios; also times the whole `cargo cra compose` (which adds the image
# SBOM and provenance of every file, and the dm-verity tree). Run by hand (not by CI):
#   bash bench/squashfs.sh [SOURCE_DIR...]      (default: /usr/share and /usr/lib/python3*)
# LEVELS="3 15" and RUNS=3 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
levels=${LEVELS:-3 15}
command -v mksquashfs >/dev/null || { echo "mksquashfs is required (apt-get install squashfs-tools)"; exit 1; }
cargo build --release --locked -p cargo-cra -p cra-composer --example squashfs-writer >/dev/null 2>&1
cra="$root/target/release/cargo-cra"
writer="$root/target/release/examples/squashfs-writer"

work=$(mktemp -d /var/tmp/cra-sqbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/root/tree"
if [ $# -eq 0 ]; then set -- /usr/share /usr/lib/python3*; fi
for s in "$@"; do cp -a "$s" "$work/src/root/tree/" 2>/dev/null || true; done
size=$(du -sb "$work/src/root/tree" | cut -f1)
files=$(find "$work/src/root/tree" -type f | wc -l)
echo "tree: $((size / 1000000)) MB, $files files; $runs runs each; $(nproc) cores"

measure() { # label, command...: appends "label wall_s rss_kb"
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(tail -1 "$work/rss")" >> "$work/results"
}

for level in $levels; do
  : > "$work/results"
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
level = $level
TOML
  for i in $(seq "$runs"); do
    rm -f "$work/ours.sq" "$work/theirs.sq"; rm -rf "$work/out"
    measure writer "$writer" "$work/src/bench.toml" "$work/ours.sq"
    measure mksquashfs mksquashfs "$work/src/root" "$work/theirs.sq" -comp zstd -Xcompression-level "$level" -no-progress -quiet
    (cd "$work/src" && measure compose env SOURCE_DATE_EPOCH=0 "$cra" compose bench.toml --out "$work/out")
  done
  ours=$(stat -c %s "$work/ours.sq"); theirs=$(stat -c %s "$work/theirs.sq")
  echo "zstd-$level"
  python3 - "$work/results" "$ours" "$theirs" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
ours, theirs = int(sys.argv[2]), int(sys.argv[3])
def med(label, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == label)
m = {k: (med(k, 1), med(k, 2) / 1024) for k in ("writer", "mksquashfs", "compose")}
print(f"  {'':32} {'wall s':>8} {'peak RSS MB':>12} {'image MB':>9}")
print(f"  {'cargo-cra writer':32} {m['writer'][0]:8.2f} {m['writer'][1]:12.1f} {ours/1e6:9.1f}")
print(f"  {'mksquashfs':32} {m['mksquashfs'][0]:8.2f} {m['mksquashfs'][1]:12.1f} {theirs/1e6:9.1f}")
print(f"  {'cargo cra compose (+SBOM, verity)':32} {m['compose'][0]:8.2f} {m['compose'][1]:12.1f}")
print(f"  ratio writer/mksquashfs: wall {m['writer'][0]/m['mksquashfs'][0]:.2f}, RSS {m['writer'][1]/m['mksquashfs'][1]:.2f}, size {ours/theirs:.4f}")
print(f"  ratio compose/mksquashfs: wall {m['compose'][0]/m['mksquashfs'][0]:.2f}")
PY
done
