#!/usr/bin/env bash
# Messenger figures of the built distribution, measured inside a worker by the sample WAR (BenchServlet):
#   - round trip worker -> agent -> worker: GET /rtt?n=N (sendToAgent "ping", the agent answers sendTo "pong"),
#   - one-way throughput worker -> agent: GET /flood?n=M (the agent counts what arrived),
# after a warm-up, RUNS times each (default 3); prints each run and the median. Raw output: it/target/messenger-bench/.
# Needs: a built distribution (mvn -B package -DskipTests), bash, curl, awk.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
RTT_N=${RTT_N:-10000}
FLOOD_N=${FLOOD_N:-20000}
WORKERS=${WORKERS:-2}
HOME_DIR=$PWD/jetty-module/target/jetty-home
BASE_DIR=$PWD/jetty-module/target/jetty-base
OUT=$PWD/it/target/messenger-bench
[ -f "$HOME_DIR/start.jar" ] || { echo "no distribution in jetty-module/target: run 'mvn -B package -DskipTests' first" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT" && cp -r "$BASE_DIR" "$OUT/base"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
(cd "$OUT/base" && exec java -jar "$HOME_DIR/start.jar" jetty.http.host=127.0.0.1 jetty.http.port="$port" jetty.egg.workers="$WORKERS" >"$OUT/cluster.log" 2>&1) &
master=$!
trap 'kill -TERM $master 2>/dev/null; wait $master 2>/dev/null || true' EXIT
until grep -q '^[^[].*egg-ready in' "$OUT/cluster.log"; do
  kill -0 $master 2>/dev/null || { echo "the cluster did not start, see $OUT/cluster.log" >&2; exit 1; }
  sleep 0.1
done
field() { sed -E "s/.*\"$1\":([0-9.]+|true|false).*/\1/"; }
median() { sort -n | awk '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "median %s  min %s  max %s", m, v[1], v[NR]}'; }
get() { curl -sf --max-time 300 "http://127.0.0.1:$port$1"; }

echo "warm-up"; get "/rtt?n=2000" >/dev/null; get "/flood?n=5000" >/dev/null
for run in $(seq 1 "$RUNS"); do
  rtt=$(get "/rtt?n=$RTT_N"); flood=$(get "/flood?n=$FLOOD_N")
  echo "run $run rtt:   $rtt" | tee -a "$OUT/runs.txt"
  echo "run $run flood: $flood" | tee -a "$OUT/runs.txt"
  field p50_us <<<"$rtt" >> "$OUT/p50.txt"; field p99_us <<<"$rtt" >> "$OUT/p99.txt"
  field msgs_per_s <<<"$flood" >> "$OUT/tput.txt"; field arrived <<<"$flood" >> "$OUT/arrived.txt"
  [ "$(field complete <<<"$flood")" = true ] || echo "run $run: flood lost messages!"
done
echo
echo "messenger, $WORKERS workers, $(nproc) cores, $RUNS runs"
printf '%-46s %s\n' "round trip worker->agent->worker p50 (us)" "$(median < "$OUT/p50.txt")"
printf '%-46s %s\n' "round trip worker->agent->worker p99 (us)" "$(median < "$OUT/p99.txt")"
printf '%-46s %s\n' "one-way worker->agent (msgs/s)" "$(median < "$OUT/tput.txt")"
printf '%-46s %s of %s sent per run\n' "arrived at the agent" "$(sort -n "$OUT/arrived.txt" | head -1)" "$FLOOD_N"
