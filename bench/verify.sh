#!/usr/bin/env bash
# Benchmark (run by hand, never by CI): `cargo cra verify-bundle` of a 1 GiB artefact against
# `sha256sum` of the same file, in the same run: median wall time of RUNS runs each, the ratio,
# and cargo-cra's peak RSS (bounded memory: the file is hashed streaming).
#
#   bash bench/verify.sh          # RUNS=5 by default; SIZE_MIB=1024
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-5}
size=${SIZE_MIB:-1024}

cargo build --quiet --release --locked --manifest-path "$root/Cargo.toml" -p cargo-cra
cra="$root/target/release/cargo-cra"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
head -c "$((size * 1024 * 1024))" /dev/urandom > artifact.bin
CRA_PASSWORD=bench "$cra" keygen >/dev/null 2>&1
CRA_PASSWORD=bench "$cra" sign-blob artifact.bin --key cosign.key --bundle artifact.sigstore.json >/dev/null 2>&1
cat artifact.bin > /dev/null   # warm the page cache for both tools

# Median wall seconds and the largest peak RSS (KiB) of running "$@" $runs times.
measure() {
  python3 - "$runs" "$@" <<'PY'
import resource, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - t0)
times.sort()
print(f"{times[len(times) // 2]:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

read -r cra_t cra_rss < <(measure "$cra" verify-bundle --bundle artifact.sigstore.json --key cosign.pub artifact.bin)
read -r sum_t sum_rss < <(measure sha256sum artifact.bin)
printf '\nverify-bundle of a %s MiB artefact, %s runs each, medians (%s cores)\n' "$size" "$runs" "$(nproc)"
printf '%-40s %8.3f s   peak RSS %6d KiB\n' "cargo cra verify-bundle --key" "$cra_t" "$cra_rss"
printf '%-40s %8.3f s   peak RSS %6d KiB\n' "sha256sum" "$sum_t" "$sum_rss"
printf '%-40s %8.2f\n' "ratio cargo-cra / sha256sum" "$(echo "$cra_t / $sum_t" | bc -l)"
