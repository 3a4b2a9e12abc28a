#!/usr/bin/env bash
# HTTP throughput of GET /hello under wrk (64 keep-alive connections, 2 threads), in one run for:
#   plain  - one plain Jetty 12.1.12: the same jetty-home, base and WAR without the egg-cluster modules
#            (the API jar on the server class path through the 'ext' module, so the WAR deploys);
#   1w, 2w - the cluster with 1 and 2 workers.
# Each: WARMUP (default 15) seconds of warm-up (two JVMs take longer than one to compile the hot path: after 5 s the
# 2-worker figure is still ~20% low), then RUNS (default 3) runs of DURATION (default 10) seconds; prints req/s and latency p50/p99 as
# median (min-max), the ratio cluster/plain of the medians, and the RSS of every process after the runs.
# Needs: a built distribution (mvn -B package -DskipTests), wrk (apt-get install wrk), curl, awk.
# Raw output: it/target/http-bench/.
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-15}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
fresh_out http-bench

plain_base() {
  cp -r "$BASE_DIR" "$1"
  rm -f "$1"/start.d/egg-cluster*.ini "$1"/environments/ee10-egg-cluster.xml
  mkdir -p "$1/lib/ext" && cp "$BASE_DIR/lib/egg-cluster/egg-cluster-extension.jar" "$1/lib/ext/"
  echo "--module=ext" > "$1/start.d/ext.ini"
}

rss_of_tree() { # pid: "pid:MB" for the process and its children
  for p in $1 $(pgrep -P "$1" | tr '\n' ' '); do
    printf '%s:%s ' "$p" "$(awk '/^VmRSS/ {printf "%.0f", $2/1024}' /proc/$p/status 2>/dev/null)"
  done
}

bench() { # name, workers (0 = plain)
  local name=$1 workers=$2 base="$OUT/base-$1" port log="$OUT/$1.log"
  port=$(free_port)
  if [ "$workers" = 0 ]; then
    plain_base "$base"
    (cd "$base" && exec java -jar "$HOME_DIR/start.jar" jetty.http.host=127.0.0.1 jetty.http.port="$port" >"$log" 2>&1) &
    MASTER=$!
  else
    cp -r "$BASE_DIR" "$base"
    start_cluster "$base" "$port" "$workers" "$log"
  fi
  trap 'kill -TERM $MASTER 2>/dev/null || true' EXIT
  until curl -sf -o /dev/null "http://127.0.0.1:$port/hello"; do
    kill -0 "$MASTER" 2>/dev/null || { echo "$name did not start, see $log" >&2; exit 1; }
    sleep 0.1
  done
  [ "$workers" = 0 ] || await_egg_ready "$log"
  wrk -t2 -c64 -d"${WARMUP}s" "http://127.0.0.1:$port/hello" > /dev/null
  for run in $(seq 1 "$RUNS"); do
    wrk -t2 -c64 -d"${DURATION}s" --latency "http://127.0.0.1:$port/hello" > "$OUT/$name-wrk-$run.txt"
    awk '/Requests\/sec/ {print $2}' "$OUT/$name-wrk-$run.txt" >> "$OUT/$name-rps.txt"
    awk '$1=="50%" {print $2}' "$OUT/$name-wrk-$run.txt" | to_us >> "$OUT/$name-p50.txt"
    awk '$1=="99%" {print $2}' "$OUT/$name-wrk-$run.txt" | to_us >> "$OUT/$name-p99.txt"
    errors=$(grep -E "Non-2xx|Socket errors" "$OUT/$name-wrk-$run.txt" || true)
    [ -z "$errors" ] || echo "$name run $run: $errors"
    echo "$name run $run: $(cat "$OUT/$name-wrk-$run.txt" | awk '/Requests\/sec/ {print $2 " req/s"}')"
  done
  echo "$name RSS after the runs (pid:MB): $(rss_of_tree "$MASTER")" | tee -a "$OUT/rss.txt"
  kill -TERM "$MASTER"; wait "$MASTER" || true
  trap - EXIT
}

to_us() { # wrk's 1.23ms / 456.00us / 1.2s -> microseconds
  awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); print v+0} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v*1000} else {sub(/s$/,"",v); print v*1000000}}'
}

med() { sort -n | awk '{v[NR]=$1} END {print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }

bench plain 0
bench 1w 1
bench 2w 2

echo
echo "GET /hello, wrk -t2 -c64, $RUNS x ${DURATION}s each after a ${WARMUP} s warm-up, $(nproc) cores"
printf '%-8s %-44s %-34s %s\n' "" "req/s" "p50 latency (us)" "p99 latency (us)"
for name in plain 1w 2w; do
  printf '%-8s %-44s %-34s %s\n' "$name" "$(stats < "$OUT/$name-rps.txt")" "$(med < "$OUT/$name-p50.txt")" "$(med < "$OUT/$name-p99.txt")"
done
plain=$(med < "$OUT/plain-rps.txt")
for name in 1w 2w; do
  echo "ratio $name/plain (median req/s): $(awk -v a="$(med < "$OUT/$name-rps.txt")" -v b="$plain" 'BEGIN {printf "%.2f", a/b}')"
done
