// A small Node cluster for forklab's watch tests: WORKERS workers (2 by default) serving HTTP
// on PORT (0: one free port, the same for every worker). NODE_CLUSTER_SCHED_POLICY (rr or
// none) picks who accepts. Once every worker listens, the primary prints one JSON line:
// {"ready":true,"port":P,"primary":PID,"workers":[PID,...]}. LISTEN_DELAY_MS holds the
// workers back before they listen (to catch forklab while it waits). HOST is 127.0.0.1 unless
// set: a test server is reachable from this machine only. On SIGUSR2 the primary prints what
// the workers say they served, {"served":{"PID":n,...}}: the server's own count, to check
// forklab's attribution against.
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');

const workers = Number(process.env.WORKERS || 2);
const port = Number(process.env.PORT || 0);
const delay = Number(process.env.LISTEN_DELAY_MS || 0);
const host = process.env.HOST || '127.0.0.1';

if (cluster.isPrimary) {
  const served = {};
  cluster.on('message', (worker, msg) => {
    if (msg && typeof msg.served === 'number') served[worker.process.pid] = msg.served;
  });
  process.on('SIGUSR2', () => console.log(JSON.stringify({ served })));
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) {
      const pids = Object.values(cluster.workers).map((w) => w.process.pid);
      console.log(JSON.stringify({ ready: true, port: address.port, primary: process.pid, workers: pids }));
    }
  });
} else {
  let served = 0;
  const server = http.createServer((_req, res) => {
    served += 1;
    process.send({ served });
    res.end(`hello from ${process.pid}\n`);
  });
  setTimeout(() => server.listen(port, host), delay);
}
