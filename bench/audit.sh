#!/usr/bin/env bash
# cargo cra audit on what ships vs cargo-audit on the whole Cargo.lock, same machine, same run,
# same advisory database (the team's snapshot), warm caches: median wall time of N runs each.
#   bash bench/audit.sh [RUNS]        (after `bash tests/run`, which fetches the corpus apps,
#                                      builds their SBOMs and installs cargo-audit)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
db=tests/fixtures/third-party/advisory-db
audit=.tools/cargo-audit/bin/cargo-audit
cra=target/debug/cargo-cra
[ -x "$audit" ] || { echo "error: $audit missing: run bash tests/run" >&2; exit 1; }
cargo build --release -q -p cargo-cra
cra=target/release/cargo-cra
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
printf '%-12s %6s %10s %12s %6s\n' app crates "cra (ms)" "audit (ms)" ratio
for app in hickory-dns-0.26.3:hickory-dns ripgrep-14.1.1:rg bore-cli-0.6.0:bore; do
  src=target/cra-corpus/src/${app%%:*}
  sbom=target/cra-corpus/build/cra/x86_64-unknown-linux-musl/debug/${app##*:}.cdx.json
  [ -f "$sbom" ] || { echo "error: $sbom missing: run bash tests/run" >&2; exit 1; }
  crates=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['components']))" "$sbom")
  ours=$(for _ in $(seq "$runs"); do time_ms "$cra" cra audit --db "$db" "$sbom"; done | median)
  theirs=$(for _ in $(seq "$runs"); do time_ms "$audit" audit --no-fetch --db "$db" --file "$src/Cargo.lock"; done | median)
  printf '%-12s %6s %10s %12s %6.2f\n' "${app%%-[0-9]*}" "$crates" "$ours" "$theirs" "$(echo "$ours / $theirs" | bc -l)"
done
