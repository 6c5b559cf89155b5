#!/usr/bin/env bash
# `forklab watch`'s own cost on a busy machine (issue 15), side by side with htop and ss.
#
# usage: benches/watch.sh [--secs 20] [--conns 10000] [--sleepers 400]
#        FORKLAB_BIN=path/to/forklab benches/watch.sh ...   (that binary, not this tree's build)
#
# Starts --sleepers unrelated `sleep` processes (one process group, bounded at 900 s), a Node
# cluster on loopback that keeps every connection open (benches/watch-server.js) and a client
# holding --conns established connections to it (benches/watch-client.py). Then, one at a
# time, for --secs each, in tmux at 160x45:
#   forklab watch --pid SERVER          at its default refresh (250 ms) and at 1000 ms
#   htop -d 10                          (1 s; htop takes tenths of a second)
#   ss -tnp, once per interval          (the way to see the same connections with their owners)
# CPU is a share of one core (utime + stime over the window, /proc/<pid>/stat; for ss the
# children's times of the loop that runs it), memory VmRSS at the end and VmHWM (the peak).
# Last, attribution: `forklab watch --fire N --concurrency 1` against the server with and
# without the held connections, per connection, and a plain HTTP client's time for the same
# connections (curl is not used: one process per connection would dominate): the difference is
# what attributing costs. Every process started here ends on exit.
set -euo pipefail
secs=20
conns=10000
sleepers=400
while (($#)); do
    case $1 in
        --secs | --conns | --sleepers) declare "${1#--}=$2"; shift 2 ;;
        *) echo "usage: $0 [--secs S] [--conns N] [--sleepers N]" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
# FORKLAB_BIN: measure that binary instead of building this tree's (a before/after comparison).
if [[ -n ${FORKLAB_BIN:-} ]]; then
    bin=$FORKLAB_BIN
else
    cargo build --release -q
    bin=${CARGO_TARGET_DIR:-$PWD/target}/release/forklab
fi
command -v htop >/dev/null || { apt-get install -y -qq htop >&2 || true; }
work=$(mktemp -d)
sock=forklab-bench-watch-$$
sleepers_pid= server_pid= client_pid=
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    [[ -n $client_pid ]] && kill "$client_pid" 2>/dev/null || true
    [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null || true
    [[ -n $sleepers_pid ]] && kill -TERM -- "-$sleepers_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
hz=$(getconf CLK_TCK)
ulimit -n 20000
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
mem() { awk '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "%.1f MiB (peak %.1f MiB)", r / 1024, h / 1024}' "/proc/$1/status"; }
pct() { awk -v t="$1" -v hz="$hz" -v s="$2" 'BEGIN {printf "%.2f", t / hz / s * 100}'; }

# ~400 unrelated processes, in a group of their own.
setsid bash -c "for i in \$(seq $sleepers); do sleep 900 & done; wait" &
sleepers_pid=$!
# The server and the client.
coproc SERVER { NODE_CLUSTER_SCHED_POLICY=rr exec node benches/watch-server.js; }
server_pid=$SERVER_PID
read -r _ port <&"${SERVER[0]}"
mkfifo "$work/hold"
python3 benches/watch-client.py "$port" "$conns" <"$work/hold" >"$work/client" &
client_pid=$!
exec 9>"$work/hold"
for _ in $(seq 600); do grep -q open "$work/client" 2>/dev/null && break; sleep 0.1; done
est=$(ss -tnH state established "( sport = :$port )" | wc -l)
procs=$(ls /proc | grep -c '^[0-9]')
echo "machine: $(nproc) cores, $procs processes, load $(cut -d' ' -f1-3 /proc/loadavg); server pid $server_pid port $port, $est established connections"

measure() { # label, pid to measure
    local t0 t1
    t0=$(ticks "$2")
    sleep "$secs"
    t1=$(ticks "$2")
    printf '%-34s cpu %5s %% of one core   mem %s\n' "$1" "$(pct $((t1 - t0)) "$secs")" "$(mem "$2")"
}
in_tmux() { # label, command
    # The previous leg's server may still be exiting ("server exited unexpectedly"): once more.
    tmux -L "$sock" new-session -d -s b -x 160 -y 45 "$2" 2>/dev/null ||
        { sleep 1; tmux -L "$sock" new-session -d -s b -x 160 -y 45 "$2"; }
    sleep 3
    local pid
    # `exec`: the pane's process is the program itself.
    pid=$(tmux -L "$sock" display-message -p -t b '#{pane_pid}')
    [[ -e /proc/$pid ]] || { echo "$1: did not start" >&2; tmux -L "$sock" kill-server; return; }
    measure "$1" "$pid"
    # forklab's header says how often it read the fd tables on this budget.
    tmux -L "$sock" capture-pane -p -t b | head -1 | grep -o 'every [0-9.]* s.*fds every [0-9.]* s' | sed 's/^/    /' || true
    tmux -L "$sock" kill-server 2>/dev/null || true
}
in_tmux "forklab watch (250 ms, default)" "exec $bin watch --pid $server_pid"
in_tmux "forklab watch (1000 ms)" "exec $bin --refresh 1000 watch --pid $server_pid"
if command -v htop >/dev/null; then in_tmux "htop -d 10 (1000 ms)" "exec htop -d 10"; fi
for iv in 0.25 1; do
    out=$( { bash -c "end=\$((SECONDS + $secs)); while ((SECONDS < end)); do ss -tnp >/dev/null; sleep $iv; done; times" | tail -1; } )
    # `times`' second line: the children's user and system time, as 0m1.234s 0m0.567s.
    cpu=$(awk -v s="$secs" '{gsub(/[ms]/, " "); split($0, a, " "); printf "%.2f", ((a[1] * 60 + a[2]) + (a[3] * 60 + a[4])) / s * 100}' <<<"$out")
    printf '%-34s cpu %5s %% of one core\n' "ss -tnp every ${iv} s" "$cpu"
done

# Attribution: fired connections with and without the held ones.
fire() { # n
    local t0 t1
    t0=$(date +%s%N)
    "$bin" watch --pid "$server_pid" --fire "$1" --concurrency 1 --json >"$work/fire.json"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000 / $1))
}
plain() { # n: the same GET, one connection at a time, with no attribution
    python3 - "$port" "$1" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
t0 = time.perf_counter()
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while not got.endswith(b"ok"):
        got += s.recv(4096)
    s.close()
print(int((time.perf_counter() - t0) * 1e6 / n))
PY
}
with=$(fire 200)
echo "fire 200, $est connections held:      $with µs per connection ($(cat "$work/fire.json"))"
exec 9>&-
wait "$client_pid" 2>/dev/null || true
client_pid=
for _ in $(seq 100); do (($(ss -tnH state established "( sport = :$port )" | wc -l) == 0)) && break; sleep 0.1; done
idle=$(fire 2000)
base=$(plain 2000)
echo "fire 2000, no connections held:  $idle µs per connection ($(cat "$work/fire.json"))"
echo "plain GETs, no attribution:      $base µs per connection"
echo "attribution adds:                $((idle - base)) µs per connection"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
