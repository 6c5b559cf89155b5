#!/usr/bin/env python3
"""benches/watch.sh's client: open N connections to 127.0.0.1:PORT and hold them, idle, until
stdin closes (or 900 s pass). Prints `open N` once all are established."""
import socket
import sys
import select

port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    held.append(s)
print(f"open {len(held)}", flush=True)
select.select([sys.stdin], [], [], 900)
