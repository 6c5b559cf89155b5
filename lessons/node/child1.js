/** child1.js */
// The study note's child1.js (seed/, "父子进程"), forked by master.js. Changed from the note:
// `ttp.createServer` is `http.createServer` (the note's typo: it does not run as written), and
// the handler ends its reply with its PID (the note's never answers, so every request hangs).
// Added only for forklab (docs/node.md): the line printed at the top, the two messages to the
// master (`listening` once the server arrived, `served` per request), the fix the lesson turns
// on with `fix=disconnect`, and forklab's lease at the end.
'use strict';
console.log(`child1.js: from the top, pid ${process.pid} ppid ${process.ppid}`);
const http = require('http');
const worker = http.createServer((req, res)=>{
    // ppid在node指定版本才引入 低版本可能为undefined
    console.log(process.pid, process.ppid);
    process.send({ forklab: 'served' });
    res.end(`served by pid ${process.pid} (child1.js)\n`);
});

process.on('message', (type, tcp)=>{
    if(type==='server') {
        // connection是在新的链接建立时触发
        tcp.on('connection', (socket)=>{
            worker.emit('connection', socket);
        })
        process.send({ forklab: 'listening' });
    }
})

// The fix: when the master's end of the IPC channel closes (the master died), go too.
if (process.argv.includes('fix=disconnect')) {
  process.on('disconnect', () => process.exit(0));
}

// forklab's lease (as its daemon holds one): nothing forklab started may outlive it. An orphan of
// this lesson is re-parented to forklab (`lease=PID`), a subreaper; once its parent is neither
// the master nor forklab, forklab is gone (even SIGKILLed) and this child goes too. Not part of
// the note.
const lease = Number((process.argv.find((a) => a.startsWith('lease=')) || '=0').split('=')[1]);
const parent = process.ppid;
if (lease) {
  setInterval(() => {
    if (process.ppid !== parent && process.ppid !== lease) process.exit(1);
  }, 200).unref();
}
