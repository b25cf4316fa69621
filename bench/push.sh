#!/usr/bin/env bash
# Push and pull benchmark: `cargo cra push` of a composed image (a >= 300 MB tree, gzip layer) to
# a local docker-registry against `skopeo copy` of the same OCI layout, in the same run; a second
# `cargo cra push` of the unchanged image (nothing should be uploaded); then `cargo cra pull`
# (every blob digest-checked, evidence included) against `skopeo copy docker://… oci:…`. Prints
# wall time and peak RSS of each and the ratios. Run by hand (not by CI): bash bench/push.sh [SOURCE_DIR...]
# Default source: /usr/share and /usr/lib/python3*, copied into a scratch tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cargo build --release --locked -p cargo-cra >/dev/null
cra="$root/target/release/cargo-cra"
for t in skopeo docker-registry; do
  command -v "$t" >/dev/null || { echo "$t is required (bash tests/run installs it)"; exit 1; }
done

work=$(mktemp -d /var/tmp/cra-push-bench.XXXXXX)
registry_pid=
trap 'set +e; kill "$registry_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/src/tree"
if [ $# -eq 0 ]; then set -- /usr/share /usr/lib/python3*; fi
for s in "$@"; do cp -a "$s" "$work/src/tree/" 2>/dev/null || true; done
cat > "$work/src/bench.toml" <<TOML
[image]
name = "bench"
version = "1"
architecture = "amd64"

[[file]]
source = "tree"
dest = "/tree"

[output.oci]
compression = "gzip"
TOML
(cd "$work/src" && SOURCE_DATE_EPOCH=0 "$cra" compose bench.toml --out "$work/out" >/dev/null)
image="$work/out/bench-1"
layer=$(stat -c %s "$image/oci/blobs/sha256/"* | sort -n | tail -1)

# A fresh registry (empty storage) for each round: skopeo remembers where it pushed a blob (its
# blob-info cache) and mounts it from there, which would measure a mount, not a push.
start_registry() { # round
  [ -n "$registry_pid" ] && { kill "$registry_pid"; wait "$registry_pid" 2>/dev/null || true; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry-$1
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
  registry_pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  host="127.0.0.1:$port"
}
start_registry 0
echo "image: layer $((layer / 1000000)) MB (gzip); registry docker-registry on 127.0.0.1; $(nproc) cores"

measure() { # label, command...: prints "label wall_s rss_kb"
  local label=$1; shift
  local t0 t1
  sync # the last run's writes do not slow this one
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(tail -1 "$work/rss")"
}

# Three rounds, the tools alternating, each round on an empty registry; medians reported.
{
  for i in 1 2 3; do
    start_registry "$i"
    measure skopeo skopeo copy --dest-tls-verify=false "oci:$image/oci:1" "docker://$host/by-skopeo:1"
    measure cra "$cra" cra push "$image" "$host/by-cra" --insecure-registry "$host"
  done
  measure cra-again "$cra" cra push "$image" "$host/by-cra" --insecure-registry "$host"
  for i in 1 2 3; do
    measure skopeo-pull skopeo copy --src-tls-verify=false "docker://$host/by-cra:1" "oci:$work/skopeo-pull-$i:1"
    measure cra-pull "$cra" cra pull "$host/by-cra:1" --out "$work/cra-pull-$i" --insecure-registry "$host"
  done
} | tee "$work/results"

python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for r in open(sys.argv[1]):
    k, wall, rss = r.split()
    rows.setdefault(k, []).append((float(wall), int(rss)))
wall = {k: statistics.median(w for w, _ in v) for k, v in rows.items()}
rss = {k: max(m for _, m in v) for k, v in rows.items()}
s, c, a = wall["skopeo"], wall["cra"], wall["cra-again"]
print(f"push wall (median of 3): cra {c:.2f} s, skopeo {s:.2f} s, ratio cra/skopeo {c/s:.2f}")
print(f"second push of the unchanged image: {a:.2f} s")
sp, cp = wall["skopeo-pull"], wall["cra-pull"]
print(f"pull wall (median of 3): cra {cp:.2f} s, skopeo {sp:.2f} s, ratio cra/skopeo {cp/sp:.2f}")
print("peak RSS MB: " + ", ".join(f"{k} {m/1024:.0f}" for k, m in rss.items()))
PY
