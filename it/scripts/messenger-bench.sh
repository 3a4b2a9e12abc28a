#!/usr/bin/env bash
# Messenger figures of the built distribution, measured inside a worker by the sample WAR (BenchServlet):
#   - round trip worker -> agent -> worker: GET /rtt?n=N (sendToAgent "ping", the agent answers sendTo "pong"),
#   - one-way throughput worker -> agent: GET /flood?n=M (the agent counts what arrived),
#   - a sendToApp acknowledged by every worker: GET /broadcast-rtt?n=N/10,
# after a warm-up, RUNS times each (default 3); prints each run and the median. Raw output: it/target/messenger-bench/.
# Needs: a built distribution (mvn -B package -DskipTests), bash, curl, awk.
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-3}
RTT_N=${RTT_N:-10000}
FLOOD_N=${FLOOD_N:-100000}
WORKERS=${WORKERS:-2}
fresh_out messenger-bench
cp -r "$BASE_DIR" "$OUT/base"
port=$(free_port)
start_cluster "$OUT/base" "$port" "$WORKERS" "$OUT/cluster.log"
master=$MASTER
trap 'kill -TERM $master 2>/dev/null; wait $master 2>/dev/null || true' EXIT
await_egg_ready "$OUT/cluster.log"
field() { sed -E "s/.*\"$1\":([0-9.]+|true|false).*/\1/"; }
get() { curl -sf --max-time 300 "http://127.0.0.1:$port$1"; }

echo "warm-up"; for i in 1 2; do get "/rtt?n=5000" >/dev/null; get "/flood?n=$FLOOD_N" >/dev/null; get "/broadcast-rtt?n=1000" >/dev/null; done
for run in $(seq 1 "$RUNS"); do
  rtt=$(get "/rtt?n=$RTT_N"); flood=$(get "/flood?n=$FLOOD_N"); bcast=$(get "/broadcast-rtt?n=$((RTT_N / 10))")
  echo "run $run rtt:   $rtt" | tee -a "$OUT/runs.txt"
  echo "run $run flood: $flood" | tee -a "$OUT/runs.txt"
  echo "run $run broadcast: $bcast" | tee -a "$OUT/runs.txt"
  field p50_us <<<"$bcast" >> "$OUT/bcast-p50.txt"; field p99_us <<<"$bcast" >> "$OUT/bcast-p99.txt"
  field p50_us <<<"$rtt" >> "$OUT/p50.txt"; field p99_us <<<"$rtt" >> "$OUT/p99.txt"
  field msgs_per_s <<<"$flood" >> "$OUT/tput.txt"; field arrived <<<"$flood" >> "$OUT/arrived.txt"
  [ "$(field complete <<<"$flood")" = true ] || echo "run $run: flood lost messages!"
done
echo
echo "messenger, $WORKERS workers, $(nproc) cores, $RUNS runs"
printf '%-46s %s\n' "round trip worker->agent->worker p50 (us)" "$(stats < "$OUT/p50.txt")"
printf '%-46s %s\n' "round trip worker->agent->worker p99 (us)" "$(stats < "$OUT/p99.txt")"
printf '%-46s %s\n' "one-way worker->agent (msgs/s)" "$(stats < "$OUT/tput.txt")"
printf '%-46s %s\n' "sendToApp acked by all workers p50 (us)" "$(stats < "$OUT/bcast-p50.txt")"
printf '%-46s %s\n' "sendToApp acked by all workers p99 (us)" "$(stats < "$OUT/bcast-p99.txt")"
printf '%-46s %s of %s sent per run\n' "arrived at the agent" "$(sort -n "$OUT/arrived.txt" | head -1)" "$FLOOD_N"
