#!/usr/bin/env bash
# The whole benchmark suite in one go: builds the distribution if it is missing, then HTTP (plain Jetty, 1 and 2
# workers), messenger (round trip, flood, broadcast), cold start, recovery and rolling reload. Every part prints its
# own table; raw output under it/target/. QUICK=1 makes every part short.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f jetty-module/target/jetty-home/start.jar ] || mvn -B -q package -DskipTests
command -v wrk >/dev/null || { echo "installing wrk"; (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >/dev/null; }
if [ "${QUICK:-0}" = 1 ]; then
  export RUNS=1 DURATION=3 WARMUP=5 RTT_N=2000 FLOOD_N=5000
fi
scripts=$(dirname "$0")
echo "== HTTP";      bash "$scripts/http-bench.sh" | tail -7
echo; echo "== messenger"; bash "$scripts/messenger-bench.sh" | tail -6
echo; echo "== cold start, first start of a base"; bash "$scripts/startup-figures.sh" | tail -7
echo; echo "== cold start, restart of a base"; MODE=restart bash "$scripts/startup-figures.sh" | tail -7
echo; echo "== recovery";   bash "$scripts/recovery-figures.sh" | tail -1
echo; echo "== rolling reload (SIGHUP) under load"; bash "$scripts/reload-figures.sh" | sed -n '/^summary:/,$p'
