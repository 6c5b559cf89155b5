#!/usr/bin/env node
// The reference forklab's pool is measured against: a plain Node `cluster` server, written the
// way Node's docs write it, so the comparison is with what a Node user would actually deploy.
//
//   WORKERS=2 PORT=0 node benches/node-cluster.js
//
// Scheduling is left to Node: round-robin (SCHED_RR, the primary accepts and hands each
// connection to a worker) everywhere but Windows, or whatever NODE_CLUSTER_SCHED_POLICY=rr|none
// says, which the cluster module reads itself when it loads. Setting `cluster.schedulingPolicy`
// here would silently override the caller's choice.
//
// Prints `listening <port>` once every worker listens (with PORT=0 the primary picks one port and
// every worker shares it), and stops all workers on SIGTERM or SIGINT.
'use strict';

const cluster = require('node:cluster');
const http = require('node:http');

const HOST = '127.0.0.1'; // loopback only: this server is for local benchmarks
const workers = parseCount(process.env.WORKERS ?? '2', 'WORKERS', 1);
const port = parseCount(process.env.PORT ?? '0', 'PORT', 0);

function parseCount(text, name, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > 65535) {
    console.error(`node-cluster: ${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

if (cluster.isPrimary) {
  runPrimary();
} else {
  runWorker();
}

function runPrimary() {
  let listening = 0;
  let shuttingDown = false;

  for (let i = 0; i < workers; i++) cluster.fork();

  cluster.on('listening', (_worker, address) => {
    listening += 1;
    // One line, once, and only when the whole pool can take connections, so the benchmark
    // never measures a pool that is still starting.
    if (listening === workers) console.log(`listening ${address.port}`);
  });

  // No respawn: a worker that dies under load would make the figures meaningless, so the
  // benchmark should see the failure (the pool shrinks, the exit is logged) rather than hide it.
  cluster.on('exit', (worker, code, signal) => {
    if (!shuttingDown) {
      console.error(`node-cluster: W${worker.id} pid ${worker.process.pid} exited (code ${code}, signal ${signal})`);
    }
    if (Object.keys(cluster.workers).length === 0) process.exit(shuttingDown ? 0 : 1);
  });

  const shutdown = (sig) => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    // Bounded: a worker stuck in a handler must not keep the benchmark's cleanup waiting.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGKILL');
      process.exit(1);
    }, 3000).unref();
    console.error(`node-cluster: ${sig}, stopping ${Object.keys(cluster.workers).length} workers`);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function runWorker() {
  const name = `W${cluster.worker.id} pid ${process.pid}`;
  const body = `hello from ${name}\n`;
  // Node's http server handles keep-alive and `Connection: close` by itself; the handler adds
  // nothing, so the benchmark measures Node's defaults.
  const server = http.createServer((_req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/plain',
      'Content-Length': Buffer.byteLength(body),
      'X-Worker': name,
    });
    res.end(body);
  });
  server.listen(port, HOST);
  // A worker exits on SIGTERM by default (no handler); it also exits when the primary's IPC
  // channel closes, so a primary killed with SIGKILL does not leave workers behind.
}
