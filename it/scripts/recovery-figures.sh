#!/usr/bin/env bash
# Recovery: kill -9 of worker#1 in a running 2-worker cluster -> its replacement answering GET /pid (workerId 1,
# a new pid), RUNS times (default 5); prints each and the median. Each kill waits for the steady state: a standby
# worker JVM connected since the last one (STANDBY=false runs the cluster without standby, jetty.egg.standby=false).
# The restart backoff (PM2's rule) delays the restart of a replacement that dies within 30 s of its start; this
# script measures an isolated crash, the case without delay: each victim has served 30 s before it is killed.
# Raw output: it/target/recovery-figures/.
# Needs: a built distribution (mvn -B package -DskipTests), bash, curl, awk.
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-5}
STANDBY=${STANDBY:-true}
fresh_out recovery-figures
cp -r "$BASE_DIR" "$OUT/base"
port=$(free_port)
start_cluster "$OUT/base" "$port" 2 "$OUT/cluster.log" "jetty.egg.standby=$STANDBY"
trap 'kill -TERM $MASTER 2>/dev/null; wait $MASTER 2>/dev/null || true' EXIT
await_egg_ready "$OUT/cluster.log"
now_ms() { date +%s%3N; }
worker1() { grep -oE '^[^[].*worker#1:[0-9]+ ready in' "$OUT/cluster.log" | tail -1 | sed -E 's/.*worker#1:([0-9]+) ready in/\1/'; }
# the steady state: a standby worker JVM (jetty.egg.standby, on by default) has connected since the last kill
standbys() { grep -cE '^\[standby:[0-9]+\] .*connected to the cluster' "$OUT/cluster.log" || true; }
await_standby() {
  [ "$STANDBY" = true ] || return 0
  local t0; t0=$(now_ms)
  until [ "$(standbys)" -ge "$1" ]; do
    [ $(( $(now_ms) - t0 )) -lt 30000 ] || { echo "no standby worker connected within 30 s, see $OUT/cluster.log" >&2; exit 1; }
    sleep 0.1
  done
}
since=$(now_ms)
for run in $(seq 1 "$RUNS"); do
  await_standby "$run"
  # not a quick death (RestartBackoff.HEALTHY_MS): the victim started 30 s ago or more
  while [ $(( $(now_ms) - since )) -lt 30500 ]; do sleep 0.2; done
  victim=$(worker1)
  kill -9 "$victim"; killed=$(now_ms)
  while true; do
    answer=$(curl -s --max-time 1 "http://127.0.0.1:$port/pid" || true)
    pid=$(sed -nE 's/.*"pid":([0-9]+).*"workerId":1.*/\1/p' <<<"$answer")
    [ -n "$pid" ] && [ "$pid" != "$victim" ] && break
    [ $(( $(now_ms) - killed )) -lt 30000 ] || { echo "run $run: no replacement within 30 s" >&2; exit 1; }
  done
  took=$(( $(now_ms) - killed )); echo "$took" >> "$OUT/recovery.txt"; since=$(now_ms)
  echo "run $run: worker#1 $victim killed, replacement $pid answering after $took ms"
done
echo
printf '%-44s %s\n' "kill -9 worker#1 -> replacement answering (ms)" "$(stats < "$OUT/recovery.txt")"
