#!/usr/bin/env bash
# Start-up time and memory of the built distribution: starts the cluster RUNS times (default 5) with WORKERS
# workers (default 2) from a fresh copy of jetty-module/target/jetty-base on a free port, and prints
#   - launch -> the master's egg-ready line (as seen by this script, and as the master reports it),
#   - launch -> every worker answering GET /pid,
#   - RSS of the master, the agent and each worker, 3 s after egg-ready (idle),
# as median, min and max. Each run is stopped with SIGTERM and checked to leave no process behind.
# MODE=restart measures restarts of one base instead, after a first start has written the children's class data
# sharing archive (jetty.egg.classDataSharing).
# Needs: a built distribution (mvn -B package -DskipTests), bash, curl, awk. Raw output: it/target/startup-figures/.
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-5}
WORKERS=${WORKERS:-2}
fresh_out startup-figures

now_ms() { date +%s%3N; }
rss_mb() { awk '/^VmRSS/ {printf "%.0f\n", $2/1024}' "/proc/$1/status" 2>/dev/null || echo NA; }

MODE=${MODE:-fresh}
if [ "$MODE" = restart ]; then
  # one base, started once until the children's class data sharing archive is written, then restarted RUNS times
  cp -r "$BASE_DIR" "$OUT/base"
  start_cluster "$OUT/base" "$(free_port)" "$WORKERS" "$OUT/first-start.log"
  master=$MASTER
  trap 'kill -9 $master 2>/dev/null || true' EXIT
  await_egg_ready "$OUT/first-start.log"
  for i in $(seq 1 300); do grep -q 'archive for the children' "$OUT/first-start.log" && break; sleep 0.1; done
  grep -o 'class data sharing archive.*' "$OUT/first-start.log" || echo "(no class data sharing archive written)"
  kill -TERM $master; wait $master || true
  trap - EXIT
fi
for run in $(seq 1 "$RUNS"); do
  if [ "$MODE" = restart ]; then base="$OUT/base"; else base="$OUT/base-$run"; cp -r "$BASE_DIR" "$base"; fi
  port=$(free_port); log="$OUT/run-$run.log"
  start=$(now_ms)
  start_cluster "$base" "$port" "$WORKERS" "$log"
  master=$MASTER
  trap 'kill -9 $master 2>/dev/null || true' EXIT
  await_egg_ready "$log"
  ready=$(now_ms)
  line=$(grep '^[^[].*egg-ready in' "$log")
  reported=$(sed -E 's/.*egg-ready in ([0-9]+) ms.*/\1/' <<<"$line")
  agent=$(sed -E 's/.*agent agent#0:([0-9]+).*/\1/' <<<"$line")
  workers=$(grep -oE 'worker#[0-9]+:[0-9]+' <<<"$line" | cut -d: -f2)
  declare -A seen=()
  for i in $(seq 1 500); do
    pid=$(curl -s --max-time 2 "http://127.0.0.1:$port/pid" | sed -E 's/.*"pid":([0-9]+).*/\1/') || true
    [ -n "$pid" ] && seen[$pid]=1
    [ ${#seen[@]} -ge "$WORKERS" ] && break
  done
  serving=$(now_ms)
  sleep 3
  echo "$((ready - start))" >> "$OUT/egg-ready-seen.txt"
  echo "$reported" >> "$OUT/egg-ready-reported.txt"
  echo "$((serving - start))" >> "$OUT/all-serving.txt"
  rss_mb $master >> "$OUT/rss-master.txt"
  rss_mb "$agent" >> "$OUT/rss-agent.txt"
  for w in $workers; do rss_mb "$w" >> "$OUT/rss-worker.txt"; done
  children=$(pgrep -P $master | tr '\n' ' ')
  kill -TERM $master; wait $master || { echo "run $run: master exit code $?" >&2; exit 1; }
  for c in $children; do ! kill -0 "$c" 2>/dev/null || { echo "run $run: child $c survived the master" >&2; exit 1; }; done
  trap - EXIT
  [ "$MODE" = restart ] || rm -rf "$base"
  echo "run $run: egg-ready after $((ready - start)) ms (master says $reported ms), all $WORKERS workers answering after $((serving - start)) ms"
done

echo
echo "cluster of 1 master, 1 agent, $WORKERS workers; $RUNS runs ($MODE: $([ "$MODE" = restart ] && echo "restarts of one base" || echo "each the first start of a fresh base")); $(nproc) cores; $(java -version 2>&1 | head -1)"
printf '%-40s %s\n' "launch -> egg-ready line (ms)" "$(stats < "$OUT/egg-ready-seen.txt")"
printf '%-40s %s\n' "egg-ready as the master reports (ms)" "$(stats < "$OUT/egg-ready-reported.txt")"
printf '%-40s %s\n' "launch -> every worker answering (ms)" "$(stats < "$OUT/all-serving.txt")"
printf '%-40s %s\n' "RSS master, idle (MB)" "$(stats < "$OUT/rss-master.txt")"
printf '%-40s %s\n' "RSS agent, idle (MB)" "$(stats < "$OUT/rss-agent.txt")"
printf '%-40s %s\n' "RSS worker, idle (MB)" "$(stats < "$OUT/rss-worker.txt")"
