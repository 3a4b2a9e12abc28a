#!/usr/bin/env bash
# Recovery: kill -9 of worker#1 in a running 2-worker cluster -> its replacement answering GET /pid (workerId 1,
# a new pid), RUNS times (default 5); prints each and the median. Each kill waits for the steady state: a standby
# worker JVM connected since the last one (STANDBY=false runs the cluster without standby, jetty.egg.standby=false).
# The restart backoff (PM2's rule) delays the restart of a replacement that dies within 30 s of its start; this
# script measures an isolated crash, the case without delay: each victim has served 30 s before it is killed.
# Each run also breaks the recovery down from the log's timestamps (the master's lines and the replacement's own):
#   kill -> the master saw the exit ("worker#1:PID died after egg-ready: exited with ..."),
#   exit seen -> the replacement forked ("worker#1:PID forked (the standby JVM)": the standby is sent its start),
#   forked -> ready ("worker#1:PID ready in N ms"), split by the replacement's lines into: forked -> its server
#     starting (Jetty's "jetty-12..." line: XmlConfiguration has built the server), starting -> its webapps
#     deployed ("deployed N context(s)"), deployed -> its port joined (the connector's "Started"), joined -> ready,
#   ready -> answering (as this script's curl sees it),
# and the replacement's CPU seconds (/proc/PID/stat) just before the kill (the standby it was, booted earlier) and
# when it answered.
# EXTRA="prop=value ..." adds start properties, as in warmup-figures.sh.
# COUNTERS=true also reads the replacement's HotSpot counters (jcmd PerfCounter.print) just before the kill and once
# it answered, and prints where its JVM's time went meanwhile: class loading, linking, verification, static
# initialisation (sun.cls.*, the threads that did it), and the JIT compilers' time (java.ci.totalTime, on their own
# threads, competing for the cores). Each jcmd is a JVM of its own, run outside the measured window.
# Raw output: it/target/recovery-figures/.
# Needs: a built distribution (mvn -B package -DskipTests), bash, curl, awk.
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-5}
STANDBY=${STANDBY:-true}
EXTRA=${EXTRA:-}
COUNTERS=${COUNTERS:-false}
fresh_out recovery-figures
# the start properties in EXTRA, split as a shell would split them but never evaluated
mapfile -t extra < <(xargs -r -n1 printf '%s\n' <<<"$EXTRA")
cp -r "$BASE_DIR" "$OUT/base"
port=$(free_port)
start_cluster "$OUT/base" "$port" 2 "$OUT/cluster.log" "jetty.egg.standby=$STANDBY" "${extra[@]}"
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
cpu_s() { awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo NA; }
standby_pid() { { grep -oE '^[^[].* standby:[0-9]+ forked, ready to replace' "$OUT/cluster.log" || true; } | tail -1 | sed -E 's/.*standby:([0-9]+) forked.*/\1/'; }
# the time of the first log line matching an extended regular expression, in ms since the epoch (empty if none)
line_ms() {
  local stamp; stamp=$(grep -m1 -E "$1" "$OUT/cluster.log" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}' | head -1) || true
  [ -z "$stamp" ] || date -d "$stamp" +%s%3N
}
# "a -> b" in ms, NA when either is missing; also appended to $OUT/<file>.txt
phase() { # file, from ms, to ms
  if [ -n "$2" ] && [ -n "$3" ]; then echo "$(( $3 - $2 ))" >> "$OUT/$1.txt"; echo "$(( $3 - $2 ))"; else echo NA; fi
}
# counters PID FILE: the JVM's HotSpot counters, or nothing when COUNTERS is off or jcmd fails
counters() {
  [ "$COUNTERS" = true ] || return 0
  jcmd "$1" PerfCounter.print > "$2" 2>/dev/null || rm -f "$2"
}
# counted RUN: the counters' changes from before the kill to answering, in ms; appended to $OUT/jvm-*.txt
counted() {
  local before=$OUT/counters-$1-before.txt after=$OUT/counters-$1-after.txt
  [ -f "$before" ] && [ -f "$after" ] || return 0
  awk -F= -v out="$OUT" 'FNR == NR { a[$1] = $2; next } { b[$1] = $2 }
    END {
      f = b["sun.os.hrt.frequency"] / 1000; if (f <= 0) f = 1000000
      split("sun.cls.time:class work in all,sun.cls.appClassLoadTime.self:loading,sun.cls.classLinkedTime.self:linking,sun.cls.classVerifyTime.self:verifying,sun.cls.classInitTime.self:initialising,java.ci.totalTime:JIT compiling", keys, ",")
      line = ""
      for (i = 1; i in keys; i++) {
        split(keys[i], kv, ":"); ms = int((b[kv[1]] - a[kv[1]]) / f + 0.5)
        line = line (i > 1 ? ", " : "") kv[2] " " ms
        print ms >> (out "/jvm-" i ".txt")
      }
      printf "%s ms; classes loaded %d, linked %d, verified %d, initialised %d\n", line,
        b["java.cls.loadedClasses"] - a["java.cls.loadedClasses"], b["sun.cls.linkedClasses"] - a["sun.cls.linkedClasses"],
        b["sun.cls.verifiedClasses"] - a["sun.cls.verifiedClasses"], b["sun.cls.initializedClasses"] - a["sun.cls.initializedClasses"]
    }' "$before" "$after"
}
since=$(now_ms)
for run in $(seq 1 "$RUNS"); do
  await_standby "$run"
  # not a quick death (RestartBackoff.HEALTHY_MS): the victim started 30 s ago or more
  while [ $(( $(now_ms) - since )) -lt 30500 ]; do sleep 0.2; done
  victim=$(worker1)
  standby=$(standby_pid); standby_cpu=NA
  [ -z "$standby" ] || standby_cpu=$(cpu_s "$standby")
  [ -z "$standby" ] || counters "$standby" "$OUT/counters-$run-before.txt"
  kill -9 "$victim"; killed=$(now_ms)
  while true; do
    answer=$(curl -s --max-time 1 "http://127.0.0.1:$port/pid" || true)
    pid=$(sed -nE 's/.*"pid":([0-9]+).*"workerId":1.*/\1/p' <<<"$answer")
    [ -n "$pid" ] && [ "$pid" != "$victim" ] && break
    [ $(( $(now_ms) - killed )) -lt 30000 ] || { echo "run $run: no replacement within 30 s" >&2; exit 1; }
  done
  took=$(( $(now_ms) - killed )); echo "$took" >> "$OUT/recovery.txt"; since=$(now_ms)
  answered_cpu=$(cpu_s "$pid")
  [ "$pid" = "$standby" ] && counters "$pid" "$OUT/counters-$run-after.txt"
  echo "run $run: worker#1 $victim killed, replacement $pid answering after $took ms"
  # the breakdown, from the log (the master relays a child's lines as they come: wait for the last one)
  for i in $(seq 1 50); do grep -qE "^[^[].* worker#1:$pid ready in" "$OUT/cluster.log" && break; sleep 0.1; done
  answered=$((killed + took))
  seen=$(line_ms "^[^[].* worker#1:$victim died after egg-ready")
  forked=$(line_ms "^[^[].* worker#1:$pid forked")
  starting=$(line_ms "^\[worker#1:$pid\] .*:main: jetty-[0-9]")
  deployed=$(line_ms "^\[worker#1:$pid\] .* worker#1:$pid deployed [0-9]+ context")
  joined=$(line_ms "^\[worker#1:$pid\] .*AbstractConnector:main: Started")
  ready=$(line_ms "^[^[].* worker#1:$pid ready in")
  how=$(grep -qE "^[^[].* worker#1:$pid forked \(the standby JVM\)" "$OUT/cluster.log" && echo "the standby $standby" || echo "a new JVM")
  [ "$pid" = "$standby" ] || standby_cpu=NA
  echo "$standby_cpu" | grep -v NA >> "$OUT/cpu-standby.txt" || true
  echo "$answered_cpu" | grep -v NA >> "$OUT/cpu-answering.txt" || true
  echo "run $run: kill -> exit seen $(phase seen "$killed" "$seen"), -> forked $(phase forked "$seen" "$forked") ($how), -> ready $(phase ready "$forked" "$ready") [server starting $(phase starting "$forked" "$starting"), webapps deployed $(phase deployed "$starting" "$deployed"), port joined $(phase joined "$deployed" "$joined"), ready $(phase reported "$joined" "$ready")], -> answering $(phase answering "$ready" "$answered") ms; CPU s of the replacement: $standby_cpu before the kill, $answered_cpu answering"
  jvm=$(counted "$run")
  [ -z "$jvm" ] || echo "run $run: the replacement's JVM from the kill to answering: $jvm"
done
echo
printf '%-44s %s\n' "kill -9 worker#1 -> replacement answering (ms)" "$(stats < "$OUT/recovery.txt")"
for p in "seen:  kill -> the master saw the exit" "forked:  exit seen -> replacement forked" "ready:  forked -> replacement ready" \
  "starting:    forked -> its server starting" "deployed:    starting -> webapps deployed" "joined:    deployed -> port joined" \
  "reported:    port joined -> master saw ready" "answering:  ready -> answering" \
  "cpu-standby:CPU s of the standby before the kill" "cpu-answering:CPU s of the replacement answering"; do
  f=${p%%:*}
  printf '%-44s %s\n' "${p#*:}$([[ $f == cpu-* ]] || echo " (ms)")" "$( [ -f "$OUT/$f.txt" ] && stats < "$OUT/$f.txt" || echo n/a)"
done
if [ "$COUNTERS" = true ]; then
  i=1
  for name in "class work in all" "  loading" "  linking" "  verifying" "  initialising" "JIT compiling (its threads)"; do
    printf '%-44s %s\n' "replacement JVM: $name (ms)" "$( [ -f "$OUT/jvm-$i.txt" ] && stats < "$OUT/jvm-$i.txt" || echo n/a)"
    i=$((i + 1))
  done
fi
