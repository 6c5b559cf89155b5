#!/usr/bin/env bash
# Interleaved A/B of round-robin pools: Node's cluster and one or more forklab binaries, each
# loaded with the same wrk in turn, round after round, so that a shared machine's changing load
# falls on all of them alike (benches/vs-node.sh measures one server after the other, minutes
# apart). Besides req/s it reports the CPU each master (Node's primary, forklab's master) and its
# workers spent per request (utime + stime from /proc/<pid>/stat, every thread of the process),
# which moves far less with the machine's load.
#
# usage: BINS="before=/tmp/forklab-old after=target/release/forklab" benches/rr-ab.sh
#        [ROUNDS=3] [SECS=5] [WORKERS=2] [NGINX=1]
# A binary runs `serve --mode rr`; `name=path:MODE` runs another accept mode (`:reuseport`: each
# worker accepts on its own socket, no master in the path). NGINX=1 adds nginx with the same
# number of workers (`return 200`, no access log) as a reference: a C server with no hand-off.
# Prints one line per round, load and server: round load server req/s p99 master_us workers_us
# wrk_us idle_% master_wakes workers_wakes (wrk's own CPU per request; the share of all CPUs idle
# during the load; the times the master and the workers together slept and were woken, per request).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
secs=${SECS:-5}
workers=${WORKERS:-2}
[[ -n ${BINS:-} ]] || { sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2; }
command -v node >/dev/null && command -v wrk >/dev/null || { echo "rr-ab: needs node and wrk" >&2; exit 1; }
workdir=$(mktemp -d "${TMPDIR:-/tmp}/rr-ab.XXXXXX")
declare -A port pid
names=(node)

# Each server runs under `timeout` (stopped when the script exits, and by the time limit even if
# the script is SIGKILLed), in this script's session so
# that wrk and the servers share one scheduler autogroup (see benches/vs-node.sh).
start() {
    local name=$1 p i
    shift
    timeout -k 2 $((rounds * secs * 12 + 120)) "$@" </dev/null >"$workdir/$name.log" 2>&1 &
    pid[$name]=$!
    for ((i = 0; i < 200; i++)); do
        p=$(grep -m1 -oE '(127\.0\.0\.1:|^listening )[0-9]+' "$workdir/$name.log" | grep -oE '[0-9]+$' || true)
        [[ -n $p ]] && { port[$name]=$p; return 0; }
        sleep 0.1
    done
    cat "$workdir/$name.log" >&2
    echo "rr-ab: $name did not say its port" >&2
    exit 1
}
cleanup() {
    for n in "${!pid[@]}"; do kill -TERM "${pid[$n]}" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT

# The forklab-master below process $1.
master_of() {
    local p q
    for p in $(ps -e -o pid=,comm= | awk '$2 == "forklab-master" { print $1 }'); do
        q=$p
        while ((q > 1)); do
            q=$(ps -o ppid= -p "$q" | tr -d ' ')
            [[ $q == "$1" ]] && { echo "$p"; return; }
        done
    done
}
# Idle time of all CPUs together, in ticks (the fourth and fifth fields of /proc/stat's `cpu` line: idle, iowait).
idle_ticks() { awk '$1 == "cpu" { print $5 + $6; exit }' /proc/stat; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Times a process has slept and been woken (voluntary context switches, proc(5)).
wakes() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
children_wakes() {
    local s=0 w
    for w in $(ps -o pid= --ppid "$1"); do s=$((s + $(wakes "$w"))); done
    echo "$s"
}
children_ticks() {
    local s=0 w
    for w in $(ps -o pid= --ppid "$1"); do s=$((s + $(ticks "$w"))); done
    echo "$s"
}

start node env WORKERS="$workers" PORT=0 node benches/node-cluster.js
for spec in $BINS; do
    names+=("${spec%%=*}")
    bin=${spec#*=} mode=rr
    [[ $bin == *:* ]] && { mode=${bin##*:}; bin=${bin%:*}; }
    start "${spec%%=*}" "$bin" serve --mode "$mode" --workers "$workers" --port 0
done
if [[ -n ${NGINX:-} ]]; then
    command -v nginx >/dev/null || { echo "rr-ab: NGINX=1 needs nginx" >&2; exit 1; }
    # nginx cannot listen on port 0: take a port no socket on the machine uses.
    while :; do
        p=$((20000 + RANDOM % 30000))
        ss -Htan "sport = :$p" | grep -q . || break
    done
    mkdir -p "$workdir/nginx"
    cat >"$workdir/nginx/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $workdir/nginx/nginx.pid;
error_log $workdir/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$p;
        location / { return 200 "hello from nginx\\n"; }
    }
}
EOF
    names+=(nginx)
    start nginx bash -c "echo listening $p; exec nginx -p '$workdir/nginx' -c '$workdir/nginx/nginx.conf'"
    for ((i = 0; i < 50; i++)); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
fi
for n in "${names[@]}"; do wrk -t2 -c32 -d2s "http://127.0.0.1:${port[$n]}/" >/dev/null 2>&1; done
hz=$(getconf CLK_TCK)
echo "round load server req/s p99 master_us_per_req workers_us_per_req wrk_us_per_req idle_% master_wakes_per_req workers_wakes_per_req"
for ((r = 1; r <= rounds; r++)); do
    for load in close keep-alive; do
        for n in "${names[@]}"; do
            m="" mu=- wu=- mw=- ww=-
            # Node's primary and nginx's master are the child of `timeout`.
            if [[ $n == node || $n == nginx ]]; then m=$(ps -o pid= --ppid "${pid[$n]}" | tr -d ' '); else m=$(master_of "${pid[$n]}"); fi
            [[ -n $m ]] && { m0=$(ticks "$m"); w0=$(children_ticks "$m"); mv0=$(wakes "$m"); wv0=$(children_wakes "$m"); }
            args=(-t2 -c32 "-d${secs}s" --latency)
            [[ $load == close ]] && args+=(-H 'Connection: close')
            i0=$(idle_ticks)
            # wrk's own CPU (user, system seconds) from bash's `time`, around wrk alone.
            wt=$({ TIMEFORMAT='%3U %3S'; time wrk "${args[@]}" "http://127.0.0.1:${port[$n]}/" >"$workdir/wrk.out" 2>&1; } 2>&1)
            i1=$(idle_ticks)
            out=$(<"$workdir/wrk.out")
            rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
            reqs=$(awk '/ requests in / { print $1 }' <<<"$out")
            p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
            if [[ -n $m ]]; then
                m1=$(ticks "$m") w1=$(children_ticks "$m")
                mu=$(awk -v a="$m0" -v b="$m1" -v n="$reqs" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
                wu=$(awk -v a="$w0" -v b="$w1" -v n="$reqs" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
                mw=$(awk -v a="$mv0" -v b="$(wakes "$m")" -v n="$reqs" 'BEGIN { printf "%.2f", (b - a) / n }')
                ww=$(awk -v a="$wv0" -v b="$(children_wakes "$m")" -v n="$reqs" 'BEGIN { printf "%.2f", (b - a) / n }')
            fi
            ku=$(awk -v t="$wt" -v n="$reqs" 'BEGIN { split(t, a, " "); printf "%.1f", (a[1] + a[2]) * 1e6 / n }')
            idle=$(awk -v a="$i0" -v b="$i1" -v s="$secs" -v hz="$hz" -v c="$(nproc)" 'BEGIN { printf "%.0f", (b - a) / hz / s / c * 100 }')
            echo "$r $load $n $rps $p99 $mu $wu $ku $idle $mw $ww"
        done
    done
done
