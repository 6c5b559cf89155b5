#!/usr/bin/env bash
# forklab's round-robin pool against Node's `cluster` module, under the same wrk load.
#
# usage: benches/vs-node.sh [--duration 10] [--connections 32] [--threads 2]
#
# Both servers run 2 workers in round-robin mode (the primary/master accepts and hands each
# connection on), so the comparison is of the same design in two implementations. Each gets a
# short warm-up, then two measured loads: keep-alive, and `Connection: close` (a new TCP
# connection per request, which is where a round-robin primary works hardest). The Markdown
# table goes to stdout, progress to stderr: `benches/vs-node.sh > results.md`.
#
# Two wrk threads by default: with one, wrk itself is the limit on new connections (its one
# thread spends ~90 % of a core in connect/close and tops out near 18-20k/s whatever serves).
#
# For testing the script itself:
#   FORKLAB_BIN=path  run this binary instead of building target/release/forklab
#   SERVERS="node"    measure only some of "node forklab"
set -euo pipefail

usage() { sed -n '2,14s/^# \{0,1\}//p' "$0"; }
die() { echo "vs-node: $*" >&2; exit 1; }
say() { echo "vs-node: $*" >&2; }

duration=10
connections=32
threads=2
while (($#)); do
    case $1 in
        --duration | --connections | --threads)
            (($# >= 2)) || die "$1 needs a value"
            [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"
            declare "${1#--}=$2"
            shift 2
            ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
((connections >= threads)) || die "wrk needs at least one connection per thread ($connections < $threads)"

cd "$(dirname "$0")/.."
servers=${SERVERS:-node forklab}
workers=2
warmup=2
# Every process this script starts runs under `timeout` with this budget, so nothing outlives a
# run even if the script itself is SIGKILLed and its traps never run. It covers the loads and
# the wait for TIME_WAIT to drain before each (`settle`, at most 70 s): on a machine where
# others make connections too, that wait can run its full length, and a budget without it
# stopped the server in the middle of its second load.
settle_max=70
budget=$((warmup + 2 * (duration + settle_max) + 60))

workdir=$(mktemp -d "${TMPDIR:-/tmp}/vs-node.XXXXXX")
groups=() # leaders of the process groups started here: each server, each wrk

# Each child starts as `timeout ...` in the background: timeout puts itself in a process group
# of its own whose id is the PID in $!, so one kill reaches it and what it runs, and Ctrl-C in
# the terminal reaches only this script, which then stops them in order.
#
# Not `setsid`: a new session is also a new scheduler autogroup (sched(7), "The autogroup
# feature"), and CFS splits contended CPU evenly between autogroups, not between threads. With
# wrk in one session and the server in another, each would be held to one of the two cores
# whatever it needs: forklab's rate with `Connection: close` drops from ~21k/s to ~15k/s, capped
# by wrk's half. Here wrk and both servers compete thread for thread, as commands typed into
# one shell do.
stop_group() {
    local pgid=$1 i
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do # 5 s for a graceful stop, then SIGKILL
        group_alive "$pgid" || break
        sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
    wait "$pgid" 2>/dev/null || true
}

# `kill -0` would count the leader's zombie, which lives until we wait for it.
group_alive() {
    ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

cleanup() {
    local pgid
    trap - EXIT INT TERM
    for pgid in "${groups[@]}"; do stop_group "$pgid"; done
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools ---------------------------------------------------------------------------------

command -v node >/dev/null || die "node is not installed"
if ! command -v wrk >/dev/null; then
    say "installing wrk"
    if ((EUID == 0)); then
        apt-get update -qq && apt-get install -y -qq wrk >&2
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq wrk >&2
    fi
fi

forklab_bin=${FORKLAB_BIN:-target/release/forklab}
if [[ $servers == *forklab* && -z ${FORKLAB_BIN:-} ]]; then
    say "building forklab (release)"
    cargo build --release >&2
fi

# --- measuring -----------------------------------------------------------------------------

# Start a server in its own group and print the port it listens on, read from its first line
# matching `pattern` (the port is the last number in the match).
start_server() {
    local name=$1 pattern=$2 match i
    shift 2
    timeout -k 2 "$budget" "$@" </dev/null >"$workdir/$name.log" 2>&1 &
    server=$!
    groups+=("$server")
    for ((i = 0; i < 200; i++)); do # 20 s
        if match=$(grep -m1 -oE "$pattern" "$workdir/$name.log" 2>/dev/null); then
            port=${match##*[: ]}
            return 0
        fi
        group_alive "$server" || break
        sleep 0.1
    done
    tail -n 20 "$workdir/$name.log" >&2
    die "$name did not print a line matching '$pattern'"
}

# The process that owns the workers. Node's primary is the child of our `timeout` wrapper; if
# forklab serve runs its master as a child of a headless runner, follow the chain of single
# children down to the process that has several (or whose child is a leaf).
find_master() {
    local pid=$1 kids
    while :; do
        mapfile -t kids < <(ps -o pid= --ppid "$pid" | tr -d ' ')
        ((${#kids[@]} == 1)) || break
        [[ -n $(ps -o pid= --ppid "${kids[0]}") ]] || break
        pid=${kids[0]}
    done
    echo "$pid"
}

rss_kb() { awk '/^VmRSS:/ { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# Every process below `$1` in the process tree (forklab's master runs in a process group of
# its own, so the tree, not the group, is what holds all of a server).
descendants() {
    ps -e -o pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END {
            for (p in parent) {
                for (q = parent[p]; q > 1; q = parent[q]) if (q == root) { print p; break }
            }
        }'
}

# Resident memory of every process of the server, leaving out the `timeout` wrapper itself.
total_rss_kb() {
    local pid sum=0
    for pid in $(descendants "$server"); do
        sum=$((sum + $(rss_kb "$pid")))
    done
    echo "$sum"
}

# CPU time (utime + stime, every thread, in clock ticks) of every process of the server now
# running: its master and workers live through a load, so the difference around one is what
# the server spent on it.
server_ticks() {
    local pid sum=0 t
    for pid in $(descendants "$server"); do
        t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || t=0
        sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}
hz=$(getconf CLK_TCK)

# TCP segments this network namespace has sent (OutSegs in /proc/net/snmp): both ends of a
# loopback connection count, so segments per request covers the handshake, the request, the
# reply, the close and every ACK. Other traffic in the namespace would count too.
tcp_out_segs() {
    awk '/^Tcp:/ { if (!header) { for (i = 1; i <= NF; i++) if ($i == "OutSegs") col = i; header = 1 } else print $col }' \
        /proc/net/snmp 2>/dev/null || echo 0
}

# Run wrk against $port, sampling memory while it runs; keep the peaks. Sets `out`, the
# path of wrk's report, the rss_* figures in kB and `segs`, the TCP segments sent meanwhile.
load() {
    local secs=$1 master worker="" kids w segs0
    shift
    segs0=$(tcp_out_segs)
    out=$workdir/wrk.$((++runs))
    local ticks0
    ticks0=$(server_ticks)
    # wrk runs under bash's `time`, which writes wrk's own CPU (user, system seconds) to $out.cpu.
    timeout -k 2 $((secs + 15)) bash -c 'TIMEFORMAT="%3U %3S"; { time wrk "${@:2}" >"$1" 2>&1; } 2>"$1.cpu"' \
        wrk "$out" --latency -t "$threads" -c "$connections" \
        -d "${secs}s" --timeout 5s "$@" "http://127.0.0.1:$port/" </dev/null &
    local wrk=$!
    groups+=("$wrk")
    rss_master=0 rss_worker=0 rss_total=0
    while group_alive "$wrk"; do
        sleep 0.5
        master=$(find_master "$server")
        # Follow one worker for the whole run: the first one seen.
        if [[ -z $worker || ! -e /proc/$worker ]]; then
            mapfile -t kids < <(ps -o pid= --ppid "$master" | tr -d ' ')
            worker=${kids[0]:-}
        fi
        rss_master=$(max "$rss_master" "$(rss_kb "$master")")
        [[ -z $worker ]] || rss_worker=$(max "$rss_worker" "$(rss_kb "$worker")")
        rss_total=$(max "$rss_total" "$(total_rss_kb)")
    done
    wait "$wrk" || true
    segs=$(($(tcp_out_segs) - segs0))
    server_cpu=$(($(server_ticks) - ticks0))
    wrk_cpu=$(awk '{ printf "%.0f", ($1 + $2) * 1e6 }' "$out.cpu" 2>/dev/null || echo 0)
    grep -q '^Requests/sec:' "$out" || { cat "$out" >&2; die "wrk failed against port $port"; }
    # What the errors were (connect, read, write, timeout), not just how many.
    grep -E '^ *(Socket errors|Non-2xx)' "$out" >&2 || true
}
runs=0

max() { echo $(($1 > $2 ? $1 : $2)); }

# One line of figures from a wrk --latency report: req/s, p50 ms, p99 ms, errors. wrk prints
# latencies with their own unit (us, ms, s); errors are socket errors plus non-2xx answers.
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return v * 0.001
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/)  return v * 60000
            if (v ~ /s$/)  return v * 1000
            return v + 0
        }
        /^Requests\/sec:/ { rps = $2 }
        / requests in / { requests = $1 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { errors += $NF }
        END { printf "%s %s %s %d %d\n", rps, p50, p99, errors, requests }
    ' "$1"
}

# Sockets in TIME_WAIT from an earlier run (tens of thousands after a close run) slow every
# new connection down; each measured load starts once they have drained (60 s on Linux), so
# neither server pays for the other's.
settle() {
    local n
    for _ in $(seq "$settle_max"); do
        n=$(ss -Htan state time-wait 2>/dev/null | wc -l)
        ((n < 1000)) && return 0
        sleep 1
    done
    say "still $n sockets in TIME_WAIT; measuring anyway"
}

declare -A result # "server load" -> "rps p50 p99 errors requests segments master_kb worker_kb total_kb server_cpu_ticks wrk_cpu_us"
loads=(keep-alive close)

measure() {
    local name=$1 l
    say "$name: listening on 127.0.0.1:$port"
    if command -v curl >/dev/null; then
        curl -fsS --max-time 5 -o /dev/null -D - "http://127.0.0.1:$port/" | grep -i '^x-worker' >&2 ||
            die "$name did not answer a plain GET with an X-Worker header"
    fi
    # Unrecorded warm-up: the first requests pay for page faults, lazy allocation and (for
    # Node) V8's JIT; neither server should be measured cold.
    load "$warmup"
    for l in "${loads[@]}"; do
        say "$name: $l, ${duration}s, $connections connections, $threads threads"
        settle
        if [[ $l == close ]]; then load "$duration" -H 'Connection: close'; else load "$duration"; fi
        result["$name $l"]="$(parse_wrk "$out") $segs $rss_master $rss_worker $rss_total $server_cpu $wrk_cpu"
    done
    stop_group "$server"
}

for name in $servers; do
    case $name in
        node)
            start_server node '^listening [0-9]+' \
                env WORKERS="$workers" PORT=0 node benches/node-cluster.js
            ;;
        forklab)
            [[ -x $forklab_bin ]] || die "no forklab binary at $forklab_bin"
            start_server forklab '127\.0\.0\.1:[0-9]+' \
                "$forklab_bin" serve --mode rr --workers "$workers" --port 0
            ;;
        *) die "unknown server '$name' in SERVERS (expected node and/or forklab)" ;;
    esac
    measure "$name"
done

# --- report --------------------------------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN { if (k > 0) printf "%.1f MiB", k / 1024; else printf "-" }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.1f", a / b; else printf "-" }'; }
# CPU per request in µs, from a total in µs and a count of requests.
us() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.1f µs", a / b; else printf "-" }'; }
ticks_us() { awk -v t="$1" -v hz="$hz" 'BEGIN { printf "%.0f", t * 1e6 / hz }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f×", a / b; else printf "-" }'; }

echo "## forklab vs Node cluster"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), Linux $(uname -r), $(nproc) cores, node $(node --version)," \
    "$(wrk --version 2>&1 | head -n1 | awk '{print $1, $2}'). Each server: $workers workers, round-robin;" \
    "wrk -t$threads -c$connections -d${duration}s --latency on 127.0.0.1, after a ${warmup}s warm-up." \
    "wrk shares the cores with the server. Segments/req: TCP segments sent on the machine (both ends)" \
    "per request wrk completed. Server CPU/req: the user and system time of every process of the" \
    "server (master and workers, every thread) during the load, per request; wrk CPU/req, wrk's own." \
    "RSS is the peak of VmRSS sampled every 0.5 s under load;" \
    "total is the sum over every process of the server (shared copy-on-write pages count in each)."
echo
echo "| server | load | req/s | p50 | p99 | errors | segments/req | server CPU/req | wrk CPU/req | master RSS | worker RSS | total RSS |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for l in "${loads[@]}"; do
    for name in $servers; do
        read -r rps p50 p99 errors requests segs m w t cpu wcpu <<<"${result["$name $l"]}"
        printf '| %s | %s | %.0f | %.2f ms | %.2f ms | %d | %s | %s | %s | %s | %s | %s |\n' \
            "$name" "$l" "$rps" "$p50" "$p99" "$errors" "$(per "$segs" "$requests")" \
            "$(us "$(ticks_us "$cpu")" "$requests")" "$(us "$wcpu" "$requests")" \
            "$(mib "$m")" "$(mib "$w")" "$(mib "$t")"
    done
    if [[ -n ${result["node $l"]:-} && -n ${result["forklab $l"]:-} ]]; then
        read -r nrps np50 np99 _ nreq _ nm nw nt ncpu _ <<<"${result["node $l"]}"
        read -r frps fp50 fp99 _ freq _ fm fw ft fcpu _ <<<"${result["forklab $l"]}"
        echo "| **forklab/node** | $l | $(ratio "$frps" "$nrps") | $(ratio "$fp50" "$np50") |" \
            "$(ratio "$fp99" "$np99") | | | $(ratio "$(awk -v c="$fcpu" -v n="$freq" 'BEGIN { if (n > 0) printf "%.9f", c / n }')" \
            "$(awk -v c="$ncpu" -v n="$nreq" 'BEGIN { if (n > 0) printf "%.9f", c / n }')") | |" \
            "$(ratio "$fm" "$nm") | $(ratio "$fw" "$nw") | $(ratio "$ft" "$nt") |"
    fi
done
if [[ $servers == *node* && $servers == *forklab* ]]; then
    echo
    echo "Ratios are forklab/node: above 1 is better for req/s, below 1 is better for latency, CPU and RSS."
fi
