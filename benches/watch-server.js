#!/usr/bin/env node
// benches/watch.sh's server: a Node cluster (2 workers, round-robin) on loopback that keeps
// every connection open until the client closes it, answering each chunk it reads with one
// small HTTP/1.1 response (enough for `forklab watch --fire`, which sends one GET and keeps
// the connection open while it looks for its owner). Prints `listening <port>`.
'use strict';
const cluster = require('node:cluster');
const net = require('node:net');

if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < 2; i++) {
    cluster.fork().on('listening', (addr) => {
      if (++ready === 2) console.log(`listening ${addr.port}`);
    });
  }
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Bounded: a bench that forgot to stop it does not leave it for ever.
  setTimeout(stop, 900_000).unref();
} else {
  net
    .createServer((s) => {
      s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      s.on('error', () => {});
    })
    .listen(Number(process.env.PORT ?? 0), '127.0.0.1');
}
