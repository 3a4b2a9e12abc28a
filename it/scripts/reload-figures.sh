#!/usr/bin/env bash
# Rolling reload (SIGHUP to the master) under load: a 2-worker cluster, and for each of RUNS reloads (default 5) the
# load client (it/src/test/java/io/eggcluster/it/LoadClient.java, plain sockets, outcomes counted by kind) in both
# modes at once: KA_THREADS (16) keep-alive connections bounded to KA_RATE (1000) req/s in all, and NEW_THREADS (4)
# threads opening a new connection per request, bounded to NEW_RATE (200) req/s; each starts PRE (2) s before the
# SIGHUP and stops POST (1) s after the master's "reload done in N ms" (or "reload failed: ..."). Prints, per reload,
# its duration as the master logged it and the failed requests by kind for each mode, then the medians.
# When /proc/sys/net/ipv4/tcp_migrate_req can be written (root, Linux 5.14+) it does all of it with
# net.ipv4.tcp_migrate_req=0 and then =1 (a connect waiting in a closing listener's accept queue is reset with 0, moved
# to another worker's listener with 1), restoring the old value on exit; else once, with the value as it is.
# EXTRA: more start properties for the master, separated by spaces (e.g. EXTRA=jetty.egg.standby=false).
# Raw output: it/target/reload-figures/. Needs: a built distribution (mvn -B package -DskipTests), a JDK, awk.
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-5}
KA_THREADS=${KA_THREADS:-16}; KA_RATE=${KA_RATE:-1000}
NEW_THREADS=${NEW_THREADS:-4}; NEW_RATE=${NEW_RATE:-200}
PRE=${PRE:-2}; POST=${POST:-1}
fresh_out reload-figures
javac -d "$OUT/classes" it/src/test/java/io/eggcluster/it/LoadClient.java
MIGRATE=/proc/sys/net/ipv4/tcp_migrate_req
old_migrate=$(cat "$MIGRATE" 2>/dev/null || echo "")
settings=${old_migrate:-unknown}
if [ -n "$old_migrate" ] && [ -w "$MIGRATE" ] && echo "$old_migrate" > "$MIGRATE" 2>/dev/null; then
  settings="0 1"
fi
CLIENTS=""
MASTER=""
cleanup() {
  for c in $CLIENTS; do kill "$c" 2>/dev/null || true; done
  if [ -n "$MASTER" ]; then kill -TERM "$MASTER" 2>/dev/null || true; wait "$MASTER" 2>/dev/null || true; fi
  if [ "$settings" = "0 1" ]; then echo "$old_migrate" > "$MIGRATE"; fi
}
trap cleanup EXIT

cp -r "$BASE_DIR" "$OUT/base"
port=$(free_port)
# shellcheck disable=SC2086 # EXTRA: more start properties, split at spaces
start_cluster "$OUT/base" "$port" 2 "$OUT/cluster.log" ${EXTRA:-}
await_egg_ready "$OUT/cluster.log"
now_ms() { date +%s%3N; }
reload_lines() { grep -cE '^[^[].*(reload done in [0-9]+ ms|reload failed: )' "$OUT/cluster.log" || true; }
load() { # mode threads rate stopfile -> runs in the background, its line in $OUT/<stopfile>.txt; pid in LAST
  java -cp "$OUT/classes" io.eggcluster.it.LoadClient port="$port" mode="$1" threads="$2" rate="$3" seconds=600 \
    stopFile="$4" > "$4.txt" 2> "$4.err" &
  LAST=$!
}
med_of() { if [ -s "$1" ]; then stats < "$1"; else echo n/a; fi; }
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; } # key, line
kinds() { # a LoadClient line -> "failed=N (reset=.. refused=.. timeout=.. bad=.. truncated=.. closed=..) ok=N connClose=N"
  local l=$1
  echo "failed=$(field failed "$l") (reset=$(field reset "$l") refused=$(field refused "$l") timeout=$(field timeout "$l")" \
    "bad=$(field bad "$l") truncated=$(field truncated "$l") closed=$(field closed "$l")) ok=$(field ok "$l")" \
    "connClose=$(field connClose "$l") idleClosed=$(field idleClosed "$l")"
}

for m in $settings; do
  if [ "$settings" = "0 1" ]; then echo "$m" > "$MIGRATE"; fi
  echo "net.ipv4.tcp_migrate_req=$m"
  for run in $(seq 1 "$RUNS"); do
    stop="$OUT/stop-m$m-r$run"
    load keepalive "$KA_THREADS" "$KA_RATE" "$stop-ka"; ka=$LAST
    load new "$NEW_THREADS" "$NEW_RATE" "$stop-new"; nc=$LAST
    CLIENTS="$ka $nc"
    sleep "$PRE"
    before=$(reload_lines)
    kill -HUP "$MASTER"; t0=$(now_ms)
    until [ "$(reload_lines)" -gt "$before" ]; do
      kill -0 "$MASTER" 2>/dev/null || { echo "the master exited during a reload, see $OUT/cluster.log" >&2; exit 1; }
      [ $(( $(now_ms) - t0 )) -lt 180000 ] || { echo "no reload line within 180 s, see $OUT/cluster.log" >&2; exit 1; }
      sleep 0.1
    done
    sleep "$POST"
    touch "$stop-ka" "$stop-new"
    wait "$ka" "$nc"
    CLIENTS=""
    last=$(grep -E '^[^[].*(reload done in [0-9]+ ms|reload failed: )' "$OUT/cluster.log" | tail -1)
    if [[ $last =~ reload\ done\ in\ ([0-9]+)\ ms ]]; then
      took=${BASH_REMATCH[1]}; echo "$took" >> "$OUT/m$m-reload-ms.txt"
    else
      took="FAILED (${last#*reload failed: })"
    fi
    kal=$(cat "$stop-ka.txt"); ncl=$(cat "$stop-new.txt")
    field failed "$kal" >> "$OUT/m$m-ka-failed.txt"
    field failed "$ncl" >> "$OUT/m$m-new-failed.txt"
    awk -v f="$(field failed "$ncl")" -v o="$(field ok "$ncl")" 'BEGIN {printf "%.3f\n", (f+o) ? 100*f/(f+o) : 0}' \
      >> "$OUT/m$m-new-failed-pct.txt"
    echo "  reload $run: $took ms"
    echo "    keep-alive ($KA_THREADS connections):       $(kinds "$kal")"
    echo "    new connection ($NEW_THREADS threads):         $(kinds "$ncl")"
  done
done

echo
echo "summary: rolling reload of 2 workers under load, $RUNS reloads per setting, $(nproc) cores (medians, min, max)"
for m in $settings; do
  echo "tcp_migrate_req=$m  reload ms: $(med_of "$OUT/m$m-reload-ms.txt")"
  echo "tcp_migrate_req=$m  failed keep-alive requests per reload: $(med_of "$OUT/m$m-ka-failed.txt")"
  echo "tcp_migrate_req=$m  failed new-connection requests per reload: $(med_of "$OUT/m$m-new-failed.txt");" \
    "% of attempts: $(med_of "$OUT/m$m-new-failed-pct.txt")"
done
