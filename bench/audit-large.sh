#!/usr/bin/env bash
# cargo cra audit on a large image SBOM (default 400,000 file components, ~58 MB, as issue 24
# measured it) vs a plain JSON parse of the same file in Python (json.load: the floor any reader
# of the whole document pays), same machine, same run: peak RSS (GNU time) and wall time.
#   bash bench/audit-large.sh [COMPONENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-400000}
db=tests/fixtures/third-party/advisory-db
[ -d "$db/crates" ] || { echo "error: the advisory-db snapshot is missing at $db" >&2; exit 1; }
cargo build --release -q -p cargo-cra
cra=target/release/cargo-cra
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" "$work/big.cdx.json" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
files = [{"type": "file", "name": f"/usr/share/data/{i:07d}.bin", "bom-ref": f"file:{i}",
          "hashes": [{"alg": "SHA-256", "content": f"{i:064x}"}],
          "properties": [{"name": "cargo-cra:image:mode", "value": "0644"},
                         {"name": "cargo-cra:image:owner", "value": "0:0"}]} for i in range(n)]
crates = [{"type": "library", "name": "smallvec", "version": "1.6.0", "purl": "pkg:cargo/smallvec@1.6.0"},
          {"type": "library", "name": "itoa", "version": "1.0.18", "purl": "pkg:cargo/itoa@1.0.18"}]
doc = {"bomFormat": "CycloneDX", "specVersion": "1.6",
       "metadata": {"component": {"type": "container", "name": "big",
                    "properties": [{"name": "cargo-cra:target", "value": "x86_64-unknown-linux-musl"}]}},
       "components": crates + files}
json.dump(doc, open(out, "w"))
PY
size=$(stat -c %s "$work/big.cdx.json")
measure() { /usr/bin/time -f '%M %e' "$@" 2>&1 >/dev/null | tail -1; }
read -r cra_kb cra_s < <(measure "$cra" cra audit --db "$db" --no-fetch "$work/big.cdx.json" || true)
read -r py_kb py_s < <(measure python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/big.cdx.json")
printf 'SBOM: %d components, %.1f MB\n' "$n" "$(echo "$size / 1000000" | bc -l)"
printf '%-24s %10s %8s\n' tool "peak MB" "wall s"
printf '%-24s %10.0f %8s\n' "cargo cra audit" "$(echo "$cra_kb / 1024" | bc -l)" "$cra_s"
printf '%-24s %10.0f %8s\n' "python json.load" "$(echo "$py_kb / 1024" | bc -l)" "$py_s"
printf 'ratio (cra / json.load): peak %.2f, wall %.2f\n' "$(echo "$cra_kb / $py_kb" | bc -l)" "$(echo "$cra_s / $py_s" | bc -l)"
