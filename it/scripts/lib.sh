# Shared by the figure scripts: sourced, not run, from the repository's root.
HOME_DIR=$PWD/jetty-module/target/jetty-home
BASE_DIR=$PWD/jetty-module/target/jetty-base

# fresh_out NAME: checks the distribution is built, empties it/target/NAME and sets OUT to it.
fresh_out() {
  [ -f "$HOME_DIR/start.jar" ] || { echo "no distribution in jetty-module/target: run 'mvn -B package -DskipTests' first" >&2; exit 2; }
  OUT=$PWD/it/target/$1
  rm -rf "$OUT" && mkdir -p "$OUT"
}

# A port free on 127.0.0.1 now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

# start_cluster BASE PORT WORKERS LOG [PROPERTY=VALUE...]: starts a master from BASE in the background, as the README
# does (bin/egg-cluster start, in the foreground: java replaces the script); sets MASTER to its pid.
# LAUNCH=jar starts it with a plain 'java $MASTER_JVM -jar start.jar' instead.
start_cluster() {
  if [ "${LAUNCH:-cli}" = jar ]; then
    (cd "$1" && exec java ${MASTER_JVM:-} -jar "$HOME_DIR/start.jar" jetty.http.host=127.0.0.1 jetty.http.port="$2" jetty.egg.workers="$3" "${@:5}" >"$4" 2>&1) &
  else
    (cd "$1" && JETTY_HOME="$HOME_DIR" exec sh bin/egg-cluster start --workers "$3" --port "$2" jetty.http.host=127.0.0.1 "${@:5}" >"$4" 2>&1) &
  fi
  MASTER=$!
}

# await_egg_ready LOG: waits for the master's egg-ready line; fails if the master exits first.
await_egg_ready() {
  until grep -qs '^[^[].*egg-ready in' "$1"; do
    kill -0 "$MASTER" 2>/dev/null || { echo "the master exited before egg-ready, see $1" >&2; return 1; }
    sleep 0.02
  done
}

# Reads numbers, one a line; prints "median M  min A  max B  (n=N)".
stats() {
  sort -n | awk '{v[NR]=$1} END {if (NR==0) {print "n/a"; exit} m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "median %s  min %s  max %s  (n=%d)\n", m, v[1], v[NR], NR}'
}
