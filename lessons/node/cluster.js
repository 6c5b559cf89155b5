// forklab's Node cluster program (lessons/node/cluster.js), built into forklab and run with the
// `node` found on PATH by `do: node cluster workers=N sched=rr|none`:
//
//   node cluster.js CONTROL_FILE workers=N sched=rr|none lease=PID   (lease: forklab's pid, unused here)
//
// The primary forks N workers with Node's own `cluster`; each worker serves HTTP on one shared
// port and answers every request with its PID. The primary also listens on a control port of
// its own (loopback, written to CONTROL_FILE as `PORT\n` once it listens); forklab's runner
// drives the program through it. The routes are documented in docs/node.md.
'use strict';

const cluster = require('node:cluster');
const http = require('node:http');
const fs = require('node:fs');

const [controlFile, ...words] = process.argv.slice(2);
const opt = Object.fromEntries(words.map((w) => w.split('=')));

if (cluster.isPrimary) {
  primary();
} else {
  worker();
}

function primary() {
  // Documented: set before the first fork (`NODE_CLUSTER_SCHED_POLICY` says the same).
  cluster.schedulingPolicy = opt.sched === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  const exits = [];
  const served = new Map();
  let port = 0;
  let respawn = false;

  cluster.on('listening', (w, address) => {
    port = address.port;
    w.forklabListening = true;
  });
  cluster.on('message', (w, msg) => {
    if (msg && msg.forklab === 'served') served.set(w.id, (served.get(w.id) || 0) + 1);
  });
  // Node's cluster respawns nothing: this handler is the whole of it, and only with respawn on.
  cluster.on('exit', (w, code, signal) => {
    exits.push({ id: w.id, pid: w.process.pid, code, signal });
    if (respawn) cluster.fork();
  });
  for (let i = 0; i < Number(opt.workers || 2); i++) cluster.fork();

  const state = () => ({
    primary: process.pid,
    sched: cluster.schedulingPolicy === cluster.SCHED_NONE ? 'none' : 'rr',
    port,
    respawn,
    workers: Object.values(cluster.workers).map((w) => ({
      id: w.id,
      pid: w.process.pid,
      listening: Boolean(w.forklabListening),
      served: served.get(w.id) || 0,
    })),
    exits,
  });

  const control = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const w = cluster.workers[url.searchParams.get('worker')];
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body) + '\n');
    };
    switch (url.pathname) {
      case '/__forklab/state':
        return reply(200, state());
      case '/__forklab/respawn':
        respawn = url.searchParams.get('on') === '1';
        return reply(200, state());
      case '/__forklab/busy':
      case '/__forklab/throw':
      case '/__forklab/exit':
      case '/__forklab/close': {
        if (!w) return reply(404, { error: 'no such worker' });
        const cmd = url.pathname.slice('/__forklab/'.length);
        w.send({ forklab: cmd, ms: Number(url.searchParams.get('ms') || 0), code: Number(url.searchParams.get('code') || 0) });
        return reply(200, { sent: cmd, worker: w.id, pid: w.process.pid });
      }
      case '/__forklab/disconnect':
        if (!w) return reply(404, { error: 'no such worker' });
        w.disconnect();
        return reply(200, { sent: 'disconnect', worker: w.id, pid: w.process.pid });
      default:
        return reply(404, { error: 'unknown route' });
    }
  });
  control.listen(0, '127.0.0.1', () => {
    // 'wx': O_EXCL, and 0600, as every file in forklab's runtime dir.
    fs.writeFileSync(controlFile, `${control.address().port}\n`, { flag: 'wx', mode: 0o600 });
  });
}

function worker() {
  const server = http.createServer((req, res) => {
    process.send({ forklab: 'served' });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`served by pid ${process.pid} (worker ${cluster.worker.id})\n`);
  });
  // Port 0 in a cluster: every worker is given the same port, chosen once by the primary.
  server.listen(Number(opt.port || 0), '127.0.0.1');
  process.on('message', (msg) => {
    if (!msg || !msg.forklab) return;
    switch (msg.forklab) {
      case 'busy': {
        // Synchronous: the event loop answers nothing (not even the primary) until it ends.
        const end = Date.now() + msg.ms;
        while (Date.now() < end);
        break;
      }
      case 'throw':
        setImmediate(() => {
          throw new Error('forklab asked this worker to throw');
        });
        break;
      case 'exit':
        process.exit(msg.code);
        break;
      case 'close':
        // A graceful stop: no new connections; idle keep-alive ones closed now.
        server.close();
        server.closeIdleConnections();
        break;
    }
  });
}
