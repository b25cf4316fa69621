#!/usr/bin/env bash
# Benchmark (run by hand, never by CI): what writing the dependency list (.dep-v0) into the
# binary costs `cargo cra build`, on bench/sbom-project (132 crates linked), warm, in the same
# run: medians of `cargo cra build --release` with the list and with `--no-embed-deps`
# (alternating), and the bytes the section adds.
#
#   bash bench/embed.sh            # RUNS=15 by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-15}

echo "building cargo-cra (release)…" >&2
cargo build --quiet --release --locked --manifest-path "$root/Cargo.toml" -p cargo-cra
cra="$root/target/release/cargo-cra"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/sbom-project" "$work/p"
cd "$work/p"
host=$(rustc -vV | sed -n 's/^host: //p')
bin="target/cra/$host/release/sbom-bench"

echo "full build (once)…" >&2
"$cra" cra build --release >/dev/null 2>&1
"$cra" cra build --release --no-embed-deps >/dev/null 2>&1
without_size=$(stat -c %s "$bin")

with=()
without=()
for _ in $(seq "$runs"); do
  for mode in with without; do
    args=(cra build --release)
    [ "$mode" = without ] && args+=(--no-embed-deps)
    t0=$(date +%s.%N)
    "$cra" "${args[@]}" >/dev/null 2>&1
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ "$mode" = with ]; then with+=("$t"); else without+=("$t"); fi
  done
done
"$cra" cra build --release >/dev/null 2>&1 # the last run had no list
with_size=$(stat -c %s "$bin")
section=$(python3 - "$bin" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
# ELF64 little-endian: the section header table, then the names in .shstrtab.
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
def header(i):
    return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
names = header(shstrndx)
for i in range(shnum):
    h = header(i)
    start = names[4] + h[0]
    if data[start:data.index(b"\0", start)] == b".dep-v0":
        print(h[5])
PY
)
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
w=$(median "${with[@]}")
wo=$(median "${without[@]}")
printf '\ndependency list, %s runs each, medians (%s cores)\n' "$runs" "$(nproc)"
printf '  cargo cra build --release                  %.3f s\n' "$w"
printf '  cargo cra build --release --no-embed-deps  %.3f s\n' "$wo"
printf '  overhead                                   %+.3f s (%.2fx)\n' "$(echo "$w - $wo" | bc -l)" "$(echo "$w / $wo" | bc -l)"
printf '  .dep-v0 section                            %s bytes (binary %s -> %s bytes)\n' "$section" "$without_size" "$with_size"
