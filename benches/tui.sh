#!/usr/bin/env bash
# The lesson screen's own cost, measured as issue 3 asks (a benchmark, not a timed test).
#
# usage: benches/tui.sh [--idle 10] [--load 10]
#
# forklab runs in tmux at 160x45 with the accept lesson open and its pool of 4 workers idle;
# it is measured at --refresh 1000 and at the default 250: CPU as a share of one core (utime +
# stime from /proc/<pid>/stat over the idle window), RSS (VmRSS) and the first frame (from the
# process's start, FORKLAB_FRAME_LOG). Then the pool grows to 64 workers and wrk loads it with
# new connections for --load seconds: the frames drawn meanwhile, their cost (p50, p99, max)
# and the connection rate. Every process started here ends on exit.
set -euo pipefail
idle=10
load=10
while (($#)); do
    case $1 in
        --idle | --load) declare "${1#--}=$2"; shift 2 ;;
        *) echo "usage: $0 [--idle S] [--load S]" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
cargo build --release -q
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >&2; }
bin=$PWD/target/release/forklab
work=$(mktemp -d)
cleanup() {
    for r in 1000 250; do tmux -L "forklab-bench-$$-$r" kill-server 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
hz=$(getconf CLK_TCK)

app_pid() { pgrep -f "^$bin --refresh $1" | head -1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
wait_screen() { # pattern, seconds
    for _ in $(seq $(($2 * 10))); do
        tmux -L "$sock" capture-pane -p -t b | grep -q -- "$1" && return 0
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2; tmux -L "$sock" capture-pane -p -t b >&2; return 1
}

echo "| refresh | CPU % of one core (idle pool) | RSS MiB | first frame ms |"
echo "|---:|---:|---:|---:|"
for refresh in 1000 250; do
    sock=forklab-bench-$$-$refresh
    tmux -L "$sock" new-session -d -s b -x 160 -y 45 \
        "FORKLAB_FRAME_LOG=$work/frames-$refresh $bin --refresh $refresh open accept; sleep 600"
    wait_screen "press → to run the first step" 20
    tmux -L "$sock" send-keys -t b Right
    wait_screen "W4 " 30
    sleep 2 # let step 1's burst of connections settle
    pid=$(app_pid "$refresh")
    t0=$(ticks "$pid"); s0=$(date +%s.%N)
    sleep "$idle"
    t1=$(ticks "$pid"); s1=$(date +%s.%N)
    cpu=$(echo "($t1 - $t0) / $hz / ($s1 - $s0) * 100" | bc -l)
    first=$(head -1 "$work/frames-$refresh" | awk '{printf "%.1f", $1 / 1000}')
    printf "| %s ms | %.2f | %s | %s |\n" "$refresh" "$cpu" "$(rss "$pid")" "$first"
    [ "$refresh" = 250 ] || tmux -L "$sock" kill-server
done

# Under load: round-robin (m cycles shared -> exclusive -> blocking -> rr), 64 workers, as many
# new connections a second as wrk can open.
for mode in exclusive blocking rr; do
    tmux -L "$sock" send-keys -t b m
    wait_screen "connections · $mode" 30
done
for _ in $(seq 60); do tmux -L "$sock" send-keys -t b +; sleep 0.05; done
wait_screen "W64" 30
port=$(tmux -L "$sock" capture-pane -p -t b | grep -o '127.0.0.1:[0-9]*' | head -1 | cut -d: -f2)
lines_before=$(wc -l < "$work/frames-250")
rate=$(wrk -t1 -c64 -d"${load}s" -H 'Connection: close' "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}')
frames=$(tail -n +"$((lines_before + 1))" "$work/frames-250")
n=$(echo "$frames" | wc -l)
# pct COLUMN P: the P-quantile (nearest rank) of a column of the frame log, in ms.
pct() { echo "$frames" | awk -v c="$1" '{print $c}' | sort -n | awk -v p="$2" -v n="$n" 'NR == int((n - 1) * p) + 1 {printf "%.2f", $1 / 1000}'; }
echo
echo "64 workers in rr mode under wrk -c64 with Connection: close for ${load}s: $(printf %.0f "$rate") new connections/s, $n frames drawn."
echo
echo "| frame cost | p50 ms | p99 ms | max ms |"
echo "|---|---:|---:|---:|"
echo "| CPU time of the drawing thread | $(pct 3 0.5) | $(pct 3 0.99) | $(pct 3 1.0) |"
echo "| wall time (includes waiting for a core) | $(pct 2 0.5) | $(pct 2 0.99) | $(pct 2 1.0) |"
# Column 4: from an accepted connection reaching the app to the end of the frame that shows it.
frames=$(echo "$frames" | awk '$4 >= 0'); n=$(echo "$frames" | wc -l)
echo "| accepted connection to on screen ($n frames) | $(pct 4 0.5) | $(pct 4 0.99) | $(pct 4 1.0) |"
