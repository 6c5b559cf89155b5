#!/usr/bin/env bash
# Remakes the pictures and the recording the README shows, with real processes:
# `forklab shot` for the SVG screenshots, and `forklab open --autoplay --record` (in a tmux
# session, since the lesson screen needs a terminal) for the asciicast of the accept lesson.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/forklab

$bin shot fork    --step 3 --size 100x30 --out assets/fork-step3.svg
$bin shot accept  --step 4 --size 100x30 --out assets/accept-step4.svg
$bin shot crash   --step 7 --size 100x30 --out assets/crash-step7.svg
$bin shot daemon  --step 3 --size 100x30 --out assets/daemon-step3.svg
$bin --theme contrast shot cluster --step 2 --size 120x36 --out assets/cluster-step2-contrast.svg

session="forklab-assets-$$"
tmux -L "$session" new-session -d -s "$session" -x 110 -y 34 \
    "$bin open accept --autoplay 3 --size 100x30 --record assets/accept.cast; tmux -L $session wait-for -S done"
tmux -L "$session" wait-for done
tmux -L "$session" kill-server 2>/dev/null || true
echo "assets: $(ls assets)"
