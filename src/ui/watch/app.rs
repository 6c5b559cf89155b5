//! The watch screen's state and its one `update`: samples of the watched tree, keys, fired
//! connections and strace's lines come in as messages; what should happen outside (fire,
//! attach strace, signal a process the user confirmed) goes out as effects. Drawing reads
//! `&WatchApp` (ui/view/watch.rs) and changes nothing.

use crate::lab::fire::FireReport;
use crate::lab::strace::SysEvent;
use crate::lab::watch::{FdSnap, Snapshot};
use crate::lab::watchlive::LiveSample;
use crate::sys::reaper::Exit;
use crate::ui::model::{HIGHLIGHT_FOR, LabModel, LogKind, LogLine, ProcRow, Role};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use nix::sys::signal::Signal;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

pub use crate::ui::model::SysPane;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Sample(Box<LiveSample>),
    Sys(SysEvent),
    /// strace could not be started: why, and what to do.
    TraceFailed(String),
    Fired(Result<FireReport, String>),
    /// A line the watched command printed (its stdout and stderr are forklab's to show).
    Output(String),
    /// The command forklab started has exited, as the reaper saw it.
    RootExit(Exit),
    Signal(Signal),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Fire this many connections at the watched port and attribute each.
    Fire(u32),
    /// Attach strace to this process (detaching from any other first).
    Trace(i32),
    StopTrace,
    /// SIGTERM to this process: only after the user confirmed it.
    Kill(i32),
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Processes,
    Fds,
    Connections,
    Events,
    Syscalls,
}

/// The last fire: each connection's owner, and the totals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FireView {
    pub fired: u64,
    pub completed: u64,
    pub failed: u64,
    /// PID → connections it served.
    pub per_process: BTreeMap<i32, u64>,
    /// Each connection's owner PID, or why it failed.
    pub each: Vec<Result<i32, String>>,
    pub failures: BTreeMap<String, u64>,
    /// Served, but not attributed to a process, by why.
    pub not_attributed: BTreeMap<String, u64>,
}

pub struct WatchApp {
    /// What the lesson panes draw: the tree, the cores, the event log, the selection.
    pub lab: LabModel,
    pub snap: Snapshot,
    /// The command line forklab started, if it started the tree.
    pub command: Option<String>,
    pub every: Duration,
    /// How often the fd tables are read (longer than `every` when they are costly).
    pub fds_every: Duration,
    /// Forks the samples missed, since the screen opened (an upper bound, machine-wide).
    pub missed: u64,
    pub focus: Focus,
    pub sys: Option<SysPane>,
    pub fire: Option<FireView>,
    /// Connections being fired now.
    pub firing: Option<u32>,
    /// Fired connections each process served, since the screen opened.
    pub accepted: HashMap<i32, u64>,
    /// A process waiting for `y` to be sent SIGTERM.
    pub confirm_kill: Option<i32>,
    /// Why the last sample could not read the tree.
    pub error: Option<String>,
    pub root_exit: Option<String>,
    pub quit_by: Option<Signal>,
    pub size: (u16, u16),
    /// `--ascii`: the view measures its rows as it draws them.
    pub ascii: bool,
    /// `z`: the focused pane has the whole body.
    pub zoom: bool,
    /// `?`: the keys, over the screen; any key closes it.
    pub help: bool,
    /// Rows of the fds and the connections pane scrolled past (↑/↓ with the pane focused).
    pub fds_scroll: usize,
    pub conn_scroll: usize,
    /// The colour of each socket held twice in the tree (see `colours`).
    pub colours: BTreeMap<u64, usize>,
    opened: Instant,
    aliases: HashMap<i32, String>,
    /// The last `#N` given to each command name.
    next_alias: HashMap<String, u32>,
    /// Every process of the tree has gone (said once in the events pane).
    pub tree_gone: bool,
    /// The live processes re-parented out of the root's descendants (the sampler follows them).
    orphans: HashSet<i32>,
    /// The processes whose unreadable fd table the events pane has named.
    told_unreadable: HashSet<i32>,
    born: HashMap<i32, Instant>,
    /// Processes that have exited, shown until HIGHLIGHT_FOR after: (row, parent, when).
    gone: Vec<(ProcRow, Instant)>,
    /// Each process's socket inodes at the previous sample.
    held: HashMap<i32, HashSet<u64>>,
    samples: u64,
}

impl WatchApp {
    pub fn new(root: i32, port: u16, command: Option<String>, every: Duration, size: (u16, u16)) -> WatchApp {
        WatchApp {
            lab: LabModel::default(),
            snap: Snapshot { root, port, ports: vec![port], processes: Vec::new(), fds_unreadable: Vec::new() },
            command,
            every,
            fds_every: every,
            missed: 0,
            focus: Focus::Processes,
            sys: None,
            fire: None,
            firing: None,
            accepted: HashMap::new(),
            confirm_kill: None,
            error: None,
            root_exit: None,
            quit_by: None,
            size,
            ascii: false,
            zoom: false,
            help: false,
            fds_scroll: 0,
            conn_scroll: 0,
            colours: BTreeMap::new(),
            opened: Instant::now(),
            aliases: HashMap::new(),
            next_alias: HashMap::new(),
            tree_gone: false,
            told_unreadable: HashSet::new(),
            orphans: HashSet::new(),
            born: HashMap::new(),
            gone: Vec::new(),
            held: HashMap::new(),
            samples: 0,
        }
    }

    /// The name a process goes by on screen: the root by its command name, the others by
    /// theirs and the order they were first seen in (`node#1`).
    pub fn alias(&self, pid: i32) -> String {
        self.aliases.get(&pid).cloned().unwrap_or_else(|| pid.to_string())
    }

    /// The processes on screen that were re-parented out of the root's descendants.
    pub fn orphans(&self) -> Vec<i32> {
        self.orphans.iter().copied().collect()
    }

    pub fn selected_pid(&self) -> Option<i32> {
        self.lab.procs.get(self.lab.selected).filter(|p| p.exit.is_none()).map(|p| p.pid)
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.update_at(msg, Instant::now())
    }

    pub fn update_at(&mut self, msg: Msg, now: Instant) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Msg::Sample(s) => {
                self.sample(*s, now);
                Vec::new()
            }
            Msg::Sys(ev) => {
                self.sys_event(ev);
                Vec::new()
            }
            Msg::TraceFailed(why) => {
                if let Some(p) = &mut self.sys {
                    p.failed(why);
                }
                Vec::new()
            }
            Msg::Fired(r) => {
                self.firing = None;
                match r {
                    Ok(r) => self.fired(r, now),
                    Err(e) => self.log(now, LogKind::Bad, tr!("watch-firing-failed", error = e)),
                }
                Vec::new()
            }
            Msg::Output(line) => {
                self.log(now, LogKind::Exit, tr!("watch-out", line = line));
                Vec::new()
            }
            Msg::RootExit(exit) => {
                let how = exit_words(exit);
                self.log(now, LogKind::Bad, format!("{} pid {} {how}", self.alias(self.snap.root), self.snap.root));
                self.root_exit = Some(how);
                Vec::new()
            }
            Msg::Signal(s) => {
                self.quit_by = Some(s);
                vec![Effect::Quit]
            }
        }
    }

    fn log(&mut self, now: Instant, kind: LogKind, text: String) {
        let at = now.saturating_duration_since(self.opened).as_secs_f64();
        self.lab.log.push(LogLine { at, kind, text });
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if k.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            return vec![Effect::Quit];
        }
        if let Some(pid) = self.confirm_kill.take() {
            return if k.code == KeyCode::Char('y') { vec![Effect::Kill(pid)] } else { Vec::new() };
        }
        // Too small to draw the screen: only quitting acts (the screen says so).
        let (w, h) = crate::ui::MIN_SIZE;
        if (self.size.0 < w || self.size.1 < h) && !matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) {
            return Vec::new();
        }
        if std::mem::take(&mut self.help) {
            return Vec::new();
        }
        match k.code {
            KeyCode::Esc if self.zoom => {
                self.zoom = false;
                Vec::new()
            }
            KeyCode::Char('q') | KeyCode::Esc => vec![Effect::Quit],
            KeyCode::Char('?') => {
                self.help = true;
                Vec::new()
            }
            KeyCode::Char('z') => {
                self.zoom = !self.zoom;
                Vec::new()
            }
            KeyCode::Up => self.scroll(-1),
            KeyCode::Down => self.scroll(1),
            KeyCode::PageUp => self.scroll(-5),
            KeyCode::PageDown => self.scroll(5),
            KeyCode::Tab | KeyCode::BackTab => {
                // Round the panes in the order drawn, the syscalls pane last while it is open; a
                // focus on a pane since closed goes on from the start (Tab) or the end (BackTab).
                let mut order = vec![Focus::Processes, Focus::Fds, Focus::Connections, Focus::Events];
                order.extend(self.sys.is_some().then_some(Focus::Syscalls));
                let (n, at) = (order.len(), order.iter().position(|f| *f == self.focus));
                self.focus = match (k.code, at) {
                    (KeyCode::Tab, Some(i)) => order[(i + 1) % n],
                    (KeyCode::Tab, None) => order[0],
                    (_, Some(i)) => order[(i + n - 1) % n],
                    (_, None) => order[n - 1],
                };
                Vec::new()
            }
            KeyCode::Char(c @ ('c' | '1' | '2' | '3')) => {
                if self.firing.is_some() {
                    return Vec::new();
                }
                let n = match c {
                    '2' => 10,
                    '3' => 100,
                    _ => 1,
                };
                self.firing = Some(n);
                vec![Effect::Fire(n)]
            }
            KeyCode::Char('s') => match (&self.sys, self.selected_pid()) {
                (Some(p), Some(pid)) if p.pid != pid => self.trace(pid),
                (Some(_), _) => {
                    self.sys = None;
                    if self.focus == Focus::Syscalls {
                        self.focus = Focus::Processes;
                    }
                    vec![Effect::StopTrace]
                }
                (None, Some(pid)) => self.trace(pid),
                (None, None) => Vec::new(),
            },
            KeyCode::Char('k') => {
                self.confirm_kill = self.selected_pid();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// ↑/↓ (`by` ±1) and PgUp/PgDn (±5) on the focused pane: the processes pane moves the
    /// selection (PgUp/PgDn page the events there, as before), the others scroll, as far as
    /// the view says they go (`view::watch::scroll_max`).
    fn scroll(&mut self, by: i32) -> Vec<Effect> {
        let step = |at: usize, max: usize| (at as i32 + by).clamp(0, max as i32) as usize;
        match self.focus {
            Focus::Processes if by.abs() == 1 => {
                let before = self.lab.selected;
                self.lab.selected = step(before, self.lab.procs.len().saturating_sub(1));
                if self.lab.selected != before {
                    self.fds_scroll = 0;
                }
            }
            Focus::Processes | Focus::Events => {
                // Up goes back, away from the newest line.
                let max = self.lab.log.lines.len().saturating_sub(1) as i32;
                self.lab.log.scroll = (self.lab.log.scroll as i32 - by).clamp(0, max) as usize;
            }
            Focus::Fds => self.fds_scroll = step(self.fds_scroll, crate::ui::view::watch::scroll_max(self, Focus::Fds)),
            Focus::Connections => {
                self.conn_scroll = step(self.conn_scroll, crate::ui::view::watch::scroll_max(self, Focus::Connections))
            }
            Focus::Syscalls => {
                if let Some(p) = &mut self.sys {
                    p.scroll_by(by);
                }
            }
        }
        Vec::new()
    }

    fn trace(&mut self, pid: i32) -> Vec<Effect> {
        self.sys = Some(SysPane { pid, alias: self.alias(pid), ..SysPane::default() });
        vec![Effect::Trace(pid)]
    }

    fn sys_event(&mut self, ev: SysEvent) {
        if let Some(p) = &mut self.sys {
            p.push(ev);
        }
    }

    fn fired(&mut self, r: FireReport, now: Instant) {
        let mut view = FireView { fired: r.fired, completed: r.completed, failed: r.failed, ..FireView::default() };
        for (pid, n) in &r.per_process {
            if let Ok(pid) = pid.parse::<i32>() {
                view.per_process.insert(pid, *n);
                *self.accepted.entry(pid).or_default() += n;
            }
        }
        view.each = r.each.iter().map(|e| e.map_err(str::to_string)).collect();
        view.failures = r.failures.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        view.not_attributed = r.why_not_attributed.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let who: Vec<String> = view
            .per_process
            .iter()
            .map(|(pid, n)| tr!("watch-fired-by", who = self.alias(*pid), pid = *pid, n = *n))
            .collect();
        // The connections pane's words, on one line: the totals, who served how many (when
        // any connection was attributed), why some were not attributed, why some failed.
        let words = crate::ui::view::watch::fire_words(&view);
        let mut line = words.totals;
        let who = (!who.is_empty()).then(|| crate::i18n::list(&who));
        for then in who.into_iter().chain(words.not_attributed).chain(words.failed) {
            line = tr!("watch-fired-then", summary = line, then = then);
        }
        let kind = if view.failed > 0 { LogKind::Bad } else { LogKind::Conn };
        self.log(now, kind, line);
        self.fire = Some(view);
        for row in &mut self.lab.procs {
            row.accepted = self.accepted.get(&row.pid).copied();
        }
    }

    fn sample(&mut self, s: LiveSample, now: Instant) {
        self.samples += 1;
        self.missed += s.missed;
        self.lab.cores = {
            let mut cores = std::mem::take(&mut self.lab.cores);
            cores.resize_with(s.cores.len(), Default::default);
            for (c, v) in cores.iter_mut().zip(&s.cores) {
                c.push(*v);
            }
            cores
        };
        self.error = s.error.clone();
        let selected = self.lab.procs.get(self.lab.selected).map(|p| p.pid);
        let first = self.samples == 1;
        let live: HashSet<i32> = s.procs.iter().map(|p| p.status.pid).collect();
        self.exits(&s, &live, now);
        self.orphans = s.procs.iter().filter(|p| p.orphan).map(|p| p.status.pid).collect();
        for p in &s.procs {
            let pid = p.status.pid;
            if !self.aliases.contains_key(&pid) {
                let alias = if pid == self.snap.root { p.status.name.clone() } else { self.next_alias(&p.status.name) };
                self.aliases.insert(pid, alias);
                if !first {
                    self.born.insert(pid, now);
                }
                let alias = self.alias(pid);
                self.log(now, LogKind::Life, tr!("watch-seen", alias = &alias, pid = pid, ppid = p.status.ppid));
            }
        }
        self.born.retain(|pid, at| live.contains(pid) && now.duration_since(*at) < HIGHLIGHT_FOR);
        self.fds_every = s.fds_every;
        if let Some(snap) = s.snap {
            // Said once for each process: an empty fd table that is only unreadable.
            for p in &snap.processes {
                if let Some(e) = &p.fds_error
                    && self.told_unreadable.insert(p.pid)
                {
                    let text = tr!("watch-fds-unreadable", alias = self.alias(p.pid), pid = p.pid, error = e.as_str());
                    self.log(now, LogKind::Bad, text);
                }
            }
            self.passed_fds(&snap, now);
            self.colours = colours(&snap);
            self.snap = snap;
        }
        // An exited process holds no connection and no fd, whatever the last fd tables said.
        self.snap.processes.retain(|p| live.contains(&p.pid));
        if !s.procs.is_empty() {
            self.tree_gone = false;
        }
        let ports: HashMap<i32, Vec<u16>> = self
            .snap
            .processes
            .iter()
            .map(|p| {
                let mut v: Vec<u16> = p.listeners.iter().map(|l| l.port).collect();
                v.dedup();
                (p.pid, v)
            })
            .collect();
        let mut rows: Vec<ProcRow> = s
            .procs
            .iter()
            .map(|p| {
                let st = &p.status;
                let mut alias = self.alias(st.pid);
                for port in ports.get(&st.pid).into_iter().flatten() {
                    alias.push_str(&format!(" :{port}"));
                }
                if p.orphan {
                    alias.push_str(&format!(" {}", tr!("watch-orphan")));
                }
                ProcRow {
                    depth: p.depth,
                    role: Role::Other,
                    alias,
                    pid: st.pid,
                    ppid: st.ppid,
                    pgid: st.pgid,
                    sid: st.sid,
                    tty: crate::sys::procfs::tty_name(st.tty_nr),
                    state: st.state,
                    threads: st.threads,
                    cpu: p.cpu,
                    rss_kib: st.rss_kib,
                    accepted: self.accepted.get(&st.pid).copied(),
                    cwd: None,
                    stdio: None,
                    exit: None,
                    fresh: self.born.contains_key(&st.pid),
                    unreported: false,
                }
            })
            .collect();
        for (row, _) in &self.gone {
            // Under its parent if the parent is still on screen, else at the end.
            let at = rows.iter().rposition(|r| r.pid == row.ppid || r.ppid == row.ppid).map(|i| i + 1);
            rows.insert(at.unwrap_or(rows.len()), row.clone());
        }
        self.lab.procs = rows;
        if let Some(pid) = selected
            && let Some(i) = self.lab.procs.iter().position(|p| p.pid == pid)
        {
            self.lab.selected = i;
        }
        self.lab.selected = self.lab.selected.min(self.lab.procs.len().saturating_sub(1));
    }

    /// What became of the processes on screen since the last sample: one that is gone has
    /// exited (its status went to its parent, or to forklab); one that turned zombie has
    /// exited and waits for its parent's wait(2); one whose parent exited lives on, re-parented
    /// (the sampler keeps following it). Once no process of the tree is left, the last rows
    /// stay on screen with how each ended.
    fn exits(&mut self, s: &LiveSample, live: &HashSet<i32>, now: Instant) {
        let me = std::process::id() as i32;
        let exited: Vec<ProcRow> =
            self.lab.procs.iter().filter(|r| r.exit.is_none() && !live.contains(&r.pid)).cloned().collect();
        for mut row in exited {
            let root_told = row.pid == self.snap.root && self.root_exit.is_some();
            let how = match &self.root_exit {
                Some(how) if row.pid == self.snap.root => how.clone(),
                _ => tr!("ev-exited"),
            };
            // By name, without the ports the row adds after it.
            let alias = self.alias(row.pid);
            let text = if root_told {
                format!("{alias} pid {} {how}", row.pid)
            } else if row.state == 'Z' {
                tr!("watch-reaped", alias = &alias, pid = row.pid, ppid = row.ppid)
            } else if row.ppid == me || (!live.contains(&row.ppid) && self.command.is_some()) {
                // Its parent gone too: the kernel gave it to forklab, the subreaper, at once.
                tr!("watch-exited-to-forklab", alias = &alias, pid = row.pid)
            } else if !live.contains(&row.ppid) {
                tr!("watch-exited-orphan", alias = &alias, pid = row.pid, ppid = row.ppid)
            } else {
                tr!("watch-exited-to-parent", alias = &alias, pid = row.pid, ppid = row.ppid)
            };
            row.exit = Some(how);
            row.fresh = true;
            self.gone.retain(|(g, _)| g.pid != row.pid);
            self.gone.push((row, now));
            self.log(now, LogKind::Exit, text);
        }
        for p in &s.procs {
            let st = &p.status;
            let Some(before) = self.lab.procs.iter().find(|r| r.pid == st.pid && r.exit.is_none()) else { continue };
            let alias = self.alias(st.pid);
            if st.state == 'Z' && before.state != 'Z' {
                self.log(now, LogKind::Exit, tr!("watch-zombie-now", alias = &alias, pid = st.pid, ppid = st.ppid));
            } else if st.ppid != before.ppid && p.orphan {
                let to = if st.ppid == me { tr!("watch-to-forklab", pid = me) } else { st.ppid.to_string() };
                let text = tr!("watch-reparented", alias = &alias, pid = st.pid, was = before.ppid, to = to);
                self.log(now, LogKind::Life, text);
            }
        }
        if s.procs.is_empty() && !self.gone.is_empty() {
            if !self.tree_gone {
                self.tree_gone = true;
                let how = self.root_exit.clone().unwrap_or_else(|| tr!("ev-exited"));
                let root = self.alias(self.snap.root);
                self.log(now, LogKind::Bad, tr!("watch-tree-gone-how", alias = root, pid = self.snap.root, how = how));
            }
        } else {
            self.gone.retain(|(_, at)| now.duration_since(*at) < HIGHLIGHT_FOR);
        }
    }

    /// `comm#N`: N counts the processes of that name seen so far, from 1 (serve's W1 is
    /// `forklab-worker#1`, though its master was seen before it).
    fn next_alias(&mut self, name: &str) -> String {
        let n = self.next_alias.entry(name.to_string()).or_insert(0);
        *n += 1;
        format!("{name}#{n}")
    }

    /// A socket inode that appears in a process's table when it was already in another's:
    /// it was passed (SCM_RIGHTS, as Node's primary hands a connection to a worker), as far
    /// as two samples can tell. A process seen for the first time inherited its fds (fork)
    /// and says nothing here.
    fn passed_fds(&mut self, snap: &Snapshot, now: Instant) {
        let mut held: HashMap<i32, HashSet<u64>> = HashMap::new();
        for p in &snap.processes {
            held.insert(p.pid, p.fds.iter().filter_map(|f| f.inode).collect());
        }
        let mut lines = Vec::new();
        for p in &snap.processes {
            let Some(before) = self.held.get(&p.pid) else { continue };
            for f in &p.fds {
                let Some(inode) = f.inode else { continue };
                if before.contains(&inode) {
                    continue;
                }
                let from =
                    self.held.iter().find(|(pid, set)| **pid != p.pid && set.contains(&inode)).map(|(pid, _)| *pid);
                if let Some(from) = from {
                    lines.push(tr!(
                        "watch-socket-passed",
                        inode = inode.to_string(),
                        kind = fd_words(f),
                        alias = self.alias(p.pid),
                        pid = p.pid,
                        fd = f.fd,
                        from_alias = self.alias(from),
                        from = from
                    ));
                }
            }
        }
        for l in lines {
            self.log(now, LogKind::Ipc, l);
        }
        self.held = held;
    }
}

/// Sockets held by more than one process, or whose two ends are both in the tree, get one
/// colour each, the same wherever they are drawn. Keyed by the socket inode (for a Unix pair,
/// the smaller of its two inodes). Worked out once for each snapshot, not for each frame.
fn colours(snap: &Snapshot) -> BTreeMap<u64, usize> {
    let mut holders: HashMap<u64, usize> = HashMap::new();
    for p in &snap.processes {
        for f in &p.fds {
            if let Some(key) = colour_key(f) {
                *holders.entry(key).or_default() += 1;
            }
        }
    }
    let mut shared: Vec<u64> = holders.into_iter().filter(|(_, n)| *n > 1).map(|(k, _)| k).collect();
    shared.sort_unstable();
    shared.into_iter().enumerate().map(|(i, k)| (k, i)).collect()
}

pub fn colour_key(f: &FdSnap) -> Option<u64> {
    let inode = f.inode?;
    Some(match (f.peer_inode, f.peer_pid) {
        (Some(peer), Some(Some(_))) => inode.min(peer),
        _ => inode,
    })
}

/// `tcp ESTAB`, `unix stream`: what kind of socket an fd is.
pub fn fd_words(f: &FdSnap) -> String {
    match f.sock_type {
        Some(t) => format!("{} {t}", f.kind),
        None => f.kind.to_string(),
    }
}

pub fn exit_words(exit: Exit) -> String {
    match exit {
        Exit::Code(c) => format!("exit {c}"),
        Exit::Signal(s, _) => s.as_str().to_string(),
    }
}
