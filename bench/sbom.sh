#!/usr/bin/env bash
# Benchmark (run by hand, never by CI): SBOM generation by `cargo cra build` against
# cargo-cyclonedx on the same project, in the same run, on a fully built tree.
#
#   bash bench/sbom.sh            # RUNS=15 by default
#
# Project: bench/sbom-project (132 crates linked into its binary, 203 in Cargo.lock).
# Reports medians of wall time for:
#   cra      `cargo cra build --release` (no-op cargo build + unit records + SBOM + copies)
#   cargo    `cargo build --release --target <host>` (the no-op build alone)
#   cdx      `cargo cyclonedx --format json` (cargo-cyclonedx 0.5.9, installed here)
# and the ratios cra/cdx and the overhead cra - cargo (≈ the time cargo-cra adds to a build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-15}
tools="$root/.tools/bench"

echo "building cargo-cra (release)…" >&2
cargo build --quiet --release --locked --manifest-path "$root/Cargo.toml" -p cargo-cra
cra="$root/target/release/cargo-cra"

if [ ! -x "$tools/bin/cargo-cyclonedx" ]; then
  echo "installing cargo-cyclonedx 0.5.9 into $tools…" >&2
  cargo install --quiet --locked --root "$tools" cargo-cyclonedx@0.5.9
fi
export PATH="$tools/bin:$PATH"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/sbom-project" "$work/p"
cd "$work/p"
host=$(rustc -vV | sed -n 's/^host: //p')

echo "full builds (once)…" >&2
"$cra" cra build --release >/dev/null 2>&1
cargo build --quiet --release --locked --target "$host"
cargo cyclonedx --format json >/dev/null 2>&1

# Median wall time in seconds of running "$@" $runs times.
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

cra_t=$(median "$cra" cra build --release)
cargo_t=$(median cargo build --release --locked --target "$host")
cdx_t=$(median cargo cyclonedx --format json)
components=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["components"]))' \
  "target/cra/$host/release/sbom-bench.cdx.json")

printf '\nSBOM benchmark, %s runs each, medians (%s components in the binary, %s cores)\n' \
  "$runs" "$components" "$(nproc)"
printf '%-48s %8.3f s\n' "cargo cra build --release (fully built tree)" "$cra_t"
printf '%-48s %8.3f s\n' "cargo build --release (fully built tree)" "$cargo_t"
printf '%-48s %8.3f s\n' "cargo cyclonedx --format json" "$cdx_t"
printf '%-48s %8.3f s\n' "cargo-cra overhead over cargo build" "$(echo "$cra_t - $cargo_t" | bc -l)"
printf '%-48s %8.2f\n' "ratio cargo cra build / cargo build" "$(echo "$cra_t / $cargo_t" | bc -l)"
printf '%-48s %8.2f\n' "ratio cargo cra build / cargo cyclonedx" "$(echo "$cra_t / $cdx_t" | bc -l)"
printf '%-48s %8.2f\n' "ratio overhead / cargo cyclonedx" "$(echo "($cra_t - $cargo_t) / $cdx_t" | bc -l)"
printf '\nPhases of one more cargo cra build (CARGO_CRA_TIMINGS=1):\n'
CARGO_CRA_TIMINGS=1 "$cra" cra build --release 2>&1 >/dev/null | grep 'cargo-cra timing'
# cargo cra build and cargo build use separate build directories: neither invalidates the other.
printf '\nplain cargo build after cargo cra build rebuilt nothing: '
if cargo build --release --locked --target "$host" 2>&1 | grep -q Compiling; then echo no; else echo yes; fi
