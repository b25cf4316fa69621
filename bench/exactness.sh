#!/usr/bin/env bash
# Benchmark (run by hand, never by CI): how exact SBOM generators are on real published apps.
#
#   bash bench/exactness.sh
#
# For each app of the test corpus (cargo-cra/tests/cli/sbom_corpus.rs: pinned crates.io versions
# with their published Cargo.lock, archives checked against pinned SHA-256), builds for
# the host (x86_64-unknown-linux-gnu: plain cargo-auditable cannot compile C for musl) and compares, with the crates `cargo tree -e normal,no-proc-macro
# --target T` says are linked:
#   cra        the components of `cargo cra build`'s SBOM
#   cyclonedx  the components of `cargo cyclonedx --format json --target T` (0.5.9)
#   auditable  the packages cargo-auditable 0.7.7 embeds in the binary (read with rust-audit-info)
# printing, per tool, how many crates it lists, how many are extra and how many are missing.
# Needs zig for the C in the corpus (CARGO_CRA_ZIG, as tests/run sets up).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tools="$root/.tools/bench"
target=${TARGET:-x86_64-unknown-linux-gnu}
export PATH="$tools/bin:$PATH"

cargo build --quiet --release --locked --manifest-path "$root/Cargo.toml" -p cargo-cra
cra="$root/target/release/cargo-cra"
[ -x "$tools/bin/cargo-cyclonedx" ] || cargo install --quiet --locked --root "$tools" cargo-cyclonedx@0.5.9
[ -x "$tools/bin/cargo-auditable" ] || cargo install --quiet --locked --root "$tools" cargo-auditable@0.7.7
[ -x "$tools/bin/rust-audit-info" ] || cargo install --quiet --locked --root "$tools" rust-audit-info@0.5.4

corpus="$root/target/cra-corpus/src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$root/target/cra-corpus/bench"
export CARGO_PROFILE_DEV_DEBUG=0

# name version features
apps=(
  "ripgrep 14.1.1 -"
  "hexyl 0.17.0 -"
  "sd 1.0.0 -"
  "bore-cli 0.6.0 -"
  "hickory-dns 0.26.3 https-ring,dnssec-ring,quic-ring,prometheus-metrics"
)

sorted() { sort -u | sed '/^$/d'; }
count() { wc -l < "$1" | tr -d ' '; }
compare() { # tool-name listed-file oracle-file
  printf '  %-10s %4s listed, %3s extra, %3s missing\n' "$1" "$(count "$2")" \
    "$(comm -23 "$2" "$3" | wc -l)" "$(comm -13 "$2" "$3" | wc -l)"
}

for entry in "${apps[@]}"; do
  read -r name version features <<<"$entry"
  dir="$corpus/$name-$version"
  if [ ! -f "$dir/Cargo.lock" ]; then
    echo "$name-$version: not fetched yet; run the corpus test first (bash tests/run)" >&2
    exit 1
  fi
  feat=()
  [ "$features" = "-" ] || feat=(--features "$features")
  (cd "$dir" && cargo tree --locked -e normal,no-proc-macro --target "$target" --prefix none "${feat[@]}" -p "$name") \
    | awk -v p="$name" '$1 != p { sub(/^v/, "", $2); print $1 "@" $2 }' | sorted > "$work/tree"

  (cd "$dir" && "$cra" cra build --target "$target" --message-format json "${feat[@]}") > "$work/cra.json" 2>/dev/null
  sbom=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["sbom"])' "$work/cra.json")
  python3 -c 'import json,sys; [print(c["name"] + "@" + c["version"]) for c in json.load(open(sys.argv[1]))["components"]]' "$sbom" | sorted > "$work/cra"

  (cd "$dir" && cargo cyclonedx --format json --target "$target" "${feat[@]/--features/--features}" >/dev/null 2>&1) || true
  cdx=$(find "$dir" -maxdepth 2 -name '*.cdx.json' -newer "$work/tree" | head -1)
  if [ -n "$cdx" ]; then
    python3 -c 'import json,sys; [print(c["name"] + "@" + c["version"]) for c in json.load(open(sys.argv[1])).get("components", [])]' "$cdx" | sorted > "$work/cdx"
  else
    : > "$work/cdx"
  fi

  (cd "$dir" && cargo auditable build --locked --target "$target" "${feat[@]}" >/dev/null 2>&1)
  bin=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["name"])' "$work/cra.json")
  rust-audit-info "$CARGO_TARGET_DIR/$target/debug/$bin" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); [print(p["name"] + "@" + p["version"]) for p in d["packages"] if p.get("kind", "runtime") == "runtime" and not p.get("root")]' \
    | sorted > "$work/aud"

  echo "$name $version ($bin, $target): cargo tree says $(count "$work/tree") linked crates"
  compare cargo-cra "$work/cra" "$work/tree"
  compare cyclonedx "$work/cdx" "$work/tree"
  compare auditable "$work/aud" "$work/tree"
done
