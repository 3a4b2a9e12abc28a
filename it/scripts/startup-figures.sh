#!/usr/bin/env bash
# Start-up time and memory of the built distribution: starts the cluster RUNS times (default 5) with WORKERS
# workers (default 2) from a fresh copy of jetty-module/target/jetty-base on a free port, and prints
#   - launch -> the master's egg-ready line (as seen by this script, and as the master reports it),
#   - launch -> every worker answering GET /pid,
#   - RSS of the master, the agent and each worker, 3 s after egg-ready (idle),
#   - CPU seconds (user + system, /proc/PID/stat) each JVM had used at egg-ready: the master, the JVMs it forked
#     and reaped by then (the start.jar --dry-run that resolves the children's command), the agent, each worker,
#     and their total (start-up on 2 cores is bound by CPU: issue 13),
# as median, min and max. Each run is stopped with SIGTERM and checked to leave no process behind.
# EXTRA="name=value ..." adds start properties to every start (e.g. EXTRA='jetty.egg.jvmArgs=-XX:TieredStopAtLevel=1').
# MODE=restart measures restarts of one base instead, after a first start has written the children's class data
# sharing archive (jetty.egg.classDataSharing).
# Needs: a built distribution (mvn -B package -DskipTests), bash, curl, awk. Raw output: it/target/startup-figures/.
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-5}
WORKERS=${WORKERS:-2}
EXTRA=${EXTRA:-}
fresh_out startup-figures

now_ms() { date +%s%3N; }
# CPU seconds a process used (utime + stime), and those of its children it has reaped (cutime + cstime); 100 ticks/s
cpu_s() { awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo NA; }
reaped_s() { awk '{printf "%.2f\n", ($16 + $17) / 100}' "/proc/$1/stat" 2>/dev/null || echo NA; }
rss_mb() { awk '/^VmRSS/ {printf "%.0f\n", $2/1024}' "/proc/$1/status" 2>/dev/null || echo NA; }

MODE=${MODE:-fresh}
if [ "$MODE" = restart ]; then
  # one base, started once until the children's class data sharing archive is written, then restarted RUNS times
  cp -r "$BASE_DIR" "$OUT/base"
  start_cluster "$OUT/base" "$(free_port)" "$WORKERS" "$OUT/first-start.log" $EXTRA
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
  start_cluster "$base" "$port" "$WORKERS" "$log" $EXTRA
  master=$MASTER
  trap 'kill -9 $master 2>/dev/null || true' EXIT
  await_egg_ready "$log"
  ready=$(now_ms)
  line=$(grep '^[^[].*egg-ready in' "$log")
  reported=$(sed -E 's/.*egg-ready in ([0-9]+) ms.*/\1/' <<<"$line")
  agent=$(sed -E 's/.*agent agent#0:([0-9]+).*/\1/' <<<"$line")
  workers=$(grep -oE 'worker#[0-9]+:[0-9]+' <<<"$line" | cut -d: -f2)
  # CPU used up to egg-ready, read at once (a standby is forked only a second after it)
  cpu_master=$(cpu_s $master); cpu_reaped=$(reaped_s $master); cpu_agent=$(cpu_s "$agent")
  cpu_workers=""; for w in $workers; do cpu_workers="$cpu_workers $(cpu_s "$w")"; done
  echo "$cpu_master" >> "$OUT/cpu-master.txt"
  echo "$cpu_reaped" >> "$OUT/cpu-reaped.txt"
  echo "$cpu_agent" >> "$OUT/cpu-agent.txt"
  for c in $cpu_workers; do echo "$c" >> "$OUT/cpu-worker.txt"; done
  echo "$cpu_master $cpu_reaped $cpu_agent $cpu_workers" | awk '{t = 0; for (i = 1; i <= NF; i++) t += $i; printf "%.2f\n", t}' \
    >> "$OUT/cpu-total.txt"
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
  echo "run $run: egg-ready after $((ready - start)) ms (master says $reported ms), all $WORKERS workers answering after $((serving - start)) ms; CPU s at egg-ready: master $cpu_master, reaped $cpu_reaped, agent $cpu_agent, workers$cpu_workers"
done

echo
echo "cluster of 1 master, 1 agent, $WORKERS workers; $RUNS runs ($MODE: $([ "$MODE" = restart ] && echo "restarts of one base" || echo "each the first start of a fresh base")); $(nproc) cores; $(java -version 2>&1 | head -1)"
printf '%-40s %s   target <= 3000 (issue 13)\n' "launch -> egg-ready line (ms)" "$(stats < "$OUT/egg-ready-seen.txt")"
printf '%-40s %s\n' "egg-ready as the master reports (ms)" "$(stats < "$OUT/egg-ready-reported.txt")"
printf '%-40s %s\n' "launch -> every worker answering (ms)" "$(stats < "$OUT/all-serving.txt")"
printf '%-40s %s   target <= 181 (issue 13)\n' "RSS master, idle (MB)" "$(stats < "$OUT/rss-master.txt")"
printf '%-40s %s   target <= 123 (issue 13)\n' "RSS agent, idle (MB)" "$(stats < "$OUT/rss-agent.txt")"
printf '%-40s %s   target <= 131 (issue 13)\n' "RSS worker, idle (MB)" "$(stats < "$OUT/rss-worker.txt")"
printf '%-40s %s\n' "CPU s at egg-ready, master" "$(stats < "$OUT/cpu-master.txt")"
printf '%-40s %s\n' "CPU s at egg-ready, reaped (dry run)" "$(stats < "$OUT/cpu-reaped.txt")"
printf '%-40s %s\n' "CPU s at egg-ready, agent" "$(stats < "$OUT/cpu-agent.txt")"
printf '%-40s %s\n' "CPU s at egg-ready, each worker" "$(stats < "$OUT/cpu-worker.txt")"
printf '%-40s %s\n' "CPU s at egg-ready, all JVMs" "$(stats < "$OUT/cpu-total.txt")"
