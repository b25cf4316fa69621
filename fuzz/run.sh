#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each (default 60) with libFuzzer through
# cargo-fuzz on nightly, from fuzz/seeds/<target> (hand-made) and fuzz/corpus/<target> (what
# earlier runs kept). New inputs go to fuzz/work/<target> (ignored); afterwards the corpus is
# rebuilt as a minimal set covering every edge reached (libFuzzer's merge), which `cargo test`
# replays. A crash is copied to
# fuzz/regressions/<target>/, which `cargo test` replays on stable; commit it with the fix.
# Prints, per target, the executions, the coverage (edges) and the features libFuzzer reached.
#   bash fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(recipe bundle cosign_key trusted_root sbom product vex)
fi
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "error: fuzzing needs a nightly toolchain: rustup toolchain install nightly" >&2
  exit 1
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
status=0
summary=()
for t in "${targets[@]}"; do
  log=$(mktemp)
  echo "==> $t (${seconds}s)"
  set +e
  mkdir -p "work/$t"
  cargo +nightly fuzz run "$t" "work/$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" \
    -print_final_stats=1 -max_len=65536 -rss_limit_mb=4096 -timeout=20 >"$log" 2>&1
  rc=$?
  # The committed corpus: a minimal set of inputs covering every edge any input reached.
  fresh=$(mktemp -d)
  if cargo +nightly fuzz run "$t" "$fresh" "corpus/$t" "work/$t" "seeds/$t" -- -merge=1 \
       -use_counters=0 >/dev/null 2>&1; then
    find "corpus/$t" -type f ! -name .gitkeep -delete
    for f in "$fresh"/*; do
      [ -f "$f" ] && ! [ -e "seeds/$t/$(basename "$f")" ] && cp "$f" "corpus/$t/"
    done
  fi
  rm -rf "$fresh"
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "corpus/$t" -type f | wc -l)
  summary+=("$(printf '%-13s %10s execs  %6s edges  %6s features  %5s corpus' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus")")
  if [ $rc -ne 0 ]; then
    status=1
    tail -40 "$log"
    for crash in artifacts/"$t"/*; do
      [ -f "$crash" ] && cp "$crash" "regressions/$t/" && echo "kept $crash in regressions/$t/"
    done
  fi
  rm -f "$log"
done
printf '\n%s\n' "${summary[@]}"
exit $status
