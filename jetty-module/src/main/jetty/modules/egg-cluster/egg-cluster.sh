#!/bin/sh
# bin/egg-cluster: start, stop, status, reload, scale and logs of the egg cluster of this jetty base.
# Installed by the egg-cluster module ([files] of modules/egg-cluster.mod); do not edit it in a jetty base.
# Plain POSIX sh. The base is the directory above this script's (symlinks resolved), never $JETTY_BASE or the current
# directory, so that a command always acts on the cluster of the base it belongs to. Everything but start and logs is
# done by the Java client io.eggcluster.jetty.internal.admin.AdminClient over the control socket
# work/egg-cluster/admin.sock (owner only): this script never signals a process.

set -u
# cd prints the directory it found through CDPATH, which would end up in $(cd ... && pwd)
unset CDPATH

usage()
{
    cat <<EOF
Usage: bin/egg-cluster COMMAND [OPTIONS]     (or: sh bin/egg-cluster ...)

Operates the egg cluster of the jetty base ${BASE:-this script is in}.

  start [--daemon] [--timeout S] [--workers N] [--port P] [NAME=VALUE ...] [-- START.JAR ARGS ...]
        Starts the cluster: java -jar \$JETTY_HOME/start.jar in the base, with the properties given.
        Without --daemon java replaces this script (its pid is the script's: for systemd Type=notify).
        With --daemon it runs in the background (its output up to egg-ready appended to
        logs/egg-cluster.out; after it, in the log files: jetty.egg.logConsole=until-ready) and this
        returns 0 once the cluster is egg-ready, or 1 with the reason and its last output lines if the
        master exits first or S seconds pass (--timeout, default 120; the master is then stopped).
        --workers N   jetty.egg.workers=N (1..256, or auto)
        --port P      jetty.http.port=P (1..65535)
  stop [--timeout S]
        Asks this base's master, through its control socket, to stop, then waits until that master
        has exited (default 60 s; at the timeout: exit 1, nothing is killed). Not running: exit 0.
  status [--json]
        The cluster (state, uptime, egg-ready, versions, change under way) and one row per process.
        --json: the status as JSON. Not running: exit 3.
  reload [--timeout S]
        Rolling reload of the workers (a new JVM each, started before the old one drains); returns
        when done: 0, or 1 with the reason it failed. No limit on the wait unless --timeout.
  scale N [--timeout S]
        Adds or removes workers (1..256) until there are N; returns when there are: 0, or 1 with
        the reason it was refused or failed.
  logs [-f] [NAME]
        Prints (-f: the last lines, then follows, past midnight too) the latest day's log file of
        NAME: master (the default: every process's lines, each prefixed with its process), agent,
        worker-1, worker-2, ...
  help  This text.

Environment: JETTY_HOME (else ../jetty-home next to the base, if it has start.jar), JAVA_HOME (else
java on the PATH), JAVA_OPTIONS (JVM options for the master; it gets -XX:TieredStopAtLevel=1 first,
which is its own: the children's JVM options are jetty.egg.jvmArgs, agentJvmArgs and workerJvmArgs).
Exit status: 0 done, 1 failed, 2 bad usage, 3 not running.
EOF
}

# bad usage: the reason and the usage text on stderr, exit 2
usage_error()
{
    printf 'egg-cluster: %s\n\n' "$1" >&2
    usage >&2
    exit 2
}

fail()
{
    printf 'egg-cluster: %s\n' "$1" >&2
    exit 1
}

# $1 is a whole number within $2..$3 (at most 5 digits)
in_range()
{
    case $1 in
        '' | *[!0-9]*) return 1 ;;
    esac
    [ ${#1} -le 5 ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# the base: the directory above this script's, with symlinks to the script resolved
script=$0
hops=0
while [ -h "$script" ] && [ $hops -lt 40 ]; do
    hops=$((hops + 1))
    # shellcheck disable=SC2012 # POSIX has no readlink; ls -l shows the link's target after ' -> '
    link=$(ls -ld "$script" | sed 's/^.* -> //')
    case $link in
        /*) script=$link ;;
        *) script=$(dirname "$script")/$link ;;
    esac
done
BASE=$(cd "$(dirname "$script")/.." && pwd -P) || fail "cannot find the jetty base above $script"
PID_FILE=$BASE/work/egg-cluster/egg-cluster.pid
OUT=$BASE/logs/egg-cluster.out

find_java()
{
    if [ -n "${JAVA_HOME:-}" ]; then
        JAVA=$JAVA_HOME/bin/java
        [ -x "$JAVA" ] || fail "JAVA_HOME=$JAVA_HOME has no bin/java"
    else
        JAVA=$(command -v java) || fail "no java on the PATH: set JAVA_HOME"
    fi
}

find_jetty_home()
{
    if [ -n "${JETTY_HOME:-}" ]; then
        [ -f "$JETTY_HOME/start.jar" ] || fail "JETTY_HOME=$JETTY_HOME has no start.jar"
    elif [ -f "$BASE/../jetty-home/start.jar" ]; then
        JETTY_HOME=$(cd "$BASE/../jetty-home" && pwd -P) || fail "cannot enter $BASE/../jetty-home"
    else
        fail "set JETTY_HOME to the Jetty 12.1 distribution (no JETTY_HOME in the environment, and no ../jetty-home/start.jar next to $BASE)"
    fi
}

# the first existing file among the arguments (a resolved glob)
first_file()
{
    for f in "$@"; do
        if [ -f "$f" ]; then
            printf '%s' "$f"
            return 0
        fi
    done
    return 1
}

# runs the control socket's client: AdminClient --base BASE "$@"; a usage error (2) adds the usage text
client()
{
    find_java
    find_jetty_home
    ext=$BASE/lib/egg-cluster/egg-cluster-extension.jar
    [ -f "$ext" ] || fail "no $ext: is the egg-cluster module installed in this base?"
    ajax=$(first_file "$JETTY_HOME"/lib/jetty-util-ajax-*.jar) || fail "no jetty-util-ajax jar in $JETTY_HOME/lib"
    util=$(first_file "$JETTY_HOME"/lib/jetty-util-[0-9]*.jar) || fail "no jetty-util jar in $JETTY_HOME/lib"
    # a small JVM that starts fast: C1 only, the JDK's class data sharing archive, serial GC
    "$JAVA" -XX:TieredStopAtLevel=1 -Xshare:auto -XX:+UseSerialGC -cp "$ext:$ajax:$util" \
        io.eggcluster.jetty.internal.admin.AdminClient --base "$BASE" "$@"
    status=$?
    if [ $status -eq 2 ]; then
        printf '\n' >&2
        usage >&2
    fi
    return $status
}

# The directory of the log files: jetty.egg.logDir as the base's start.d/*.ini set it (the last line wins; a value
# given on start's command line is not seen), relative to the base; else logs.
log_dir()
{
    # shellcheck disable=SC2016 # ${jetty.base} is Jetty's, taken off literally
    dir=$(sed -n 's/^[[:space:]]*jetty\.egg\.logDir[[:space:]]*=[[:space:]]*//p' "$BASE"/start.d/*.ini 2>/dev/null |
        tail -n 1 | sed 's/[[:space:]]*$//; s|^${jetty\.base}/||')
    case $dir in
        '') printf '%s' "$BASE/logs" ;;
        /*) printf '%s' "$dir" ;;
        *) printf '%s' "$BASE/$dir" ;;
    esac
}

# The log file of process $1 (master, agent, worker-N): its latest day's file in the log directory (Jetty's
# RolloverFileOutputStream names them master.2026_12_01.log: the latest day is the last name; not the newest time,
# as the old day's last line and the new day's first can bear the same one), else $1.log there, else for the master
# the daemon's output.
log_file()
{
    logs=$(log_dir)
    newest=
    for dated in "$logs/$1".[0-9][0-9][0-9][0-9]_[0-9][0-9]_[0-9][0-9].log; do
        [ -f "$dated" ] && newest=$dated
    done
    if [ -n "$newest" ]; then
        printf '%s' "$newest"
    elif [ -f "$logs/$1.log" ]; then
        printf '%s' "$logs/$1.log"
    elif [ "$1" = master ] && [ -f "$OUT" ]; then
        printf '%s' "$OUT"
    else
        return 1
    fi
}

start()
{
    daemon=false
    timeout=120
    # the words left in "$@" after the loop are start.jar's: each word is taken from the front and, if it is
    # start.jar's, put back at the end
    n=$#
    while [ "$n" -gt 0 ]; do
        word=$1
        shift
        n=$((n - 1))
        case $word in
            --daemon)
                daemon=true ;;
            --workers | --port | --timeout)
                [ "$n" -gt 0 ] || usage_error "$word needs a value"
                value=$1
                shift
                n=$((n - 1))
                case $word in
                    --workers)
                        [ "$value" = auto ] || in_range "$value" 1 256 ||
                            usage_error "--workers must be 1..256 or auto, not '$value'"
                        set -- "$@" "jetty.egg.workers=$value" ;;
                    --port)
                        in_range "$value" 1 65535 || usage_error "--port must be 1..65535, not '$value'"
                        set -- "$@" "jetty.http.port=$value" ;;
                    --timeout)
                        in_range "$value" 1 86400 || usage_error "--timeout must be 1..86400 seconds, not '$value'"
                        timeout=$value ;;
                esac ;;
            --)
                while [ "$n" -gt 0 ]; do
                    set -- "$@" "$1"
                    shift
                    n=$((n - 1))
                done ;;
            -h | --help)
                usage
                exit 0 ;;
            -*)
                usage_error "start: unknown option '$word' (start.jar's options go after --)" ;;
            [A-Za-z]*=*)
                set -- "$@" "$word" ;;
            *)
                usage_error "start: unexpected '$word' (start.jar arguments are NAME=VALUE, or go after --)" ;;
        esac
    done

    find_java
    find_jetty_home
    # no socket, no cluster: the probe's JVM is saved (a stale socket is probed; the master refuses a second start)
    if [ -S "$BASE/work/egg-cluster/admin.sock" ]; then
        running=$(client probe 2>/dev/null) &&
            fail "a cluster is already running on $BASE (master pid $running): egg-cluster stop first"
    fi
    cd "$BASE" || fail "cannot enter $BASE"
    { mkdir -p work && (umask 077 && mkdir -p work/egg-cluster); } || fail "cannot make $BASE/work/egg-cluster"

    # the access Hazelcast asks for on Java 17 (its member, in the master, uses it for fewer allocations in its
    # network threads); the children get it from the master
    MASTER_OPTIONS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
--add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
    # the master serves no requests: C1 only halves its start-up CPU and saves ~35 MB; it is the master's own (the
    # children do not inherit it; JAVA_OPTIONS=-XX:TieredStopAtLevel=4 gives the master C2 back)
    MASTER_OPTIONS="-XX:TieredStopAtLevel=1 $MASTER_OPTIONS"

    if [ "$daemon" = false ]; then
        # the java process takes this shell's pid: systemd (Type=notify, KillMode=mixed) sees the master itself
        echo $$ > "$PID_FILE"
        set -f
        # shellcheck disable=SC2086 # JAVA_OPTIONS is a list of words
        exec "$JAVA" $MASTER_OPTIONS ${JAVA_OPTIONS:-} -jar "$JETTY_HOME/start.jar" "$@"
    fi
    # a daemon's console file holds each start's lines up to egg-ready; after it the log files (logs/master.*.log,
    # rotated) have everything, not a second, unrotated copy here (a property given by the user comes later: it wins)
    set -- jetty.egg.logConsole=until-ready "$@"

    # as the master makes them (ProcessLogs): the directory rwxr-x---, the files rw-r----- (the output may hold
    # what a webapp printed)
    (umask 027 && mkdir -p logs && : >> "$OUT") || fail "cannot make $BASE/logs and $OUT"
    printf '%s egg-cluster start --daemon\n' "$(date '+%Y-%m-%d %H:%M:%S')" >> "$OUT" || fail "cannot write $OUT"
    lines=$(wc -l < "$OUT")
    # a non-interactive shell starts background commands with SIGINT ignored, which a JVM never handles
    default_int=
    if env --default-signal=INT true 2>/dev/null; then
        default_int="env --default-signal=INT"
    fi
    detach=
    if command -v setsid >/dev/null 2>&1; then
        detach=setsid
    fi
    (
        set -f
        # setsid: a session of its own, no terminal (no SIGHUP, which the master takes for a reload, when the
        # terminal closes); it runs java in place (this background job does not lead its process group), so $! is
        # the master's pid
        # shellcheck disable=SC2086
        $detach $default_int "$JAVA" $MASTER_OPTIONS ${JAVA_OPTIONS:-} -jar "$JETTY_HOME/start.jar" "$@" < /dev/null >> "$OUT" 2>&1 &
        echo $! > "$PID_FILE"
    )
    pid=$(cat "$PID_FILE") || fail "cannot read $PID_FILE"
    if client await-ready --pid "$pid" --timeout "$timeout"; then
        exit 0
    fi
    if [ "$(wc -l < "$OUT")" -gt "$lines" ]; then
        printf 'egg-cluster: start failed; the last lines of %s:\n' "$OUT" >&2
        tail -n +$((lines + 1)) "$OUT" | tail -n 40 >&2
    else
        printf 'egg-cluster: start failed; the master wrote nothing to %s\n' "$OUT" >&2
    fi
    exit 1
}

logs()
{
    follow=false
    name=master
    named=false
    for word in "$@"; do
        case $word in
            -f | --follow)
                follow=true ;;
            -*)
                usage_error "logs: unknown option '$word'" ;;
            *)
                [ "$named" = false ] || usage_error "logs: one NAME only, not '$word' too"
                case $word in
                    *[!A-Za-z0-9_-]* | -*) usage_error "logs: NAME is master, agent, worker-1, ..., not '$word'" ;;
                esac
                name=$word
                named=true ;;
        esac
    done
    file=$(log_file "$name") || fail "no log file of $name in $(log_dir) (looked for $name.yyyy_mm_dd.log and $name.log)"
    if [ "$follow" = true ]; then
        follow_log "$name" "$file"
    fi
    exec cat "$file"
}

# Prints the last 50 lines of $2, the log file of process $1, and follows it; when the process's latest log file is
# another one (a new file at midnight), follows that one from its first line. Ends, with its tail, on a signal.
follow_log()
{
    current=$2
    tail -n 50 -f "$current" &
    tailing=$!
    trap 'kill "$tailing" 2>/dev/null; exit 0' INT TERM HUP
    while kill -0 "$tailing" 2>/dev/null; do
        sleep 1
        next=$(log_file "$1") || continue
        if [ "$next" != "$current" ]; then
            # tail has printed what the old file got before the new one began (it reads on each change)
            kill "$tailing" 2>/dev/null
            wait "$tailing" 2>/dev/null
            current=$next
            tail -n +1 -f "$current" &
            tailing=$!
        fi
    done
    exit 0
}

[ $# -gt 0 ] || usage_error "no command"
cmd=$1
shift
case $cmd in
    start)
        start "$@" ;;
    stop)
        client stop "$@"
        status=$?
        [ $status -ne 0 ] || rm -f "$PID_FILE"
        exit $status ;;
    status | reload | scale)
        client "$cmd" "$@"
        exit $? ;;
    logs)
        logs "$@" ;;
    help | -h | --help)
        usage
        exit 0 ;;
    *)
        usage_error "unknown command '$cmd'" ;;
esac
