#!/usr/bin/env bash
# Benchmark (run by hand, never by CI): a clean cross build of a real app with C code for arm64
# (aarch64-unknown-linux-musl), `cargo cra build` against `cargo zigbuild` (0.24.1) with the same
# zig, in the same run. Both start from an empty target directory each time; medians of RUNS.
#
#   bash bench/cross.sh        # RUNS=3; APP=hickory-dns-0.26.3 from the test corpus
#   RUNS=1 APP=ripgrep-14.1.1 FEATURES= bash bench/cross.sh   # ripgrep (jemalloc in C), no features
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tools="$root/.tools/bench"
runs=${RUNS:-3}
app=${APP:-hickory-dns-0.26.3}
features=${FEATURES-https-ring,dnssec-ring,quic-ring,prometheus-metrics}
target=aarch64-unknown-linux-musl
export PATH="$tools/bin:$PATH"
: "${CARGO_CRA_ZIG:?set CARGO_CRA_ZIG to the zig program (tests/run installs one in .tools/venv)}"
# cargo-zigbuild finds zig on PATH.
mkdir -p "$tools/zigbin" && ln -sf "$CARGO_CRA_ZIG" "$tools/zigbin/zig"
export PATH="$tools/zigbin:$PATH"

cargo build --quiet --release --locked --manifest-path "$root/Cargo.toml" -p cargo-cra
cra="$root/target/release/cargo-cra"
[ -x "$tools/bin/cargo-zigbuild" ] || cargo install --quiet --locked --root "$tools" cargo-zigbuild@0.24.1
dir="$root/target/cra-corpus/src/$app"
[ -f "$dir/Cargo.lock" ] || { echo "$app: not fetched; run the corpus test first" >&2; exit 1; }

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# Seconds "$@" took; a failing build stops the benchmark with its output.
time_it() {
  local t0 t1 log
  log=$(mktemp)
  t0=$(date +%s.%N)
  if ! "$@" >"$log" 2>&1; then tail -20 "$log" >&2; rm -f "$log"; exit 1; fi
  t1=$(date +%s.%N)
  rm -f "$log"
  echo "$t1 - $t0" | bc -l
}

cra_times=(); zig_times=()
for _ in $(seq "$runs"); do
  rm -rf "$dir/target" "$dir/target-zigbuild"
  feat=()
  [ -z "$features" ] || feat=(--features "$features")
  cra_times+=("$(cd "$dir" && time_it "$cra" cra build --release --target "$target" "${feat[@]}")") || exit 1
  zig_times+=("$(cd "$dir" && CARGO_TARGET_DIR="$dir/target-zigbuild" time_it cargo zigbuild --locked --release --target "$target" "${feat[@]}")") || exit 1
done
cra_t=$(printf '%s\n' "${cra_times[@]}" | median)
zig_t=$(printf '%s\n' "${zig_times[@]}" | median)
printf '\nclean release build of %s for %s, %s runs, medians, %s cores\n' "$app" "$target" "$runs" "$(nproc)"
printf '%-40s %8.1f s\n' "cargo cra build (rust-lld, zig cc)" "$cra_t" "cargo zigbuild (zig cc as linker)" "$zig_t"
printf '%-40s %8.2f\n' "ratio" "$(echo "$cra_t / $zig_t" | bc -l)"
