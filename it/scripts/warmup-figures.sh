#!/usr/bin/env bash
# Warm-up: how fast a fresh cluster serves right after egg-ready (issue 13; the JIT's ramp). RUNS times (default 3)
# it starts a fresh copy of jetty-module/target/jetty-base with WORKERS workers (default 2) on a free port and, the
# moment the master's egg-ready line appears, loads GET /hello with wrk (64 keep-alive connections, 2 threads, as
# http-bench.sh): SLICES (default 10) back-to-back runs of 1 s (the curve), then one run until HOLD (default 40) s
# after egg-ready, then one run of STEADY (default 5) s whose rate is the steady rate. It prints per run and as
# medians over the runs:
#   - the rate of each 1 s slice as a fraction of the steady rate (the curve),
#   - the first 5 s and the next 5 s as fractions of the steady rate (the slices' requests / 5 s / steady req/s),
#   - the steady req/s,
#   - the CPU seconds (user + system, /proc/PID/stat) each worker used during the slices, and those of the rest of
#     the cluster (the master, the agent, a standby forked meanwhile, JVMs the master reaped) in the same time.
# EXTRA="prop=value ..." adds start properties (quoted as in a shell, not evaluated), e.g.
#   EXTRA="'jetty.egg.jvmArgs=-XX:TieredStopAtLevel=1 -XX:CICompilerCount=2' jetty.egg.standby=false"
# (jetty.egg.jvmArgs reaches every child: the agent and a standby too). COMPARE="prop=value ..." runs a variant
# beside it: each run starts the default (EXTRA) and the variant (EXTRA and COMPARE) in turn, alternating which goes
# first, and prints the figures of both (the first and next 5 s in req/s too, as a variant may move the steady rate).
# Each run is stopped with SIGTERM and checked to leave no process behind.
# Needs: a built distribution (mvn -B package -DskipTests), wrk (apt-get install wrk), curl, awk, xargs.
# Raw output: it/target/warmup-figures/ (OUT_NAME names another directory under it/target, to keep two variants).
set -euo pipefail
cd "$(dirname "$0")/../.."
. it/scripts/lib.sh
RUNS=${RUNS:-3}
WORKERS=${WORKERS:-2}
SLICES=${SLICES:-10}
HOLD=${HOLD:-40}
STEADY=${STEADY:-5}
EXTRA=${EXTRA:-}
COMPARE=${COMPARE:-}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
[ "$SLICES" -ge 2 ] || { echo "SLICES must be 2 or more" >&2; exit 2; }
fresh_out "${OUT_NAME:-warmup-figures}"
# the start properties in EXTRA, split as a shell would split them but never evaluated
mapfile -t extra < <(xargs -r -n1 printf '%s\n' <<<"$EXTRA")
mapfile -t compare < <(xargs -r -n1 printf '%s\n' <<<"$COMPARE")
half=$((SLICES / 2))

now_ms() { date +%s%3N; }
# CPU seconds a process used (utime + stime); 100 ticks/s
cpu_s() { awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo NA; }
# CPU seconds of the master, its live children and the children it reaped (cutime + cstime), less the workers'
cluster_cpu_s() { # master pid, worker pids...
  local master=$1; shift
  local pids; pids="$master $(pgrep -P "$master" | tr '\n' ' ')"
  for p in $pids; do
    local w skip=false
    for w in "$@"; do [ "$p" = "$w" ] && skip=true; done
    $skip || awk -v m="$master" -v p="$p" '{print (p == m) ? $14 + $15 + $16 + $17 : $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
  done | awk '{t += $1} END {printf "%.2f\n", t / 100}'
}
# wrk's "N requests in 1.00s" -> N
requests() { awk '/requests in/ {print $1}' "$1"; }
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
wrk_errors() { grep -E "Non-2xx|Socket errors" "$1" || true; }

one_run() { # label, run: one fresh cluster started with "${props[@]}", its figures under $OUT/label
  local label=$1 run=$2 dir="$OUT/$1"
  mkdir -p "$dir"
  base="$OUT/base-$run"; cp -r "$BASE_DIR" "$base"
  port=$(free_port); log="$dir/run-$run.log"
  start_cluster "$base" "$port" "$WORKERS" "$log" "${props[@]}"
  master=$MASTER
  trap 'kill -9 $master 2>/dev/null || true' EXIT
  await_egg_ready "$log"
  ready=$(now_ms)
  line=$(grep '^[^[].*egg-ready in' "$log")
  workers=$(grep -oE 'worker#[0-9]+:[0-9]+' <<<"$line" | cut -d: -f2 | tr '\n' ' ')
  declare -A cpu0=()
  for w in $workers; do cpu0[$w]=$(cpu_s "$w"); done
  others0=$(cluster_cpu_s "$master" $workers)
  # the curve: back-to-back 1 s slices from egg-ready on
  for s in $(seq 1 "$SLICES"); do
    wrk -t2 -c64 -d1s "http://127.0.0.1:$port/hello" > "$dir/run-$run-slice-$s.txt"
  done
  loaded=$(now_ms)
  cpu_workers=""; for w in $workers; do cpu_workers="$cpu_workers $(awk -v a="${cpu0[$w]}" -v b="$(cpu_s "$w")" 'BEGIN {printf "%.2f", b - a}')"; done
  others=$(awk -v a="$others0" -v b="$(cluster_cpu_s "$master" $workers)" 'BEGIN {printf "%.2f", b - a}')
  # kept loaded until HOLD s after egg-ready, then the steady slice
  hold=$(( (ready + HOLD * 1000 - $(now_ms)) / 1000 ))
  [ "$hold" -lt 1 ] || wrk -t2 -c64 -d"${hold}s" "http://127.0.0.1:$port/hello" > "$dir/run-$run-hold.txt"
  steady_from=$(( $(now_ms) - ready ))
  wrk -t2 -c64 -d"${STEADY}s" "http://127.0.0.1:$port/hello" > "$dir/run-$run-steady.txt"
  steady=$(rps "$dir/run-$run-steady.txt")
  for f in "$dir"/run-$run-slice-*.txt "$dir/run-$run-hold.txt" "$dir/run-$run-steady.txt"; do
    [ ! -f "$f" ] || [ -z "$(wrk_errors "$f")" ] || echo "${COMPARE:+$label }run $run: $(basename "$f" .txt): $(wrk_errors "$f" | tr '\n' ' ')"
  done
  # the fractions of the steady rate
  curve=""
  for s in $(seq 1 "$SLICES"); do
    f=$(awk -v r="$(rps "$dir/run-$run-slice-$s.txt")" -v st="$steady" 'BEGIN {printf "%.2f", r / st}')
    curve="$curve $f"; echo "$f" >> "$dir/slice-$s.txt"
  done
  first=0; next=0
  for s in $(seq 1 "$half"); do first=$((first + $(requests "$dir/run-$run-slice-$s.txt"))); done
  for s in $(seq $((half + 1)) $((2 * half))); do next=$((next + $(requests "$dir/run-$run-slice-$s.txt"))); done
  first_f=$(awk -v n="$first" -v d="$half" -v st="$steady" 'BEGIN {printf "%.2f", n / d / st}')
  next_f=$(awk -v n="$next" -v d="$half" -v st="$steady" 'BEGIN {printf "%.2f", n / d / st}')
  awk -v n="$first" -v d="$half" 'BEGIN {printf "%.0f\n", n / d}' >> "$dir/first-rps.txt"
  awk -v n="$next" -v d="$half" 'BEGIN {printf "%.0f\n", n / d}' >> "$dir/next-rps.txt"
  echo "$first_f" >> "$dir/first.txt"; echo "$next_f" >> "$dir/next.txt"; echo "$steady" >> "$dir/steady.txt"
  for c in $cpu_workers; do echo "$c" >> "$dir/cpu-worker.txt"; done
  echo "$others" >> "$dir/cpu-others.txt"
  children=$(pgrep -P $master | tr '\n' ' ')
  kill -TERM $master; wait $master || { echo "$label run $run: master exit code $?" >&2; exit 1; }
  for c in $children; do ! kill -0 "$c" 2>/dev/null || { echo "$label run $run: child $c survived the master" >&2; exit 1; }; done
  trap - EXIT
  rm -rf "$base"
  echo "${COMPARE:+$label }run $run: steady $steady req/s (from $((steady_from / 1000)) s after egg-ready); first ${half} s $first_f, next ${half} s $next_f of it; 1 s slices:$curve; CPU s in the $((loaded - ready)) ms of slices: workers$cpu_workers, the rest $others"
}

for run in $(seq 1 "$RUNS"); do
  if [ -z "$COMPARE" ]; then
    props=("${extra[@]}"); one_run default "$run"
  else
    # alternately: the default first in odd runs, the variant first in even ones
    for label in $( [ $((run % 2)) = 1 ] && echo "default compare" || echo "compare default"); do
      if [ "$label" = default ]; then props=("${extra[@]}"); else props=("${extra[@]}" "${compare[@]}"); fi
      one_run "$label" "$run"
    done
  fi
done

summary() { # label
  local dir="$OUT/$1" curve="" s
  printf '%-44s %s\n' "first ${half} s, fraction of steady" "$(stats < "$dir/first.txt")"
  printf '%-44s %s\n' "next ${half} s, fraction of steady" "$(stats < "$dir/next.txt")"
  printf '%-44s %s\n' "steady req/s" "$(stats < "$dir/steady.txt")"
  printf '%-44s %s\n' "first ${half} s, req/s" "$(stats < "$dir/first-rps.txt")"
  printf '%-44s %s\n' "next ${half} s, req/s" "$(stats < "$dir/next-rps.txt")"
  printf '%-44s %s\n' "CPU s of each worker in the slices" "$(stats < "$dir/cpu-worker.txt")"
  printf '%-44s %s\n' "CPU s of the rest in the slices" "$(stats < "$dir/cpu-others.txt")"
  for s in $(seq 1 "$SLICES"); do curve="$curve $(median < "$dir/slice-$s.txt")"; done
  printf '%-44s%s\n' "1 s slices, fraction of steady (medians)" "$curve"
}
median() { sort -n | awk '{v[NR]=$1} END {printf "%s", (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }

echo
echo "GET /hello, wrk -t2 -c64 from egg-ready: $SLICES x 1 s, then held to ${HOLD} s, then ${STEADY} s steady; $RUNS runs of a fresh base, $WORKERS workers; $(nproc) cores; $(java -version 2>&1 | head -1)${EXTRA:+; EXTRA=$EXTRA}"
if [ -z "$COMPARE" ]; then
  summary default
else
  echo "default:"; summary default
  echo "compare (COMPARE=$COMPARE), alternated with the default:"; summary compare
fi
