//! What the engine says: its reports (drawn from their typed values), the lab's events, a step's end.

use super::*;
use unicode_width::UnicodeWidthStr;

impl LessonView {
    pub(super) fn output(&mut self, kind: LogKind, text: String) {
        self.output_line(OutLine { kind, text, hang: 0 });
    }

    /// A row of a table the step printed, its tail (when the area is narrower) going on at
    /// column `hang` of the rows under it.
    fn output_row(&mut self, row: &str, hang: usize) {
        self.output_line(OutLine { kind: LogKind::Table, text: row.to_string(), hang });
    }

    fn output_line(&mut self, line: OutLine) {
        let page = self.steps.page.min(self.steps.outputs.len().saturating_sub(1));
        self.steps.outputs[page].push(line);
    }

    pub(super) fn log(&mut self, kind: LogKind, text: String) {
        let at = self.lab.opened.elapsed().as_secs_f64();
        self.model.log.push(LogLine { at, kind, text });
    }

    pub(super) fn engine(&mut self, m: EngineMsg, lesson: &Lesson) -> Vec<Effect> {
        match m {
            EngineMsg::Started { master } => self.lab.master = Some(master),
            EngineMsg::Report(report) => self.report(report),
            EngineMsg::StepDone { index, error } => {
                self.steps.busy = false;
                // A fire cut short sends no summary: its records stay counted as they are.
                self.model.conns.streamed = Default::default();
                if let Some(e) = error {
                    let text = tr!("out-error", error = e.as_str());
                    self.steps.outputs[index + 1].push(OutLine { kind: LogKind::Fail, text, hang: 0 });
                    self.log(LogKind::Fail, tr!("log-step-failed", n = index + 1, error = e.as_str()));
                }
                let _ = lesson;
            }
            EngineMsg::Done { text, error } => {
                self.model.conns.streamed = Default::default();
                self.message = Some(match error {
                    Some(e) => tr!("msg-directive-failed", text = text.as_str(), error = e),
                    None => tr!("msg-directive-done", text = text.as_str()),
                });
            }
            EngineMsg::Ended { error } => {
                self.steps.busy = false;
                self.lab.ended = Some(error.clone().unwrap_or_else(|| "ended".into()));
                if let Some(e) = error {
                    self.message = Some(tr!("msg-lab-ended", error = e.as_str()));
                    self.log(LogKind::Bad, tr!("log-lab-ended", error = e.as_str()));
                }
            }
        }
        vec![]
    }

    pub(super) fn report(&mut self, report: Report) {
        match report {
            Report::Event(ev) | Report::Background(ev) => self.event(ev),
            Report::Conn(c) => {
                // The client's own number for it, the one `play`, its JSON and the failed
                // connections' list give too.
                let row = ConnRow {
                    n: u64::from(c.conn),
                    worker: if c.ok { c.worker.clone() } else { None },
                    latency_us: c.us,
                    error: c.error.map(|e| e.as_str().to_string()),
                };
                let conns = &mut self.model.conns;
                // A fire's first record: the figures and the latest connections are this fire's
                // from here on.
                if conns.streamed == Default::default() {
                    conns.fires += 1;
                    (conns.fired, conns.completed, conns.failed) = (0, 0, 0);
                    conns.answered.clear();
                    conns.recent.clear();
                    conns.scroll = 0;
                }
                conns.fired += 1;
                conns.streamed.fired += 1;
                conns.since.fired += 1;
                if c.ok {
                    conns.completed += 1;
                    conns.streamed.completed += 1;
                    conns.since.completed += 1;
                    if let Some(worker) = &c.worker {
                        *conns.answered.entry(worker.clone()).or_insert(0) += 1;
                    }
                } else {
                    conns.failed += 1;
                    conns.streamed.failed += 1;
                    conns.since.failed += 1;
                }
                if conns.recent.len() == RECENT_CONNS {
                    conns.recent.pop_front();
                }
                conns.recent.push_back(row);
                // Scrolled back, the list keeps the rows in view where they are.
                if conns.scroll > 0 {
                    conns.scroll = (conns.scroll + 1).min(conns.recent.len() - 1);
                }
            }
            // An expectation shows once, with its verdict (the Expect report that follows).
            Report::Directive(crate::lesson::Directive::Expect(_)) => {}
            Report::Directive(d) => {
                let text = format!("> {d}");
                self.output(LogKind::Lesson, text.clone());
                self.log(LogKind::Lesson, text);
            }
            Report::Expect { text, passed, detail } => {
                let (kind, mark) = if passed { (LogKind::Conn, "✓") } else { (LogKind::Fail, "✗") };
                let text = format!("{mark} {text}{}", tr!("expect-detail", detail = detail));
                self.output(kind, text.clone());
                self.log(kind, text);
            }
            Report::Compare(_) => {
                // A table: a row wider than the area goes on under the header's second column,
                // the mode column left clear, the same for every row (view/narration).
                let text = report.text();
                let hang = text.lines().next().map_or(0, |header| second_column(unindent(header)));
                for l in text.lines() {
                    self.output_row(unindent(l), hang);
                }
            }
            Report::Fired { ref fired, .. } => {
                self.fire_summed(fired);
                self.print_info(&report);
            }
            Report::Info(_) => self.print_info(&report),
            // The question card and the explanation come from the lesson itself.
            Report::Header { .. }
            | Report::Step { .. }
            | Report::Summary { .. }
            | Report::Question { .. }
            | Report::Explain { .. } => {}
            Report::Answer { ask, order, answer, detail, .. } => self.answered(&ask, &order, answer, &detail),
        }
    }

    /// `show fds` and the daemon's facts are about one process: the fds pane shows it.
    fn print_info(&mut self, report: &Report) {
        if let Report::Info(Info::Fds { pid, .. } | Info::Proc { pid, .. }) = report {
            self.lab.selected_pid = Some(*pid);
        }
        if let Report::Info(Info::Node { port, primary, workers, .. }) = report {
            // Another Node program: its connections are counted afresh, as a new pool's are.
            if self.lab.node_primary != Some(*primary) {
                self.lab.node_primary = Some(*primary);
                self.model.conns.fresh_fires();
            }
            // Its workers are the primary's children, whatever forklab's own had the same aliases.
            for (_, pid) in workers {
                self.lab.parents.insert(*pid, (*primary, Instant::now()));
            }
            // The Node program's port, once its workers listen: the bar's curl line names it.
            if *port != 0 {
                self.model.node_port = Some(*port);
            }
        }
        // The tables under a heading line are tables: a row wider than the area goes on under
        // its own column, so the table keeps its shape (wrapped as prose, a row's tail would
        // start flush left, where the rows do). `show tree`'s rows, each indented by its depth
        // as play prints it, under their own second column (the pid), deeper than any child's
        // row starts; `show fds`'s under the fd's target (`fd 6   -> socket:[…]   also held
        // by …`); strace's sendmsg calls under their arguments. The two rows of a process's
        // facts (`show proc`, the daemon's) both under the first's second column.
        let text = report.text();
        let proc_hang = text.lines().next().map_or(0, |first| second_column(unindent(first)));
        for (i, l) in text.lines().enumerate() {
            let row = unindent(l);
            match report {
                Report::Info(Info::Tree { .. } | Info::Syscalls { calls: Ok(_), .. }) if i > 0 => {
                    self.output_row(row, second_column(row))
                }
                Report::Info(Info::Fds { .. }) if i > 0 => self.output_row(row, target_column(row)),
                Report::Info(Info::Proc { .. }) => self.output_row(row, proc_hang),
                _ => self.output(LogKind::Life, row.to_string()),
            }
        }
    }

    /// A fire's summary, the figures its step prints: the connections pane's last fire, and
    /// added to what was fired at the pool in place of the records it streamed (if it streamed
    /// any: a `load`, a `hold` and a Node fire do not).
    pub(super) fn fire_summed(&mut self, f: &crate::lesson::run::Fired) {
        let c = &mut self.model.conns;
        let streamed = std::mem::take(&mut c.streamed);
        // A fire that streamed nothing: none of the latest connections listed is its.
        if streamed == Default::default() {
            c.fires += 1;
            c.recent.clear();
            c.scroll = 0;
        }
        let s = &f.summary;
        c.since.fired = c.since.fired - streamed.fired + s.fired;
        c.since.completed = c.since.completed - streamed.completed + s.completed;
        c.since.failed = c.since.failed - streamed.failed + s.failed;
        (c.fired, c.completed, c.failed) = (s.fired, s.completed, s.failed);
        c.answered = f.per_worker.clone();
    }

    /// A question's real answer, beside what the learner predicted.
    pub(super) fn answered(&mut self, ask: &crate::lesson::Ask, order: &[usize], answer: Option<usize>, detail: &str) {
        let label = |i: usize| format!("{}) {}", crate::lesson::Ask::letter_in(order, i), ask.choices[i].label);
        let real = match answer {
            Some(i) => label(i),
            None => tr!("none-of-the-choices"),
        };
        let pick = self.steps.predictions.pop_front().flatten();
        let (kind, verdict) = match (pick, answer) {
            (None, _) => (LogKind::Life, format!("= {real}")),
            (Some(p), Some(a)) if p == a => (LogKind::Conn, format!("= {real} · {} ✓", tr!("you-predicted-it"))),
            (Some(p), _) => (LogKind::Fail, format!("= {real} · {} ✗", tr!("you-predicted", choice = label(p)))),
        };
        // The answers come last, so the newest lines of the step's output show them.
        self.output(LogKind::Lesson, format!("? {}", ask.question));
        self.output(kind, verdict.clone());
        if !detail.is_empty() {
            self.output(LogKind::Life, tr!("expect-detail", detail = detail));
        }
        self.log(kind, format!("? {} {verdict}", ask.question));
    }

    pub(super) fn event(&mut self, ev: Event) {
        let kind = match &ev {
            Event::Accepted { .. } => LogKind::Conn,
            Event::Exited { signal: Some(_), .. } | Event::Error { .. } | Event::GaveUp { .. } => LogKind::Bad,
            Event::Exited { .. } => LogKind::Exit,
            Event::FdPassed { .. } | Event::Message { .. } | Event::RelayOut { .. } => LogKind::Ipc,
            Event::Stats { .. } => return,
            _ => LogKind::Life,
        };
        match &ev {
            Event::Spawned { alias, pid, ppid, .. } => {
                self.lab.aliases.insert(*pid, alias.clone());
                if *ppid > 0 {
                    self.lab.parents.insert(*pid, (*ppid, Instant::now()));
                }
                self.lab.born.insert(*pid, Instant::now());
            }
            Event::Accepted { alias, pid, n, total } => {
                *self.model.conns.per_worker.entry(alias.clone()).or_insert(0) += n;
                let own = self.lab.accepted.entry(*pid).or_insert(0);
                *own = (*own).max(*total);
            }
            Event::PoolReady { mode, port, workers, .. } => {
                // A pool up after one stopped: the stopped pool's exited rows are its past.
                let stopped = std::mem::take(&mut self.lab.stopped);
                self.lab.replaced.extend(stopped);
                // A pool where none ran: nothing was fired at it yet (before it, maybe at a Node
                // program). The same pool is ready again after a respawn, a scale, a restart.
                if self.model.conns.mode.is_none() {
                    self.model.conns.fresh_fires();
                }
                self.model.conns.mode = Some(*mode);
                self.model.conns.port = Some(*port);
                self.lab.workers = *workers;
                for i in 1..=*workers {
                    self.model.conns.per_worker.entry(format!("W{i}")).or_insert(0);
                }
            }
            Event::PoolStopped { pid: master, .. } => {
                // Its workers have all exited by now (the master reports each before this).
                let lab = &mut self.lab;
                let workers = lab.exited.iter().filter(|(r, _)| r.ppid == *master).map(|(r, _)| r.pid);
                let new: Vec<i32> = workers.filter(|p| !lab.replaced.contains(p) && !lab.stopped.contains(p)).collect();
                lab.stopped.extend(new);
                // A new pool (a mode change) starts its counts afresh: the bars and the tally
                // under them always describe the same pool.
                self.model.conns.per_worker.clear();
                self.model.conns.fresh_fires();
                self.model.conns.mode = None;
                // The pool's listener went with it.
                self.model.conns.port = None;
                self.model.conns.recent.clear();
                self.model.conns.scroll = 0;
            }
            Event::Exited { alias, pid, code, signal, .. } => {
                let status = match (code, signal) {
                    (Some(c), _) => format!("exit {c}"),
                    (_, Some(s)) => s.clone(),
                    _ => "exited".into(),
                };
                // As it was last seen in /proc: on screen, or gone from the sample before this
                // event came. A process never sampled goes under the parent the lab named.
                let row = (self.model.procs.iter().find(|r| r.pid == *pid))
                    .or_else(|| self.lab.gone.iter().rev().map(|(r, _)| r).find(|r| r.pid == *pid))
                    .cloned();
                let ppid = self.lab.parents.get(pid).map(|(p, _)| *p).or(self.lab.master).unwrap_or(0);
                let mut row = row.unwrap_or(ProcRow {
                    depth: 2,
                    role: if Some(ppid) == self.lab.master { Role::Worker } else { Role::Other },
                    alias: alias.clone(),
                    pid: *pid,
                    ppid,
                    pgid: 0,
                    sid: 0,
                    // Never sampled: its terminal is unknown, not "none".
                    tty: String::new(),
                    state: 'X',
                    threads: 0,
                    cpu: 0.0,
                    rss_kib: 0,
                    accepted: None,
                    cwd: None,
                    stdio: None,
                    exit: None,
                    unreported: false,
                    fresh: true,
                });
                // Who reaped it: a process whose parent's exit came first was an orphan when it
                // ended, re-parented by the kernel to the subreaper, forklab, whose reaper reports
                // this exit (the zombie lesson's workers after `kill master`). Else the parent it
                // was last seen with did (a master its worker, a Node primary its own).
                let me = std::process::id() as i32;
                if row.ppid != me && self.lab.exited.iter().any(|(r, _)| r.pid == row.ppid) {
                    row.ppid = me;
                }
                // The lab's name for it, though the sampler may have seen it before it was named.
                row.alias = alias.clone();
                // The row keeps what this process accepted, not what its alias's successor will.
                row.accepted = (row.role == Role::Worker).then(|| self.lab.accepted.get(pid).copied().unwrap_or(0));
                row.exit = Some(status);
                row.state = 'X';
                row.cpu = 0.0;
                self.lab.exited.push((row, Instant::now()));
            }
            _ => {}
        }
        // Accepts are many: the connections pane shows them; the log keeps the story.
        if !matches!(ev, Event::Accepted { .. }) {
            self.log(kind, crate::lab::words::event_text(&ev));
        }
    }
}

/// A report line without the four spaces play indents it by under its heading; any further
/// indentation (a child's under its parent in `show tree`) stays.
fn unindent(l: &str) -> &str {
    l.strip_prefix("    ").unwrap_or(l)
}

/// The column an fd row's target starts at: after its `->` (else its second field's).
fn target_column(row: &str) -> usize {
    match row.find("-> ") {
        Some(i) => row[..i + 3].width(),
        None => second_column(row),
    }
}

/// The column a table row's second field starts at: after its indent, its first field (an
/// alias, a mode) and the spaces that pad it.
fn second_column(row: &str) -> usize {
    let body = row.trim_start_matches(' ');
    let first = body.find(' ').unwrap_or(body.len());
    let gap = body[first..].len() - body[first..].trim_start_matches(' ').len();
    (row.len() - body.len()) + body[..first].width() + gap
}
