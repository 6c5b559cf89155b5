/** master.js */
// The study note's master.js (seed/, "父子进程"), as forklab runs it with `do: node master ...`:
//
//   node master.js CONTROL_FILE workers=N [fix=disconnect] lease=PID
//
// The note's lines are below with three changes: it listens on 127.0.0.1 on a port the kernel
// picks (the note: `server.listen(8090)` on every interface; forklab listens on loopback only,
// and lessons run side by side), so it forks in listen's callback, once the socket exists (a
// listen with a host name returns before it does; Node's docs send a server the same way);
// and it forks `workers` children (the note forks one), passing the options on. forklab starts
// it in this file's directory, so the note's `fork('./child1.js')` finds child1.js.
// Added only to drive it (docs/node.md): a control port on 127.0.0.1, written to CONTROL_FILE,
// that reports the children, forks one more on request, and closes the master's own copy of the
// server on request.
'use strict';
const fork = require('child_process').fork;
const net = require('net');

const server = net.createServer();
const [controlFile, ...words] = process.argv.slice(2);
const opt = Object.fromEntries(words.map((w) => w.split('=')));
const children = [];
server.listen(0, '127.0.0.1', () => {
  for (let i = 0; i < Number(opt.workers || 1); i++) {
    const worker = fork('./child1.js', words);
    worker.send('server', server);
    watch(worker, i + 1);
  }
});

// ---- added for forklab: what the children tell, and the control port ----
const exits = [];
function watch(worker, id) {
  const c = { id, worker, listening: false, served: 0 };
  children.push(c);
  worker.on('message', (msg) => {
    if (msg && msg.forklab === 'listening') c.listening = true;
    if (msg && msg.forklab === 'served') c.served++;
  });
  worker.on('exit', (code, signal) => exits.push({ id, pid: worker.pid, code, signal }));
}
let port = 0;
server.on('listening', () => { port = server.address().port; });
const state = () => ({
  primary: process.pid,
  sched: '', // not Node's cluster: no scheduling policy
  port,
  respawn: false,
  workers: children
    .filter((c) => c.worker.exitCode === null && c.worker.signalCode === null)
    .map((c) => ({ id: c.id, pid: c.worker.pid, listening: c.listening, served: c.served })),
  exits,
  listening: server.listening,
});
const control = require('http').createServer((req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body) + '\n');
  };
  switch (new URL(req.url, 'http://127.0.0.1').pathname) {
    case '/__forklab/state':
      return reply(200, state());
    case '/__forklab/fork': {
      // The note's two lines once more: another child, given the same server.
      const worker = fork('./child1.js', words);
      worker.send('server', server);
      watch(worker, children.length + 1);
      return reply(200, state());
    }
    case '/__forklab/close':
      // The master's own copy of the listening socket; the children's copies stay open.
      server.close();
      return reply(200, state());
    default:
      return reply(404, { error: 'unknown route' });
  }
});
control.listen(0, '127.0.0.1', () => {
  // 'wx': O_EXCL, and 0600, as every file in forklab's runtime dir.
  require('fs').writeFileSync(controlFile, `${control.address().port}\n`, { flag: 'wx', mode: 0o600 });
});
