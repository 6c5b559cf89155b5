#!/usr/bin/env bash
# The fault suite's load figure: 100,000 connections through every accept mode with 8 workers
# while a random worker is SIGKILLed every 200 ms, with the release build. Prints one line per
# mode; docs/reliability.md quotes a run of it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q 2>/dev/null || cargo build --release --locked
start=$(date +%s.%N)
./target/release/forklab bench --mode all --workers 8 --connections "${1:-100000}" --concurrency 16 \
    --chaos-ms 200 --json >/tmp/forklab-chaos.json
end=$(date +%s.%N)
python3 - "$start" "$end" <<'PY'
import json, sys
d = json.load(open("/tmp/forklab-chaos.json"))
for r in d["runs"]:
    c = r["chaos"]
    ok = r["completed"] + r["failed"] == r["connections"] and sum(r["per_worker"].values()) == r["completed"]
    print(f'{r["mode"]:<10} fired {r["connections"]} completed {r["completed"]} failed {r["failed"]} '
          f'{dict(r["errors"])} {r["conn_per_s"]:.0f} conn/s kills {c["kills"]} reported {c["exits_seen"]} '
          f'respawns {c["respawns"]} gave_up {c["gave_up"]} workers_at_end {c["workers_at_end"]} '
          f'{"exact" if ok else "DRIFT"}')
print(f"total {float(sys.argv[2]) - float(sys.argv[1]):.1f} s")
PY
