# forklab's interface in English. Every key here must exist in zh.ftl (a unit test checks it).
# Message ids are kebab-case; arguments are { $name }.

## Errors a user can meet
unknown-lesson = unknown lesson `{ $id }`; the lessons are: { $ids }
not-linux = this lab runs real Linux processes and needs Linux (fork, epoll, /proc)
no-lessons-in = no lessons in `{ $dir }`; expected `*.md` lesson files
reading-lessons-from = reading lessons from `{ $dir }`
reading-lesson = reading lesson `{ $path }`
not-a-regular-file = `{ $path }` is not a regular file; expected a lesson file
translation-without-lesson = { $file }: no lesson has the id `{ $id }`; a translation needs its English lesson
translation-drifts = { $file } does not run as { $english } does: { $why }
drift-field = its { $field } is { $translated }, the English lesson's { $english }
drift-step = step { $step } (line { $line }) has `{ $translated }` where the English lesson has `{ $english }`
drift-step-ends = nothing more

## Keys: what each key does (help, key bar)
action-quit = quit
action-leave = back to the lessons, or quit
action-help = this help
action-close = close
action-choose = choose
action-open = open
action-next = next step (runs it the first time)
action-back = previous step (re-reads, does not re-run)
action-focus = move focus between narration and panes
action-scroll = scroll the focused pane, or select a process
action-page = page the narration and what happened, or a zoomed pane
action-zoom = zoom the focused pane to the full screen, and back
action-unzoom = leave the zoom
action-freeze = freeze the display (the processes go on), and thaw
action-signal-menu = send the selected process a signal
action-menu-move = choose a signal
action-send-signal = send the signal
action-fire = fire 1, 10 or 100 connections at the pool
action-fire-again = fire as many again
action-workers = one worker more or fewer
action-next-mode = next accept mode (restarts the pool)
action-predict = predict
action-run-without-guess = run without a guess
action-restart = after the lab ended: a fresh lab, at this step

## Help and the signal menu
signal-menu-title = signal { $target }
signal-menu-footer = Enter sends, Esc cancels
help-title = keys
help-colours-1 = A process that exited stays 10 s with its status: dim after exit 0,
help-colours-2 = red when a signal or an error ended it. A new process is green for 3 s.
help-colours-3 = The counts are what the workers reported.

## The picker and the lesson screen
too-small = forklab needs a terminal of at least 80x24
too-small-this-one = this one is { $width }x{ $height }: enlarge it, or run a lesson with `forklab play <lesson>`
too-small-this-lesson = this one is { $width }x{ $height }: enlarge it, or run this lesson without the screen: `forklab play { $id }`
too-small-quit = q or Ctrl-C quits
picker-tagline = multi-process servers with real processes: pick a lesson
picker-title = lessons
picker-needs-node = needs node: { $how }
key-choose = choose
key-open = open
key-help = help
key-quit = quit
key-fresh-lab = fresh lab
key-back = back
key-keys = keys
key-predict = predict
key-run-without-guess = run without a guess
key-next = next
key-fire = fire
key-again = again
key-page = page
key-signal = signal
key-focus = focus
key-workers = workers
key-mode = mode
key-zoom = zoom
key-freeze = freeze
key-sideways = move the table
key-unzoom = unzoom
mark-frozen = FROZEN (f thaws)
mark-autoplay = autoplay
mark-running = (running…)
intro = intro
step-of = step { $n }/{ $m }
press-to-run-first = press { $key } to run the first step
step-already-ran = this step already ran: going back re-reads it, the processes go on as they are now
predict-with = predict with { $keys }, then the step runs and shows what happened { $dot } { $key } runs it without a guess
predict-with-next = predict with { $keys }, then the next question { $dot } { $key } skips this one

## play's transcript (its --json stays English)
conn-served = connection { $conn } served by { $worker } in { $us } µs
conn-failed = connection { $conn } failed
no-choice-happened = none of the choices happened
summary-error = stopped with an error: { $error }
summary = { $steps ->
    [one] 1 step
   *[other] { $steps } steps
}, { $passed ->
    [one] 1 expect
   *[other] { $passed } expects
} held, { $failed } failed
info-pool = pool ready: { $workers ->
    [one] 1 worker
   *[other] { $workers } workers
} in { $mode } mode on http://127.0.0.1:{ $port }/
info-load = load running: { $connections } connections, { $concurrency } at a time; { $flowing } done so far
info-failed-conns = failed connections: { $list }
info-sent = { $messages ->
    [one] 1 message crossed the channels
   *[other] { $messages } messages crossed the channels
}: { $bytes } bytes, { $fds ->
    [one] 1 fd attached
   *[other] { $fds } fds attached
}
pidfile-removed = removed
pidfile-still-there = still there
info-daemon-stopped = reaped by forklab (pid { $reaper }); pidfile { $pidfile }
info-queue-handshakes = { $done ->
    [one] 1 handshake
   *[other] { $done } handshakes
} completed, { $timed_out } got no answer within 300 ms; { $queued ->
    [one] 1 waits
   *[other] { $queued } wait
} in the accept queue
info-queue = { $queued ->
    [one] 1 connection waits
   *[other] { $queued } connections wait
} in the accept queue
info-zombie = { $alias } pid { $pid } is a zombie: state Z in /proc/{ $pid }/stat, its exit status kept for its parent
info-terminal-made = forklab has no terminal: it now leads a session of its own with a pseudo-terminal, { $tty }, so that the daemon is born with a terminal to lose
info-terminal-not-made = forklab has no terminal and could not make one ({ $why }): the daemon has none to lose
pty-group-leader = forklab leads its process group, and setsid(2) fails with EPERM in a group leader
info-tree = process tree:
info-also-held-by = also held by { $holders }

## Messages of the lesson screen
out-error = error: { $error }
log-step-failed = step { $n } failed: { $error }
msg-directive-failed = `{ $text }` failed: { $error }
msg-directive-done = `{ $text }` done
msg-lab-ended = the lab ended: { $error }; r starts a fresh one at this step
log-lab-ended = the lab ended: { $error }
none-of-the-choices = none of the choices
you-predicted-it = you predicted it
you-predicted = you predicted { $choice }
msg-fresh-lab = a fresh lab
msg-fresh-lab-rerun = { $n ->
    [one] a fresh lab: step 1 runs again
   *[other] a fresh lab: steps 1 to { $n } run again
    }
msg-frozen = the display is frozen, the processes go on: f thaws it
msg-press-to-predict = press a–{ $last } to predict, or → to run the step without a guess
msg-lab-has-ended = the lab has ended; r starts a fresh one, q goes back
msg-no-pool-yet = no pool runs yet: step forward (→) to start the lesson's workers
msg-no-pool = this lesson runs no pool of workers, so there is nothing to fire at, scale or switch modes of here; the accept and cluster lessons have one
msg-running = running `{ $directive }`
msg-select-live = select a live worker or the master to signal (not { $alias })
msg-still-running = the step is still running
msg-lesson-complete = lesson complete: q goes back to the lessons
msg-lesson-complete-quit = lesson complete: q quits forklab
no-tty = the lesson screen needs a terminal (stdin and stdout are not one); run a lesson without one with `forklab play <lesson>`

## notes and doctor
notes-name = notes
notes-waiting = waiting for the lesson screen: run `forklab open { $id }` in another terminal
notes-on-picker = the lesson screen is on the lesson picker
notes-elsewhere = the lesson screen shows `{ $other }`; these notes are for `{ $id }`
notes-intro = intro: the lesson has not started
notes-none = (no notes for this step)
notes-next = next: step { $n }
notes-last = this is the last step
doctor-ok = ok
doctor-missing = MISSING
doctor-warning = warning
doctor-verdict = { $failed ->
    [0] all required checks passed
    [one] 1 required check failed
   *[other] { $failed } required checks failed
    }

## Errors of the lab
port-in-use = port { $port } is in use on 127.0.0.1; choose another with --port, or --port 0 to let forklab pick a free one
port-taken = port { $port } is in use on 127.0.0.1
lesson-port-in-use = port { $port } is in use on 127.0.0.1; the lesson asks for it (`port = { $port }` under `[setup]` in its front matter): choose another there, or 0 to let forklab pick a free one

## More of the transcript and the screen
what-happened = what happened
more-above = more above, PgUp
more-below = more below, PgDn
fired = fired { $fired ->
    [one] 1 connection
   *[other] { $fired } connections
} at { $mode } mode: { $completed } completed, { $failed } failed, { $rate } conn/s
last-served-by = last served by { $worker }
info-work = work done by { $names }: { $threads ->
    [one] 1 thread
   *[other] { $threads } threads
} (TIDs { $tids })
    CPU { $cpu } s in { $wall } s = { $cores } cores busy; per core: { $per_core }
info-fds = /proc/{ $pid }/fd of { $target }:
info-node = node { $program } (sched { $sched }) on http://127.0.0.1:{ $port }/: primary pid { $primary }, { $workers }
info-node-unscheduled = node { $program } on http://127.0.0.1:{ $port }/: primary pid { $primary }, { $workers }
info-syscalls-none = strace on pid { $pid } saw nothing: { $why }
info-syscalls = strace on pid { $pid }:
starting-thread = starting the { $name } thread
size-does-not-fit = --size { $w }x{ $h } does not fit this terminal ({ $tw }x{ $th }); enlarge it or ask for a smaller size

## The panes
pane-processes = processes
pane-cores = cores
pane-connections = connections
pane-events = events
pane-ipc = ipc
pane-more-above = more above
pane-more-below = more below
no-events-yet = no events yet
no-messages-yet = no messages yet
no-processes-yet = no processes yet
select-process-for-fds = select a process ({ $arrows }) to see its fds
no-open-fds = no open fds
# The workers count what they accept: connections may wait in the accept queue meanwhile.
no-connections = no connection accepted yet
no-connections-yet = none accepted yet { $dash } press c to fire
bars-hidden = { $n ->
    [one] +1 bar not shown
   *[other] +{ $n } bars not shown
    }
bars-hidden-zoom = { $n ->
    [one] +1 bar not shown · z zooms
   *[other] +{ $n } bars not shown · z zooms
    }
accepted-from-any = accepted { $total }, from any client
tally = last fire: { $fired }{ $dot }completed { $completed }{ $dot }
tally-short = last fire: { $fired }{ $dot }
tally-failed = failed { $failed }
tally-since = since the pool started: { $fired }{ $dot }completed { $completed }{ $dot }failed { $failed }
tally-since-short = { $fired } since the pool started
no-samples-yet = no samples yet
step-heading = step { $n }/{ $m }: { $title }

## Merged from main: holding, idle, wide tables, syscalls
info-holding = holding { $idle ->
    [one] 1 idle keep-alive connection
   *[other] { $idle } idle keep-alive connections
} and { $slow ->
    [one] 1 request whose reply waits
   *[other] { $slow } requests whose replies wait
} { $ms } ms
info-idle-ended = idle connections: { $graceful } closed by the server (end of file), { $reset } reset, { $open } still open
action-side = zoomed narration: a wide table sideways
action-syscalls = syscalls of the lab's processes (strace -f), and off
key-syscalls = syscalls
key-syscalls-off = syscalls off
table-sideways = ←/→ move the table sideways
table-wide = wide table: z, then ←/→
msg-nothing-to-trace-ended = the lab has ended: no process to trace; r starts a fresh one
msg-nothing-to-trace-yet = no lab process runs yet to trace: step forward (→) to start them
latest = latest
latest-of = latest { $range } of { $all }
latest-kept = latest { $range } of the { $all } kept ({ $fired } fired)
latest-kept-short = latest { $range } of { $all } kept
aside = { " " }({ $text })
# What was seen, after a checked `expect:` or a question's answer.
expect-detail = {"  "}({ $detail })
clause-sep = { "; " }
list-sep = { ", " }
fds-also = also { $holders }
fds-also-some = also { $holders } +{ $more }
fds-also-count = also +{ $n }
fds-more-below = +{ $b } more below { $down }
fds-more-above = { $up } { $a } more above
fds-above-and-below = { $up } { $a } above, +{ $b } more below { $down }

## The glossary and the language switch
glossary-fork = A new node process that runs the script from the top (it does not clone the caller); the IPC channel is a Unix socketpair, fd 3 in the child by default (the stdio option can put it elsewhere).
glossary-send-handle = The handle rides beside a JSON message as SCM_RIGHTS: the receiver gets a new fd number for the same socket (句柄传递).
glossary-worker-listen = The worker opens no socket: it asks the primary over IPC. In round-robin mode the primary holds the only listener; in SCHED_NONE it sends the listener itself.
glossary-listen = One listening socket; the event loop (libuv) waits on it with epoll.
glossary-rr = The primary accepts each connection and hands it to a free worker; a worker busy in a synchronous loop answers nothing, so it gets at most the one it was handed while still free.
glossary-sched-none = Every worker holds the one listener and the kernel decides who accepts: uneven in Node's own words (惊群 with epoll).
glossary-reuseport = A socket per process on one port; the kernel hashes each connection's 4-tuple to one of them. The option came after Node 20 (nodejs/node PR 55408): Node 20 ignores it.
glossary-exit = The kernel tells the parent with SIGCHLD; libuv reaps the child with waitpid, which says exit code or signal.
glossary-kill = Sends the signal to the child's PID.
glossary-detached = libuv calls setsid() in the child: a new session with no controlling terminal (守护进程; Chinese texts use the word for a supervisor too).
glossary-title = glossary: Node API → system calls
glossary-footer = g, Esc or q closes
action-glossary = on the lesson picker: the glossary, Node API → system calls
action-language = on the lesson picker: switch the language (English, 中文)
key-glossary = glossary
key-language = language
picker-language = language: { $name }

## The lab's events
ev-spawned = started as { $role } (ppid { $ppid })
ev-how-opened = opened
ev-how-inherited = inherited across fork()
ev-how-received = received over SCM_RIGHTS
ev-how-reuseport = opened its own (SO_REUSEPORT)
ev-listening = listening on 127.0.0.1:{ $port }  fd { $fd } -> socket:[{ $inode }]  ({ $how })
ev-fd-passed = passed { $what } fd { $fd } (socket:[{ $inode }]) to { $to } over SCM_RIGHTS
ev-accepted = accepted { $n } { $n ->
        [one] connection
       *[other] connections
    } ({ $total } in all)
ev-pool-ready = pool ready: { $workers ->
    [one] 1 worker
   *[other] { $workers } workers
}, mode { $mode }, http://127.0.0.1:{ $port }/
ev-pool-stopped = pool stopped
ev-stats = stats: { $accepted ->
    [one] 1 connection
   *[other] { $accepted } connections
}, { $requests ->
    [one] 1 request
   *[other] { $requests } requests
}, { $empty ->
    [one] 1 empty wake-up
   *[other] { $empty } empty wake-ups
}, { $voluntary ->
    [one] 1 voluntary context switch
   *[other] { $voluntary } voluntary context switches
}
ev-exited-code = exited with code { $code }
ev-killed-core = killed by { $signal } (core dumped)
ev-killed = killed by { $signal }
ev-exited = exited
ev-respawning-now = respawning now
ev-respawning = respawning in { $delay } ms ({ $restarts ->
    [one] 1 quick crash
   *[other] { $restarts } quick crashes
} in a row)
ev-gave-up = crash loop: gave up after { $restarts ->
    [one] 1 quick restart
   *[other] { $restarts } quick restarts
}
ev-signaled = got { $signal } from { $by }
ev-error = error: { $message }
ev-crash-ordered = told to crash ({ $how }) holding { $open ->
    [one] 1 open connection
   *[other] { $open } open connections
}
ev-hung = missed heartbeats for { $ms } ms: hung, killing it
ev-round-trip = , round trip { $us } µs
ev-message = message { $from } -> { $to }: { $what }, { $bytes ->
    [one] 1 byte
   *[other] { $bytes } bytes
}, { $fds ->
    [one] 1 fd
   *[other] { $fds } fds
}{ $rtt }
ev-handle-got = got a handle: fd { $fd } -> socket:[{ $inode }]
ev-worker-ready = ready: its event loop answered
ev-retiring = told to stop: { $by } is ready in its place
ev-rolled = rolling restart done: { $replaced ->
    [one] 1 worker
   *[other] { $replaced } workers
} replaced
ev-threads = { $n ->
    [one] 1 thread
   *[other] { $n } threads
}, TIDs { $tids }
ev-work-done-one = worked { $ms } ms on one thread
ev-work-done = worked { $ms } ms on each of { $threads } threads
ev-counter-shared = the shared counter
ev-counter-own = its own copy of the counter
ev-counter = thread { $tid } sees { $what } = { $value }
ev-cost = measured { $what }: { $figures }
ev-heartbeat = heartbeat
ev-took = took the connection it was handed
ev-pong = pong { $seq }
ev-ack = ack { $what }
ev-relay-out = asks the master to relay a message to { $to }
ev-reaped = reaping again: read { $signals } SIGCHLD, waitpid collected { $children } { $children ->
        [one] child
       *[other] children
    }
ev-received = received { $what }: { $bytes ->
    [one] 1 byte
   *[other] { $bytes } bytes
}, { $fds ->
    [one] 1 fd
   *[other] { $fds } fds
}

## Shots and recordings
shot-step-range = lesson `{ $id }` has { $steps } steps; --step takes 0 (the intro) to { $steps }
shot-size-small = --size { $w }x{ $h } is below the lesson screen's smallest, { $mw }x{ $mh }
stopped-by = stopped by { $signal }
shot-timeout = the lesson did not reach step { $step } within { $secs }s
shot-lab-ended = the lab ended before step { $step }: { $error }
cast-marker = step { $n }: { $title }
cast-creating = creating the recording { $path }
cast-writing = writing the recording { $path }

## serve and play
serve-running = { $workers ->
    [one] 1 worker
   *[other] { $workers } workers
} in { $mode } mode on http://127.0.0.1:{ $port }/  (try: curl -si http://127.0.0.1:{ $port }/ ; Ctrl-C stops)
serve-stopping = { $signal } received, stopping the pool
master-ended = the master ended unexpectedly
lesson-needs-node = lesson { $id } needs node: { $how }

## list
list-untranslated = (not yet translated)

## The lesson engine (i18n-checks): what an expect saw, a directive's errors, the lesson parser's errors
check-metric-is = { $metric } is { $value }{ $why }
check-metric-unknown = { $metric } is not known yet{ $why }
check-metric-cores = { $metric } is { $value }; this machine has { $cores } cores{ $why }
check-hung = { $alias } was caught by a missed heartbeat
check-not-hung = { $alias } was not caught by a missed heartbeat
check-gave-up = the master gave up on { $alias } after { $n ->
    [one] 1 quick restart
   *[other] { $n } quick restarts
}
check-not-gave-up = the master did not give up on { $alias }
check-handle = sent socket:[{ $sent }], received as fd { $fd } -> socket:[{ $got }]
check-no-handle = no handle was sent
check-no-node-fork = no `node fork` was traced
check-strace-nothing = strace saw nothing: { $why }
check-scm-rights = sendmsg({ $fd }, ...) passed { $fds } with SCM_RIGHTS
check-no-scm-rights = { $calls } sendmsg() calls, none with an fd attached
check-no-listener-on-port = { $alias } (pid { $pid }) holds no listener on the port
check-no-process = no process `{ $alias }`
check-served-last-fire = { $alias } served { $n } of the last fire
check-field-is = { $alias } { $field } is { $value }
check-no-fire = no connections were fired yet
check-not-running = { $alias } is not running
check-accounted = fired { $fired }, completed { $completed }, failed { $failed }; connections by the worker that answered add up to { $by_worker }; workers counted { $accepted } accepts
check-sticky-none = none of the { $fired } connections carried more than one request
check-sticky = { $kept } of { $fired ->
    [one] 1 connection carried
   *[other] { $fired } connections carried
} several requests, { $each }; { $switched } had replies from more than one worker
check-sticky-each = { $n } each
check-sticky-range = { $fewest } to { $most } each
check-not-exited = { $alias } has not exited
check-exited-code = { $alias } exited with code { $code }
check-killed-by = { $alias } was killed by { $signal }
check-ended = { $alias } ended
check-still-alive = { $alias } is still pid { $pid }, alive
check-pid-changed = { $alias } was pid { $pid } and is not any more
check-not-running-before = { $alias } was not running before
check-served-share = { $alias } served { $n } of { $completed } (an even share is { $even }): { $shares }
check-not-measured = { $what } was not measured
check-no-figure = { $what } has no figure `{ $name }`
check-figure-is = { $figure } is { $value }
check-figure-times = { $figure } is { $value }, times { $times } is { $scaled }
check-no-work = no work was run
check-cores-used = the work's processes used { $used } cores of { $cores }
check-cores-busy-others = the machine was busy, other programs used { $others } cores meanwhile
check-cores-not-parallel = its threads did not run on every core at once (other programs used { $others })
check-cores-why = { $got }: { $why }
check-why-no-cpu = no process used the CPU
check-why-cpu-time = CPU time charged: { $each }
check-why-short = { $each } told to work, charged too little to count
check-why-delays = starts seen after the crash, each after a wait of: { $delays } ms
check-why-crossed = counted by the receivers: { $got } arrived carrying { $fds ->
    [one] 1 fd
   *[other] { $fds } fds
}; the master logged { $sent } sent to workers
check-why-order = reported in this order: { $order }
check-why-visits = each worker's count: { $each }; { $completed } visits completed
check-why-no-visits = no reply carried a visit count
check-why-workers = the live worker children of { $who } in /proc: { $pids }
check-none = none
check-rolled-early = { $alias } told to stop before { $successor } was ready
check-rolled-not-clean = { $alias } did not exit with code 0
check-rolled-no-idle = no idle keep-alive connection was open to drain
check-rolled-idle-lost = of the idle keep-alive connections, { $reset } were reset and { $open } still open
check-rolled-load-ended = the load had ended before the restart did
check-rolled-under-load = , under load
check-rolled = { $replaced ->
    [one] 1 worker
   *[other] { $replaced } workers
} replaced{ $load }, each after its successor was ready; each old one exited 0; their { $idle ->
    [one] 1 idle keep-alive connection
   *[other] { $idle } idle keep-alive connections
} closed with a FIN, none reset
check-no-crash-load = no load ran across a crash
check-lost-channel = { " " }and at most { $n } more in its channel
check-lost-only-held = the client's records: { $failed } failed, { $elsewhere } of them after replies from another worker; { $alias } held { $held ->
    [one] 1 TCP connection
   *[other] { $held } TCP connections
    } just before it died{ $channel }
check-no-pidfile = no pidfile was written
check-missing = { $path } is missing
check-pidfile = { $path } mode { $fmode } in a directory of mode { $dmode }, holds pid { $pid }, flock held by { $lockers }
check-nobody = nobody
check-no-live-process = no live process `{ $alias }`
check-the-master = the master
check-the-node-master = the Node master
check-fd3-stream = ; fd 3 is a Unix stream socket (`u_str` in `ss -x`), and that process holds its other end
check-its-own-pid = its own pid
check-proc-fact = { $target } { $field } is { $actual }, { $rel } { $want }{ $named }
check-tty-none-before = ; it had none before `{ $step }` either: forklab runs without a terminal, so there was none to lose
check-tty-lost = ; it was { $was } before `{ $step }`: it lost its controlling terminal
check-tty-lost-earlier = ; it had none before `{ $step }` either: it lost forklab's terminal ({ $tty }) at an earlier step
check-no-listener = no process reported a listener
run-no-pool = no pool is running; a `do: spawn` must come first
run-throw-needs-node = `how=throw` is a JavaScript exception: it needs a Node program (`do: node ...`)
run-no-process-to-signal = no live process `{ $alias }` to signal
run-sending-signal = sending { $signal } to { $alias } (pid { $pid })
run-counting-connections = counting the TCP connections { $alias } (pid { $pid }) holds
run-load-ended-early = the load ended before it was flowing; give `load` more connections
run-no-load = no load is running; a `do: load` must come first
run-cost-runs-in = `cost { $what }` runs in { $target }
run-no-pidfile = the daemon wrote no pidfile; `daemon pidfile` comes first
run-reading-pidfile = reading the pidfile `{ $path }`
run-pidfile-holds = the pidfile `{ $path }` holds `{ $text }`
run-not-the-daemon = pid { $pid } from `{ $path }` is `{ $comm }`, not the daemon; not signalling it
run-sigterm-daemon = sending SIGTERM to the daemon (pid { $pid })
run-daemon-did-not-end = the daemon (pid { $pid }) did not end within { $secs } s of SIGTERM
run-connecting-to = connecting to { $addr }
run-connecting-idle = connecting an idle keep-alive connection
run-reading-idle-reply = reading the reply on an idle connection
run-reply-cut = the connection closed before its reply was whole
run-drain-blocking = a blocking worker sits in accept() and reads no message; `drain` needs an event-loop mode
run-hold-blocking = a blocking worker serves one connection at a time; `hold` needs an event-loop mode
run-connecting-slow = connecting a slow request
run-held-not-accepted = the workers accepted { $accepted } of the { $want } held connections
run-nothing-held = nothing is held; a `do: hold` must come first
run-not-a-zombie = { $alias } (pid { $pid }) is in state { $state }, not a zombie, { $within } after the signal
facts-no-fd = no fd { $fd }
facts-not-unix = not a Unix socket ({ $target })
facts-not-stream = a Unix { $kind } socket, not a stream
facts-no-peer = a Unix stream socket with no peer
facts-peer-outside = socket:[{ $peer }], held by no process of forklab's tree
node-no-visit = `visit` counts in forklab's workers; the Node program has no `/visit`
node-not-running = no Node program is running; a `do: node PROGRAM` must come first
node-not-a-worker = `{ $target }` is not a worker of the Node program
node-no-live-worker = no live Node worker `{ $target }`
node-crash-how = a Node worker crashes with how=throw or how=exit, not how={ $how }
node-ended = the Node program ended
node-no-child = no child after the fork
node-worker-did-not-end = Node worker pid { $pid } did not end within { $secs } s
doc-too-large = file is larger than 256 KiB; expected a lesson of at most { $max } bytes
doc-nul-byte = not a text lesson: the file contains a nul byte
doc-not-utf8 = not a text lesson: the bytes at offset { $at } are not valid utf-8
doc-no-front-matter = expected the file to start with a line `+++` opening the front matter, found `{ $found }`
doc-empty = the file is empty; expected a line `+++` opening the front matter
doc-front-matter-open = the front matter opened here is never closed; expected a line that is exactly `+++` after it
doc-front-matter = in the front matter: { $error }
doc-id-mismatch = id `{ $id }` does not match the file name; expected `{ $stem }`
doc-key-empty = `{ $key }` is empty; expected some text
doc-pane-twice = pane `{ $pane }` is listed twice in `panes`
doc-nested = block quotes and lists nested { $depth } deep; a lesson nests them at most { $max } deep
doc-no-title = step heading has no title; expected `## Title`
doc-too-many-steps = too many steps; a lesson has at most { $max } `## ` steps
doc-directive-before-step = directive before the first step; expected it under a `## ` heading
doc-notes-twice = `<!-- notes -->` appears twice in this step; expected it once
doc-reveal-in-notes = `<!-- reveal -->` inside speaker notes; expected it before `<!-- notes -->`
doc-directive-in-notes = directive inside speaker notes; expected it before `<!-- notes -->`
doc-reveal-twice = `<!-- reveal -->` appears twice in this step; expected it once
doc-fence-open = code fence { $mark } opened here is never closed; expected a closing { $mark } line
doc-no-steps = the lesson has no steps; expected at least one `## ` heading
doc-ask-without-reveal = step asks a question but has no `<!-- reveal -->`; expected one line `<!-- reveal -->` between what the question needs and the explanation
doc-reveal-without-ask = `<!-- reveal -->` in a step without an `ask:`; expected it only in a step that asks a question
grammar-marker = `{ $word }` is a marker, not a directive
grammar-unclosed-comment = `<!--` without `-->` on the same line; directives are one line
grammar-after-comment = unexpected `{ $found }` after `-->`; expected one directive per line
grammar-not-a-directive = comment `{ $comment }` is not a directive; expected `<!-- do: ... -->`, `<!-- expect: ... -->`, `<!-- ask: ... -->`, `<!-- reveal -->` or `<!-- notes -->`
grammar-unknown-directive = unknown directive `{ $kind }:`; expected `do:`, `expect:`, `ask:`, `reveal` or `notes`
grammar-no-options = `{ $verb }` takes no options, found `{ $word }`; expected { $usage }
grammar-node-no-options = `node { $program }` takes no options; expected { $usage }
grammar-unknown-option = unknown option `{ $key }` for `{ $verb }`; expected { $keys }
grammar-option-twice = option `{ $key }` is given twice in `{ $verb }`
grammar-option-no-value = option `{ $key }` has no value; expected `{ $key }=VALUE`
grammar-wrong-arguments = wrong arguments `{ $written }`; expected { $usage }
grammar-wrong-arguments-in = wrong arguments `{ $written }`; { $usage }
grammar-needs-option = `{ $verb }` needs `{ $key }=`; expected { $usage }
grammar-empty-do = empty `do:`; expected one of { $verbs }
grammar-unknown-verb = unknown verb `{ $verb }` in `do:`; expected one of { $verbs }
grammar-hold-nothing = `hold` opens no connection; expected { $usage }
grammar-connection-count = connection count
grammar-served-count = served count
grammar-exit-code = exit code
grammar-worker-count = worker count
grammar-invalid-busy = invalid busy `{ $value }`; expected `busy=TARGET:MS`, e.g. `busy=W1:1000`
grammar-unknown-crash = unknown crash `{ $how }`; expected one of { $names }
grammar-work-all-threads = `work all` runs one thread in every worker; it takes no `threads=`
grammar-counter-all-threads = `counter all` uses one copy per worker; it takes no `threads=`
grammar-unknown-daemon-step = unknown daemon step `{ $step }`; expected one of { $names }
grammar-unknown-node-program = unknown Node program `{ $program }`; the built-in ones are { $programs }
grammar-unknown-sched = unknown sched `{ $sched }`; expected rr or none
grammar-unknown-fix = unknown fix `{ $fix }`; expected disconnect
grammar-unknown-parent-death = unknown parent death `{ $how }`; expected one of { $names }
grammar-takes-nothing = `{ $word }` takes nothing after it; expected `{ $word }`
grammar-usage-cost = `cost WHAT.FIGURE OP NUMBER`, `cost WHAT.FIGURE OP WHAT.FIGURE` or `cost WHAT.FIGURE OP WHAT.FIGURE * FACTOR`
grammar-unknown-expectation = unknown expectation `{ $found }`; expected { $words }, `exited TARGET ...`, `TARGET FIELD == VALUE` or `METRIC OP NUMBER` with METRIC one of { $metrics }
grammar-empty-expect = empty `expect:`; expected accounted, same-inode, `exited TARGET ...` or `METRIC OP NUMBER`
grammar-usage-op = expected { $form } with OP one of { $ops }
grammar-usage-metric = expected `{ $metric } OP NUMBER` with OP one of { $ops }, e.g. `{ $metric } <= 1`
grammar-unknown-comparison = unknown comparison `{ $op }`; { $usage }
grammar-invalid-number = invalid number `{ $value }`; { $usage }
grammar-exited-both = `exited` takes `signal=` or `code=`, not both
grammar-exited-neither = `exited` needs `signal=` or `code=`; expected { $usage }
grammar-unknown-eq = unknown comparison `{ $op }`; expected `==` or `!=` for `{ $field }`
grammar-usage-ask = expected `ask: QUESTION | CHOICE => CONDITION | CHOICE => CONDITION ...`
grammar-ask-no-question = `ask:` has no question; { $usage }
grammar-choice-no-condition = choice `{ $choice }` has no `=> CONDITION`; { $usage }
grammar-choice-no-label = a choice has no label; { $usage }
grammar-choice-twice = choice `{ $choice }` is listed twice
grammar-choice-condition = in the condition of choice `{ $choice }`: { $error }
grammar-ask-choices = `ask:` has { $n } choices; expected 2 to { $max }, as in `ask: QUESTION | CHOICE => CONDITION | ...`
grammar-too-many-requests = `{ $verb }` asks for { $connections } connections × { $keepalive } requests = { $requests } requests; at most { $max } finish within the 2 minutes the load client is given
grammar-range = expected a whole number from { $min } to { $max }
grammar-invalid-value = invalid { $what } `{ $value }`; { $range }
grammar-out-of-range = { $what } `{ $value }` is out of range; { $range }
grammar-or-cores = { $error } or `cores`
grammar-unknown-mode = unknown accept mode `{ $value }`; expected one of { $names }
grammar-mode-twice = mode `{ $mode }` is listed twice in `modes`
grammar-unknown-handle = unknown handle delivery `{ $value }`; expected inherit or pass
grammar-unknown-target = unknown target `{ $value }`; expected `master` or a worker such as `W1`
grammar-unknown-signal = unknown signal `{ $value }`; expected one of { $names } (SIG prefix optional)
grammar-or = or
grammar-usage-one-of = { $form } with { $name } one of { $list }

## i18n-watch: watch, doctor's details, bench, serve, the master's signal reasons
watch-not-a-pid = { $pid } is not a process ID
watch-no-process = no process with PID { $pid }
watch-cannot-read = cannot read process { $pid }: { $error }
watch-zombie = process { $pid } has exited (a zombie its parent has not reaped)
watch-cannot-read-fds = cannot read the fds of process { $pid }: { $error }
watch-run-as-owner = run forklab as the same user as that process, or as root
watch-fds-unreadable = cannot read the fds of { $alias } pid { $pid }: { $error }; its listeners and connections are not shown
watch-fds-not-read = fds: not readable: { $error }
watch-nobody-listens = nobody in the tree of process { $pid } listens on TCP port { $port }
watch-none-readable-listens = no process of the tree of process { $pid } whose fds forklab can read listens on TCP port { $port }
watch-no-readable-listener = no process of the tree of process { $pid } whose fds forklab can read listens on a TCP port
watch-not-seen-unreadable = { $base }; but the fds of { $pids } could not be read ({ $error }), so a listener there cannot be seen
watch-no-listener = no process in the tree of process { $pid } listens on a TCP port
watch-reading-address = reading the address { $addr }
watch-not-loopback = the listener on port { $port } is bound to { $ip }, not loopback; forklab fires only at loopback addresses (127.0.0.0/8, ::1)
watch-exited-code = exited with code { $code }
watch-killed-by = was killed by { $signal }
watch-ended-early = `{ $command }` { $how } before it listened on { $port }
watch-daemonized = `{ $command }` exited with code 0 before it listened on { $port }, which is what a command that daemonizes does (it forks the server into the background and exits): watch the daemon with `--pid` and its PID, or run the command in the foreground (nginx: -g 'daemon off;')
watch-never-listened = `{ $command }` did not listen on { $port } within { $secs } s
watch-tcp-port = TCP port { $port }
watch-any-tcp-port = a TCP port
watch-root-exited = process { $pid } has exited
watch-no-sockdiag = NETLINK_SOCK_DIAG could not be opened
watch-json-needs-once = --json needs --once or --fire N: the interactive screen prints no JSON
watch-pid-or-command = give --pid PID or -- CMD, not both
watch-nothing = nothing to watch: give --pid PID, or -- CMD [ARGS...] to start one
watch-tree-of = process tree of { $pid } (watching port { $port })
watch-listens-on = listens on { $addr } (fd { $fd }, socket:[{ $inode }])
watch-connection = connection { $local } <- { $remote } (fd { $fd }, socket:[{ $inode }])
watch-peer-in = peer in { $pid }
watch-peer-outside = peer outside the tree
watch-peer-more = +{ $n } more
watch-fired = fired { $fired ->
    [one] 1 connection
   *[other] { $fired } connections
} at port { $port }: { $served } served ({ $completed } attributed, { $not_attributed } not attributed), { $failed } failed
watch-fired-some-failed = { $failed } of { $fired ->
    [one] 1 connection
   *[other] { $fired } connections
} failed (exit status 3)
watch-failed-why = failed: { $why } { $n }
watch-not-attributed-why = served, not attributed: { $why } { $n } ({ $words })
watch-why-owner_gone = the connection closed before forklab saw its owner
watch-why-owner_unclear = no single process of the tree held it within 3 s
watch-why-not_asked = sock_diag could not be asked who held it
watch-needs-terminal = the watch screen needs a terminal (stdin and stdout are not one); use `forklab watch --once` or `--fire N` without one
watch-nothing-to-fire = nothing to fire at on port { $port }
watch-firing-failed = firing failed: { $error }
watch-exited-to-parent = { $alias } pid { $pid } exited (its status goes to its parent { $ppid }, not to forklab)
watch-tree-gone = the whole tree has gone
watch-tree-gone-how = the whole tree has gone: { $alias } pid { $pid } { $how }, and no process of it is left
watch-reaped = { $alias } pid { $pid } was reaped (its parent { $ppid } collected its status)
watch-exited-to-forklab = { $alias } pid { $pid } exited (forklab, its subreaper since its parent exited, collected its status)
watch-exited-orphan = { $alias } pid { $pid } exited (its parent { $ppid } had exited too: its status goes to init or to a subreaper, not to forklab)
watch-zombie-now = { $alias } pid { $pid } exited: a zombie (state Z) until its parent { $ppid } collects its status (wait(2))
watch-to-forklab = forklab pid { $pid } (its subreaper: its status now goes to forklab)
watch-reparented = { $alias } pid { $pid } lives on: its parent { $was } exited, and the kernel re-parented it to { $to }
watch-orphan = orphan
watch-socket-passed = socket:[{ $inode }] { $kind } now in { $alias } pid { $pid } fd { $fd } (was in { $from_alias } pid { $from }): passed
watch-title = watch
watch-also-ports = also { $ports }
watch-port = port { $port }
watch-every = every { $secs } s
watch-fds-every = fds every { $secs } s
watch-missed = missed { $le }{ $n } short-lived
watch-confirm-kill = send SIGTERM to { $alias } pid { $pid }? y to confirm, any other key to cancel
watch-firing = firing { $n }…
key-watch-select = select
key-watch-fire = fire
key-watch-kill = kill
key-watch-pane = pane
watch-select-process = select a live process to see its fds
watch-no-fds = no fds (ended, or not ours to read)
watch-more = +{ $n } more
watch-fd-estab = tcp ESTAB ← { $remote } on { $local }
watch-also = also { $who }
watch-established = established now: { $n }
watch-press-c = press c to fire a connection and see who accepts it
watch-fired-attributed = fired { $fired }: { $attributed } attributed, { $failed } failed
watch-fired-some-attributed = fired { $fired }: { $served } served ({ $attributed } attributed), { $failed } failed
watch-fired-then = { $summary }; { $then }
# One process's share of a fire, in the events pane: "node#1 32185: 4".
watch-fired-by = { $who } { $pid }: { $n }
watch-failed-why-words = failed: { $why } { $n } ({ $words })
fire-why-refused = nothing accepted it
fire-why-reset = the server reset it
fire-why-timeout = no reply in time
fire-why-closed-early = closed before the whole reply
fire-why-bad-response = not an HTTP reply
fire-why-other = another error
too-small-watch = this one is { $width }x{ $height }: enlarge it, or use `forklab watch --once` (one snapshot) or `--fire N` (who serves each connection), which need no screen
key-watch-scroll = scroll
watch-help-close = any key closes the keys
watch-help-arrows = select a process; with the fds, connections, events or syscalls pane focused, scroll it
watch-help-page = scroll the events a page, or the focused fds, connections or syscalls pane
watch-help-tab = the next pane (Shift-Tab: the one before): processes, fds, connections, events (and syscalls, when open)
watch-help-fire-1 = fire 1 connection at the port and see which process accepts it
watch-help-fire-more = fire 10 (2) or 100 (3), 8 at a time, and see who accepted each
watch-help-strace = strace the selected process; s again stops it
watch-help-kill = send the selected process SIGTERM, once y confirms it
watch-help-quit = quit (Esc first leaves a zoom); a command forklab started ends with it
sys-stopped = stopped
sys-sent-fds = sent fd { $fds } SCM_RIGHTS
sys-got-fds = got fd { $fds } SCM_RIGHTS
sys-attaching = attaching strace…
why-blocked-in-accept = stopping the pool; a worker blocked in accept(2) reads no stop message
why-channel-refused = stopping the pool; its channel did not take the stop message
bench-unknown-mode = unknown accept mode `{ $mode }` (expected one of: { $modes }), or all
bench-done = done: { $completed } completed, { $failed } failed
bench-chaos = chaos: { $kills ->
    [one] 1 worker
   *[other] { $kills } workers
} killed, { $respawns } respawned, { $gave_up } given up, { $left } of { $workers ->
    [one] 1 worker
   *[other] { $workers } workers
} at the end
bench-chaos-settle = { $mode } under chaos: { $kills ->
    [one] 1 worker
   *[other] { $kills } workers
} killed, { $exits ->
    [one] 1 exit
   *[other] { $exits } exits
} reported, { $respawns } respawned, { $gave_up } given up, pool ready again: { $ready }
bench-yes = true
bench-no = false
col-mode = mode
col-workers = workers
col-completed = completed
col-failed = failed
col-empty = empty
col-empty-wakeups = empty wakeups
col-ctx-switches = ctx switches
col-per-worker = per worker
col-errors = errors
col-max = max
col-min = min
col-cv = cv
fired-latency = , p50 { $p50 } ms, p99 { $p99 } ms
fired-errors = { " " }({ $kinds })
fired-error-kind = { $n } { $kind }
failed-conn = #{ $conn } { $kind }
failed-conn-by = #{ $conn } { $kind } ({ $by })
conn-row-failed = failed
conn-row-failed-why = failed ({ $kind })
# A failed connection's kind: the --json value, worded (English keeps the value).
fail-kind = { $kind }
doctor-node-missing = the Node lessons (node-fork, node-cluster) cannot run
doctor-node = node { $version } on PATH, for the Node lessons
doctor-writing-json = writing the doctor report as json
doctor-not-linux = forklab was built for { $os }, not Linux
doctor-calling-uname = calling uname
doctor-uname-not-linux = uname reports the kernel { $sysname }, not "Linux"
doctor-forking = forking a child
doctor-forked = forked pid { $pid }, waitpid reported exit code 7
doctor-fork-status = child pid { $pid }: waitpid reported { $status }, expected exit code 7
doctor-waiting-child = waiting for child pid { $pid }
doctor-socketpair = creating a SOCK_SEQPACKET socketpair
doctor-pipe = creating a pipe
doctor-sending-fd = sending pipe fd { $fd } with SCM_RIGHTS
doctor-receiving = receiving the SCM_RIGHTS message
doctor-cmsgs = reading the control messages
doctor-data-byte = expected the data byte "F", got { $bytes } bytes { $data }
doctor-fd-count = expected 1 fd with the message, got { $n }
doctor-fd-flags = reading the fd flags of received fd { $fd }
doctor-not-cloexec = received fd { $fd } is not close-on-exec despite MSG_CMSG_CLOEXEC
doctor-writing-through = writing through received fd { $fd }
doctor-short-write = short write through fd { $fd }: { $bytes } bytes
doctor-pipe-other-end = reading the pipe's other end
doctor-pipe-returned = the pipe returned { $got }, not what fd { $fd } wrote
doctor-scm-rights = sent pipe fd { $sent } with 1 data byte, received it as fd { $passed } (close-on-exec), closed fd { $sent }; { $bytes } bytes written through fd { $passed } came out of the pipe
doctor-listener-address = reading the listener's address
doctor-epoll-create = creating an epoll instance
doctor-epoll-add = epoll_ctl ADD with EPOLLEXCLUSIVE on listener { $addr }
doctor-connecting = connecting to { $addr }
doctor-epoll-wait = waiting on the epoll instance
doctor-epoll-no-wake = a connection to { $addr } did not wake the EPOLLEXCLUSIVE registration
doctor-epoll-exclusive = epoll_ctl ADD with EPOLLEXCLUSIVE on listener { $addr } accepted, and a connection woke it
doctor-first-port = reading the first socket's port
doctor-second-socket = a second socket on 127.0.0.1:{ $port }
doctor-reuseport = two SO_REUSEPORT sockets listen on 127.0.0.1:{ $port }
doctor-tcp-socket = creating a TCP socket
doctor-set-reuseport = setting SO_REUSEPORT
doctor-binding = binding { $addr }
doctor-listening = listening on { $addr }
doctor-subreaper-after = PR_GET_CHILD_SUBREAPER after setting it
doctor-subreaper-restoring = restoring PR_SET_CHILD_SUBREAPER to { $to }
doctor-subreaper-no-effect = PR_GET_CHILD_SUBREAPER still reads 0 after PR_SET_CHILD_SUBREAPER 1
doctor-subreaper = PR_SET_CHILD_SUBREAPER took effect, restored to { $to }
doctor-on = on
doctor-off = off
doctor-reading-link = reading the link { $path }
doctor-link-target = { $path } points at { $target }, expected socket:[INODE]
doctor-fstat = fstat of fd { $fd }
doctor-inode-differs = { $path } names inode { $inode }, but fstat says { $real }
doctor-reading-status = reading /proc/self/status
doctor-no-ctxt-line = /proc/self/status has no voluntary_ctxt_switches line
doctor-accepting = accepting on { $addr }
doctor-client-address = reading the client's address
doctor-peer-differs = accepted { $peer }, but the client is { $local }
doctor-loopback = bound { $addr }, connected and accepted a connection from { $peer }
doctor-no-tty = { $which ->
        [stdin] stdin is
        [stdout] stdout is
       *[other] stdin and stdout are
    } not a terminal: the TUI needs one; `forklab play <lesson>` works without
doctor-tty = stdin and stdout are terminals
doctor-no-strace = strace is not on PATH: the watch screen's syscalls pane needs it (apt-get install strace)
doctor-starting-sleep = starting sleep to attach strace to
doctor-running = running { $path }
doctor-strace-refused = strace could not attach to process { $pid }: { $error }: the syscalls pane needs ptrace (as root, or a container run with --cap-add SYS_PTRACE)
doctor-no-yama = no Yama
doctor-strace = { $path } attached to a process of ours ({ $scope })
watch-seen = seen { $alias } pid { $pid } (ppid { $ppid })
watch-out = out: { $line }
strace-missing = strace is not installed (not on PATH): install it (apt-get install strace) and press s again
strace-yama-1 = ptrace is limited to a process's ancestors (Yama ptrace_scope is 1) and strace is not an ancestor of { $pid }: run `sudo sysctl kernel.yama.ptrace_scope=0`, or forklab as root
strace-yama-2 = ptrace needs CAP_SYS_PTRACE (Yama ptrace_scope is 2): run forklab as root
strace-yama-off = ptrace is turned off until reboot (Yama ptrace_scope is { $scope }): no process can be traced
strace-other-user = process { $pid } belongs to user { $owner }, forklab runs as { $me }: ptrace needs the same user or CAP_SYS_PTRACE; run forklab as that user or as root
strace-no-process = no process to trace
strace-detached = strace detached
strace-target-gone = strace ended with the traced process: { $pid } has exited (it was not detached)
strace-exited = strace exited with code { $code }
strace-killed = strace was killed by { $signal }
strace-closed = strace closed its output
strace-held = { $held ->
    [one] 1 call
   *[other] { $held } calls
} not shown (at most { $most } a second)
strace-refused = { $line }: the kernel refused ptrace on { $pid } (a container without CAP_SYS_PTRACE, or a seccomp profile that forbids it): run the container with --cap-add SYS_PTRACE, or forklab as root
node-how-to-get = install Node.js so that `node` is on PATH (apt-get install nodejs, or https://nodejs.org); the lessons were written and measured with Node 20
node-not-on-path = no `node` on PATH; { $how }

## The lab's own errors (src/lab/mod.rs): the master or the load client gone or silent
lab-send-failed = sending { $cmd } to the master: { $error }
lab-master-ended = the master (pid { $pid }) has ended: { $how }
lab-master-closed = the master (pid { $pid }) closed its channel
lab-master-lost = lost track of the master (pid { $pid })
lab-master-timeout = timed out after { $timeout } waiting for the master
lab-exit-code = exit code { $code }
lab-killed-by = killed by { $signal }
lab-no-exit-yet = no exit status yet
lab-client-no-summary = the load client (pid { $pid }) gave no summary: { $how }{ $said }
lab-client-said = ; it said: { $lines }
lab-abandoned = abandoned: forklab is stopping
lab-thread-events = starting the event reader thread
lab-thread-client = starting the client reader thread

## cost figures in an expect (src/lesson/cost.rs) and the built-in Node programs (src/lab/node.rs)
cost-bad-figure = invalid figure `{ $value }`; expected `WHAT.FIGURE`, e.g. `fork.ns_each`
cost-bad-name = invalid figure name `{ $name }`; expected lower-case letters, digits and `_`
cost-bad-number = invalid number `{ $value }`; expected a number or `WHAT.FIGURE`
cost-bad-factor = invalid factor `{ $value }`; expected a number above 0, e.g. `1.5`
cost-factor-needs-figure = a factor can follow a figure, not `{ $than }`; expected `cost WHAT.FIGURE OP WHAT.FIGURE * FACTOR`
node-running-version = running { $node } --version
node-version-failed = { $node } --version failed ({ $status })
node-no-program = no built-in Node program `{ $name }`
node-creating = creating { $path }
node-writing = writing { $path }
node-did-not-start = the Node program `{ $name }` did not start: { $log }
node-workers-listening = the Node program `{ $name }` has { $listening ->
    [one] 1 worker
   *[other] { $listening } workers
} listening, not { $workers }
node-bad-state = reading the Node program's state `{ $body }`
node-control-connect = connecting to the Node program's control port { $port }
node-control-read = reading the Node program's reply
node-control-refused = the Node program answered `{ $head }` to { $path }: { $body }
cost-unknown-kind = unknown measurement `{ $value }`; expected one of { $kinds }
cost-unknown-op = unknown comparison `{ $op }`; expected `cost WHAT.FIGURE OP NUMBER` with OP one of { $ops }
node-wrote-nothing = it wrote nothing

## The command line (src/cli.rs, src/cli/zh.rs). English help is clap's, from the doc comments
## in cli.rs (a unit test keeps these equal to them); Chinese help and errors come from here.
cli-about = Learn how multi-process servers work, with real processes on Linux
cli-arg-lessons = Load lessons from this folder instead of the ones built into forklab
cli-arg-theme = Colours: default (reads on dark and light terminals), dark, light, or contrast (for projectors)
cli-arg-ascii = Plain ASCII instead of box drawing and block characters
cli-arg-refresh = How often the panes sample the processes, in milliseconds (at least 200, sysinfo's CPU interval; at most 10000)
cli-arg-seed = Make random choices repeatable: the chaos switch's victims and the order a question's choices are shown in follow this seed (without it, questions use seed 0). (The load client has no random timing: it opens its connections in order, as fast as it may.)
cli-arg-lang = The language of the lessons and the interface: en or zh (中文). Without it, LC_ALL, LC_MESSAGES or LANG starting with `zh` chooses Chinese
cli-open-about = Open one lesson in the terminal interface
cli-open-autoplay = Step through the lesson by itself, SECONDS after each step has finished (default 4); stops on the last step (or, when recording, ends there)
cli-open-record = Record what is drawn as an asciicast v2 file (`asciinema play FILE.cast` replays it)
cli-open-size = Draw in a frame of COLSxROWS, whatever the terminal's size (for recordings)
cli-shot-about = Save the lesson screen at a step, with its real processes, as an SVG picture
cli-shot-step = The step to show, after running the steps up to it (0 is the intro)
cli-notes-about = Show a lesson's speaker notes, following the step the lesson screen is on
cli-play-about = Run a lesson's steps headless and print the transcript; exits non-zero if an expect fails
cli-play-json = One JSON object per line
cli-serve-about = Run the master and its workers until Ctrl-C or SIGTERM, printing events (for curl, wrk, a browser)
cli-serve-port = The port on 127.0.0.1; 0 picks a free one
cli-serve-pass-handle = Fork first and pass the listener over SCM_RIGHTS, instead of inheriting it
cli-bench-about = Fire connections at the pool and report throughput, latency and the per-worker spread
cli-bench-mode = An accept mode, or `all` to run every mode one after another
cli-bench-connections = Connections to fire, each a new TCP connection
cli-bench-concurrency = Connections open at once
cli-bench-keepalive = Requests on each connection
cli-bench-chaos-ms = The fault suite's chaos: SIGKILL a random worker every MS milliseconds while the load runs, then check that every connection is accounted for and the pool is whole again
cli-list-about = The lessons, one a line
cli-watch-about = Watch any server's process tree: its processes, listeners, connections and fds, and which process serves each connection fired at it: a live screen, one snapshot (--once), or N connections fired and attributed (--fire)
cli-watch-pid = Attach to this running process and its descendants, read-only but for the screen's `k` then `y` (SIGTERM to the selected process); left running at exit
cli-watch-port = The TCP port to watch and fire at (default: the lowest the tree listens on)
cli-watch-once = Print one snapshot and exit
cli-watch-fire = Fire N connections (HTTP/1.1 GET /) and say which process served each
cli-watch-concurrency = Connections open at once while firing
cli-watch-json = Print JSON (one line) instead of text; needs --once or --fire
cli-watch-command = The command to start and watch (after `--`); it ends when forklab does
cli-doctor-about = Check that this machine can run every lesson
cli-help-about = Print this message or the help of the given subcommand(s)
cli-help-subcommand = Print help for the subcommand(s)
cli-help-flag = Print help
cli-version-flag = Print version
cli-value-lesson = LESSON
cli-usage = Usage:{ " " }
cli-commands = Commands
cli-arguments = Arguments
cli-options = Options
cli-command = COMMAND
cli-default = { " " }[default: { $value }]
cli-choices = Possible values:
# `--mode`'s values: clap shows proto/mode.rs's doc comments in English; a test keeps them equal.
cli-choice-shared = Every worker's epoll watches the one listener (Node's SCHED_NONE; the herd)
cli-choice-exclusive = The same with EPOLLEXCLUSIVE (Linux 4.5): wakes one or more, not all
cli-choice-blocking = Classic pre-fork: each worker blocks in accept() and serves one connection at a time
cli-choice-rr = The master accepts and hands each connection on over SCM_RIGHTS (Node's SCHED_RR)
cli-choice-reuseport = A socket per worker with SO_REUSEPORT; the kernel hashes each connection to one
cli-more = For more information, try '--help'.
cli-tip = tip:{ " " }
cli-err-prefix = error:{ " " }
cli-err-subcommand = unrecognized subcommand '{ $name }'
cli-err-unknown-arg = unexpected argument '{ $arg }' found
cli-err-no-value = a value is required for '{ $arg }' but none was supplied
cli-err-invalid-value = invalid value '{ $value }' for '{ $arg }'
cli-err-possible = [possible values: { $values }]
cli-err-range = { $value } is not in { $range }
cli-err-missing = the following required arguments were not provided:
cli-err-conflict = the argument '{ $arg }' cannot be used with '{ $prior }'
cli-err-no-equals = equal sign is needed when assigning values to '{ $arg }'
cli-err-too-many = unexpected value '{ $value }' for '{ $arg }' found; no more were expected
cli-err-count = { $arg } takes { $expected } values but { $actual } were given
cli-err-missing-subcommand = '{ $name }' requires a subcommand but one was not provided
cli-err-utf8 = invalid UTF-8 was detected in one or more arguments
cli-err-other = the command line could not be read
cli-err-idle = { $arg } has no effect on { $command }: `forklab { $command } --help` lists the options it takes
cli-tip-subcommand = a similar subcommand exists: '{ $name }'
cli-tip-arg = a similar argument exists: '{ $name }'
cli-tip-value = a similar value exists: '{ $name }'
cli-tip-trailing = to pass '{ $arg }' as a value, use '{ $write }'
cli-tip-double-dash = subcommand '{ $name }' exists; to use it, remove the '--' before it
cli-tip-exists = '{ $name }' exists
cli-not-seconds = `{ $value }` is not a number of seconds
cli-seconds-range = { $value } seconds is out of range (0 to 3600)
cli-not-size = `{ $value }` is not a size; expected COLSxROWS, like 100x30
cli-size-small = { $size } is below the lesson screen's smallest, 80x24
cli-size-big = { $size } is above the largest frame, { $largest }

## The processes pane's column headers that are words (PID, PPID, PGID, SID, TTY, CPU%, RSS stay)
col-process = PROCESS
col-state = STATE
col-threads = THR
col-accepted = ACC
# Under a pane too long for its rows: which rows are shown, of how many.
acc-unreported = ACC ?: its master is gone
rows-shown = { $first }{ $dash }{ $last } of { $rows }
procs-earlier-exited = +{ $n } exited from an earlier pool

## More of the lab's and the loader's errors
fire-thread-panicked = a load thread panicked
fire-thread-start = starting load thread { $n } of { $of } (at most as many connections at once as the limit on threads, `ulimit -u`, allows: lower --concurrency)
worker-count-expected = a whole number from 1 to 64 or "cores"
worker-count-invalid = invalid worker count `{ $value }`; expected a whole number from 1 to 64 or "cores"
engine-thread-failed = starting the engine thread: { $error }

## The glossary's API and system calls (code names; words beside them are translated)
glossary-fork-api = child_process.fork(path)
glossary-fork-calls = socketpair + clone + execve
glossary-send-handle-api = subprocess.send(msg, handle)
glossary-send-handle-calls = sendmsg + SCM_RIGHTS
glossary-worker-listen-api = server.listen() (cluster worker)
glossary-worker-listen-calls = write on the IPC socketpair (a message to the primary)
glossary-listen-api = server.listen() (one process)
glossary-listen-calls = socket + bind + listen, epoll_wait
glossary-rr-api = cluster SCHED_RR
glossary-rr-calls = accept (primary) + sendmsg + SCM_RIGHTS
glossary-sched-none-api = cluster SCHED_NONE
glossary-sched-none-calls = accept in every worker, epoll
glossary-reuseport-api = listen({ "{" } reusePort: true { "}" })
glossary-reuseport-calls = setsockopt SO_REUSEPORT
glossary-exit-api = worker.on('exit', …)
glossary-exit-calls = SIGCHLD + waitpid
glossary-kill-api = subprocess.kill(signal)
glossary-kill-calls = kill
glossary-detached-api = spawn(cmd, { "{" } detached: true { "}" })
glossary-detached-calls = clone + setsid + execve

## sys: the leaves' errors (the runtime dir, listeners, channels, sock_diag, starting programs)
sys-chan-dup = duplicating a channel fd
sys-chan-malformed = malformed channel message `{ $text }`
sys-chan-recv = receiving on a channel
sys-chan-cmsgs = reading control messages
sys-chan-oversized = oversized channel message (more than { $max } bytes)
sys-listening = listening on 127.0.0.1:{ $port }
sys-tcp-socket = creating a TCP socket
sys-listener-address = reading the listener's address
sys-port-privileged = port { $port } is below 1024, and binding such a port needs privileges (root, or CAP_NET_BIND_SERVICE); choose a port from 1024 up, or --port 0 to let forklab pick a free one
sys-binding = binding 127.0.0.1:{ $port }
sys-block-signals = blocking signals in main
sys-signal-thread = starting the signal thread
sys-diag-tcp = listing TCP sockets ({ $family })
sys-diag-exact = looking up the TCP socket { $local } -> { $remote }
sys-diag-unix = looking up Unix socket inode { $inode }
sys-diag-length = a sock_diag answer with a bad length { $len }
sys-stdout-write = writing to stdout
sys-rundir-create = creating the runtime directory { $path }
sys-reading = reading { $path }
sys-rundir-not-dir = { $path } is not a directory; remove it and try again
sys-rundir-owner = { $path } belongs to another user; forklab keeps its files only in a directory of its own
sys-rundir-open = { $path } is open to other users (mode { $mode }); expected 0700
sys-start-forklab = starting forklab { $args }
sys-dup-stderr = duplicating stderr
sys-no-command = no command to start
sys-cannot-start = cannot start `{ $cmd }`

## roles: what the master, the workers, the daemon and the load client say (src/roles/)
daemon-forked = forked by the master; my parent is pid { $ppid }
daemon-said = { $step } done
daemon-closed-nothing = closed nothing: no fd above 2 came with the fork
daemon-closed-fds = closed fds { $fds }: the master's, handed down by fork
daemon-setsid = setsid() made session { $sid }, with no controlling terminal
daemon-setsid-failed = setsid() failed: { $error }
daemon-forked-again = forked again; the first child { $first } exits, so this one is an orphan
daemon-fork-failed = fork failed: { $error }
daemon-umask = umask { $old } -> 0000: files get exactly the modes asked for
daemon-chdir = chdir("/"): no mounted filesystem is held busy
daemon-chdir-failed = chdir failed: { $error }
daemon-stdio = fds 0, 1 and 2 now point at /dev/null
daemon-stdio-open-failed = opening /dev/null failed
daemon-stdio-dup-failed = dup2 onto fd { $fd } failed
daemon-pidfile = wrote { $path }, flock(2)-locked while the daemon lives
daemon-pidfile-stale = wrote { $path }, flock(2)-locked, taking over a stale pidfile of pid { $stale } (its lock died with it)
daemon-pidfile-failed = pidfile failed: { $error }
daemon-pidfile-locked = { $path } is locked by a running daemon (pid { $holder })
daemon-pidfile-changing = { $path } kept changing under us; not taking it
daemon-creating = creating { $path }: { $error }
daemon-writing = writing { $path }: { $error }
daemon-dir-not-a-dir = { $dir } is not a directory; not touching it
daemon-dir-not-private = { $dir } belongs to another user or is open to others; not touching it
daemon-unknown-step = unknown step `{ $step }`
master-daemon-stdout = wrote "{ $said }" to its fd 1, a pipe the master reads
master-daemon-exists = the daemon lesson's process already exists
master-daemon-fork-failed = forking the daemon: { $error }
master-no-daemon = no daemon yet; `daemon fork` comes first
master-daemon-send-failed = sending `{ $step }` to the daemon: { $error }
master-no-worker = no live worker `{ $alias }`
master-no-pool = no pool is running
master-no-pool-to-scale = no pool is running to scale
master-no-pool-to-stop = no pool is running to stop
master-no-pool-to-restart = no pool is running to restart
master-rolling-busy = a rolling restart is already running
master-rolling-failed = rolling restart: { $error }
master-respawn-failed = respawning W{ $index }: { $error }
master-forking = forking { $alias }
master-fork-limit = forking { $alias }: { $error }: the limit on processes is reached (`ulimit -u`, or the cgroup's pids.max): run fewer workers, or raise the limit
master-no-listener = the master holds no listener in this mode
master-listen-failed = listen with backlog { $n }: { $error }
master-pass-failed = passing listener fd { $fd } to { $alias }: { $error }
master-send-failed = sending { $what } to { $alias }: { $error }
master-bad-worker-message = { $alias } (pid { $pid }) sent { $error }; dropping it
master-bad-signal = unknown signal `{ $signal }`
master-kill-failed = sending { $signal } to { $alias } (pid { $pid }): { $error }
master-signal-mask = changing the signalfd's mask: { $error }
master-not-a-channel = fd { $fd } is not a channel from forklab; this role is started by forklab itself
master-threads = the master has { $threads } threads; it must have one
master-smaps-failed = the child could not read /proc/self/smaps_rollup
role-unknown-measurement = unknown measurement `{ $what }`
role-measuring-failed = measuring { $what }: { $error }
worker-failing-at-start = failing at start (the crash lesson's crash loop)
worker-echo-panicked = the echo thread panicked
worker-echo-failed = the echo thread could not read or write
client-bad-arguments = bad arguments: { $error }
client-keepalive-zero = keepalive is 0; every connection sends at least 1 request
client-timeout-zero = timeout_ms is 0; it must be at least 1 so that no socket operation waits forever
client-starting-thread = starting client thread { $t } of { $threads }
worker-got-ping = a ping
worker-got-note = a note from { $from }
worker-got-relay = a message for { $to }
worker-got-handle = a handle
worker-ack-note = note from { $from }
worker-ack-parent-death = on parent death: { $how }
worker-ack-accept-on = accept on
worker-ack-accept-off = accept off
worker-ack-drain = on SIGTERM: drain, at most { $ms } ms
worker-ack-no-drain = on SIGTERM: cannot drain ({ $error })
worker-ack-term = SIGTERM: closed { $closed } idle, draining { $busy }, at most { $ms } ms
worker-ack-cut = drain limit: cut { $cut ->
    [one] 1 connection
   *[other] { $cut } connections
}
master-ack-listen = listen(fd { $fd }, backlog { $n })
master-msg-drain = drain on SIGTERM
master-msg-ping = ping
master-msg-pong = pong
master-msg-broadcast = broadcast
master-msg-relay = please send to { $to }
master-msg-work = work
master-msg-counter = counter
master-msg-accept-on = accept on
master-msg-accept-off = accept off
master-msg-parent-death = on parent death: { $how }
master-msg-cost = cost
master-msg-handle = handle (the listening socket)
master-msg-ack = ack ({ $what })
master-msg-for = for { $to }
master-msg-relayed = relayed from { $from }
master-msg-handle-got = handle received
worker-panicking = panicking as the crash lesson asked
client-flushing-lines = flushing the client's stream lines
client-writing-line = writing the line of connection { $conn }
client-writing-summary = writing the client summary
client-flushing-summary = flushing the client summary
master-blocking-signals = blocking signals
master-creating-signalfd = creating a signalfd
master-creating-epoll = creating an epoll instance
master-serializing = serializing a command
master-reading-count = reading the child's count
master-reading-figures = reading the child's figures
master-msg-crash = crash
master-fd-listener = listener
