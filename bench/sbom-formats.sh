#!/usr/bin/env bash
# SBOM format cost on a large image: `cargo cra compose` of one tree with the CycloneDX SBOM
# only, with SPDX 2.3 added, and with SPDX 3.0.1 added, in the same run (medians of RUNS runs,
# alternating). The SPDX cost is the difference to the CycloneDX-only compose; the CycloneDX
# SBOM's own cost is shown as its writing time is part of every compose. Prints wall times and
# document sizes. Run by hand (not by CI): bash bench/sbom-formats.sh [SOURCE_DIR...]
# Default source: /usr/share, copied into a scratch tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
cargo build --release --locked -p cargo-cra >/dev/null
cra="$root/target/release/cargo-cra"

work=$(mktemp -d /var/tmp/cra-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/tree"
if [ $# -eq 0 ]; then set -- /usr/share; fi
for s in "$@"; do cp -a "$s" "$work/src/tree/" 2>/dev/null || true; done
size=$(du -sb "$work/src/tree" | cut -f1)
files=$(find "$work/src/tree" -type f | wc -l)
echo "tree: $((size / 1000000)) MB, $files files; $runs runs each; $(nproc) cores"

cat > "$work/src/bench.toml" <<TOML
[image]
name = "bench"
version = "1"
architecture = "amd64"

[[file]]
source = "tree"
dest = "/tree"

[output.squashfs]
verity = false
TOML

: > "$work/results"
for i in $(seq "$runs"); do
  for variant in cdx spdx23 spdx3; do
    case $variant in
      cdx) extra=() ;;
      spdx23) extra=(--sbom-format spdx2.3) ;;
      spdx3) extra=(--sbom-format spdx3) ;;
    esac
    rm -rf "$work/out"
    t0=$(date +%s.%N)
    (cd "$work/src" && SOURCE_DATE_EPOCH=0 "$cra" cra compose bench.toml --out "$work/out" "${extra[@]}" >/dev/null)
    t1=$(date +%s.%N)
    echo "$variant $(echo "$t1 - $t0" | bc)" >> "$work/results"
  done
  sizes="$(stat -c %s "$work/out/bench-1/bench.cdx.json")"
  [ -f "$work/out/bench-1/bench.spdx.json" ] && sizes="$sizes $(stat -c %s "$work/out/bench-1/bench.spdx.json")"
  echo "size $sizes" >> "$work/results"
done

python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(label):
    return statistics.median(float(r[1]) for r in rows if r[0] == label)
cdx, s23, s3 = med("cdx"), med("spdx23"), med("spdx3")
size = [r for r in rows if r[0] == "size"][-1]
print(f"compose, CycloneDX only:   {cdx:7.2f} s")
print(f"compose, + SPDX 2.3:       {s23:7.2f} s  (SPDX 2.3 adds {s23 - cdx:+.2f} s, {s23 / cdx:.3f}x)")
print(f"compose, + SPDX 3.0.1:     {s3:7.2f} s  (SPDX 3.0.1 adds {s3 - cdx:+.2f} s, {s3 / cdx:.3f}x)")
print(f"documents: CycloneDX {int(size[1]) / 1e6:.1f} MB" + (f", SPDX 3.0.1 {int(size[2]) / 1e6:.1f} MB" if len(size) > 2 else ""))
PY
