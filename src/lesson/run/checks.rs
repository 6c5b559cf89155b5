//! Every `expect` check, as a function of an [`Observation`]: what the runner saw from the
//! lab's events and its own measurements, and what /proc said at the moment of the check.
//! The runner gathers the observation; deciding a claim here starts no process and reads no
//! file, so each kind of claim is tested on hand-built observations, true and false.

use super::{Measured, Seen};
use crate::lesson::{CountField, ExitSpec, Expect, Metric, Op, ProcField, ProcValue, Target};
use crate::proto::{Event, role};
use std::collections::{BTreeMap, BTreeSet};

/// Everything an `expect` is decided on.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// From the lab's events: live processes, listeners, exits, hung, gave-up, the pidfile.
    pub seen: Seen,
    /// From the runner's own measurements: the last fire, crash, send, work, counter.
    pub measured: Measured,
    /// Read from /proc and the file system when the observation was gathered.
    pub now: Now,
}

#[derive(Debug, Clone, Default)]
pub struct Now {
    /// The pids (of those seen) that /proc shows running, not gone and not a zombie.
    pub live: BTreeSet<i32>,
    /// The socket inode each listener's fd points at now, by alias; None if it is gone.
    pub listener_inodes: BTreeMap<String, Option<u64>>,
    /// The daemon's pidfile, when one was written.
    pub pidfile: Option<PidfileFacts>,
    /// Facts of the processes that `TARGET FIELD == VALUE` claims are about, by alias.
    pub procs: BTreeMap<String, Vec<(ProcField, String)>>,
    /// Numbers of the processes that `TARGET FIELD OP N` claims are about, by alias (`served`
    /// is not here: it comes from the last fire).
    pub counts: BTreeMap<String, Vec<(CountField, f64)>>,
    /// The listening sockets on the lab's port in the fd table of each process that
    /// `same-listener` is about, as (fd, inode), by alias.
    pub listening: BTreeMap<String, Vec<(i32, u64)>>,
    /// The master's live children that run as workers (`forklab-worker` in /proc), by pid.
    pub workers: Vec<i32>,
    /// CPUs this process may run on.
    pub cores: usize,
    pub forklab: i32,
    pub master: i32,
    /// The master is a Node program's (node-fork, node-cluster), not forklab's own.
    pub master_is_node: bool,
}

impl Now {
    /// What the details call the master: "the Node master" when a Node program's, since the
    /// row named `master` on screen is forklab's own.
    fn the_master(&self) -> String {
        if self.master_is_node { tr!("check-the-node-master") } else { tr!("check-the-master") }
    }
}

/// The pidfile and its directory as `lstat(2)` sees them, and the pid the file holds.
#[derive(Debug, Clone, Default)]
pub struct PidfileFacts {
    pub path: String,
    /// (is a regular file, permission bits); None when missing.
    pub file: Option<(bool, u32)>,
    /// (is a directory, permission bits); None when missing.
    pub dir: Option<(bool, u32)>,
    pub holds: Option<i32>,
    /// The pids that hold a flock(2) on the file.
    pub lockers: Vec<i32>,
}

/// Check an expectation against what was observed. Returns (held, what was seen).
pub fn check(e: &Expect, o: &Observation) -> (bool, String) {
    match e {
        Expect::Accounted => accounted(o),
        Expect::SameInode => same_inode(o),
        Expect::Metric { metric, op, value } => match metric_value(*metric, o) {
            Some(v) => (
                op.holds(v, *value),
                tr!("check-metric-is", metric = metric.to_string(), value = number(v), why = metric_why(*metric, o)),
            ),
            None => (false, tr!("check-metric-unknown", metric = metric.to_string(), why = metric_why(*metric, o))),
        },
        Expect::Exited { target, status } => exited(target, *status, o),
        Expect::MetricCores { metric, op } => {
            let cores = o.now.cores as f64;
            match metric_value(*metric, o) {
                Some(v) => (
                    op.holds(v, cores),
                    tr!(
                        "check-metric-cores",
                        metric = metric.to_string(),
                        value = number(v),
                        cores = number(cores),
                        why = metric_why(*metric, o)
                    ),
                ),
                None => (false, tr!("check-metric-unknown", metric = metric.to_string(), why = "")),
            }
        }
        Expect::Hung(t) => {
            let alias = t.to_string();
            let hung = o.seen.hung.contains(&alias);
            (hung, tr!(if hung { "check-hung" } else { "check-not-hung" }, alias = alias.as_str()))
        }
        Expect::GaveUp(t) => {
            let alias = t.to_string();
            match o.seen.gave_up.get(&alias) {
                Some(n) => (true, tr!("check-gave-up", alias = alias.as_str(), n = *n)),
                None => (false, tr!("check-not-gave-up", alias = alias.as_str())),
            }
        }
        Expect::Survived(t) => survived(t, o),
        Expect::Served { target, op, value } => served(target, *op, *value, o),
        Expect::Cost { figure, op, than } => cost(figure, *op, than, o),
        Expect::Not(inner) => {
            let (held, detail) = check(inner, o);
            (!held, detail)
        }
        Expect::Rolled => rolled(o),
        Expect::LostOnlyHeld => lost_only_held(o),
        Expect::Sticky => sticky(o),
        Expect::HandleArrived => match o.measured.handle {
            Some((sent, fd, got)) => {
                let detail = tr!("check-handle", sent = sent.to_string(), fd = fd.to_string(), got = got.to_string());
                (sent != 0 && sent == got, detail)
            }
            None => (false, tr!("check-no-handle")),
        },
        Expect::ScmRights => scm_rights(o),
        Expect::AllCoresBusy => all_cores_busy(o),
        Expect::Pidfile => pidfile(o),
        Expect::Proc { target, field, equal, value } => proc_fact(target, *field, *equal, value, o),
        Expect::Count { target, field, op, value } => count(target, *field, *op, *value, o),
        Expect::SameListener(a, b) => same_listener(a, b, o),
    }
}

/// A traced sendmsg() passed at least one fd in an SCM_RIGHTS control message.
fn scm_rights(o: &Observation) -> (bool, String) {
    match &o.measured.sendmsg {
        None => (false, tr!("check-no-node-fork")),
        Some(Err(why)) => (false, tr!("check-strace-nothing", why = why.to_string())),
        Some(Ok(calls)) => match calls.iter().find(|(_, passed)| !passed.is_empty()) {
            Some((fd, passed)) => (true, tr!("check-scm-rights", fd = fd, fds = passed.join(", "))),
            None => (false, tr!("check-no-scm-rights", calls = calls.len())),
        },
    }
}

/// Both hold the lab port's listening socket: one inode, under an fd of each one's own.
fn same_listener(a: &Target, b: &Target, o: &Observation) -> (bool, String) {
    let held = |t: &Target| {
        let alias = t.to_string();
        let fds = o.now.listening.get(&alias).cloned().unwrap_or_default();
        let words: Vec<String> = fds.iter().map(|(fd, i)| format!("fd {fd} -> socket:[{i}]")).collect();
        let shown = match o.seen.pids.get(&alias) {
            Some(pid) if !words.is_empty() => format!("{alias} (pid {pid}) {}", words.join(", ")),
            Some(pid) => tr!("check-no-listener-on-port", alias = alias.as_str(), pid = *pid),
            None => tr!("check-no-process", alias = alias.as_str()),
        };
        (fds.iter().map(|(_, i)| *i).collect::<BTreeSet<u64>>(), shown)
    };
    let ((ia, sa), (ib, sb)) = (held(a), held(b));
    let same =
        ia.intersection(&ib).next().is_some() && o.seen.pids.get(&a.to_string()) != o.seen.pids.get(&b.to_string());
    (same, format!("{sa}{}{sb}", crate::i18n::clause_sep()))
}

fn count(target: &Target, field: CountField, op: Op, value: f64, o: &Observation) -> (bool, String) {
    let alias = target.to_string();
    let found = match field {
        CountField::Served => o.measured.fire.as_ref().map(|f| f.per_worker.get(&alias).copied().unwrap_or(0) as f64),
        _ => o.now.counts.get(&alias).and_then(|c| c.iter().find(|(f, _)| *f == field)).map(|(_, v)| *v),
    };
    match (found, field) {
        (Some(v), CountField::Served) => {
            (op.holds(v, value), tr!("check-served-last-fire", alias = alias.as_str(), n = number(v)))
        }
        (Some(v), _) => {
            let detail = tr!("check-field-is", alias = alias.as_str(), field = field.name(), value = number(v));
            // In a Node lesson `master` is the Node program's primary, not forklab's own row.
            let detail = if *target == Target::Master && o.now.master_is_node {
                format!("{detail} ({})", o.now.the_master())
            } else {
                detail
            };
            (op.holds(v, value), detail)
        }
        (None, CountField::Served) => (false, tr!("check-no-fire")),
        (None, _) => (false, tr!("check-not-running", alias = alias.as_str())),
    }
}

/// The /proc fields `e` compares (also under `not`).
pub fn proc_fields(e: &Expect) -> Vec<ProcField> {
    match e {
        Expect::Proc { field, .. } => vec![*field],
        Expect::Not(inner) => proc_fields(inner),
        _ => Vec::new(),
    }
}

/// The targets whose /proc facts `e` needs (`daemon ppid == forklab`, also under `not`).
pub fn proc_targets(e: &Expect) -> Vec<Target> {
    match e {
        Expect::Proc { target, .. } | Expect::Count { target, .. } => vec![*target],
        Expect::SameListener(a, b) => vec![*a, *b],
        Expect::Not(inner) => proc_targets(inner),
        _ => Vec::new(),
    }
}

fn accounted(o: &Observation) -> (bool, String) {
    let Some(f) = &o.measured.fire else { return (false, tr!("check-no-fire")) };
    let s = &f.summary;
    let by_worker: u64 = f.per_worker.values().sum();
    let ok = s.completed + s.failed == s.fired && by_worker == s.completed && f.accepted >= s.completed;
    (
        ok,
        tr!(
            "check-accounted",
            fired = s.fired,
            completed = s.completed,
            failed = s.failed,
            by_worker = by_worker,
            accepted = f.accepted
        ),
    )
}

/// Every connection of the last fire or load answered by one worker, all its requests; and at
/// least one connection carried more than one, or there was nothing to be sticky about.
fn sticky(o: &Observation) -> (bool, String) {
    let Some(f) = &o.measured.fire else { return (false, tr!("check-no-fire")) };
    let s = &f.summary;
    let ok = s.kept_alive > 0 && s.switched == 0;
    let detail = match s.kept_replies {
        Some((fewest, most)) if s.kept_alive > 0 => {
            let each = if fewest == most {
                tr!("check-sticky-each", n = most)
            } else {
                tr!("check-sticky-range", fewest = fewest, most = most)
            };
            tr!("check-sticky", kept = s.kept_alive, fired = s.fired, each = each, switched = s.switched)
        }
        _ => tr!("check-sticky-none", fired = s.fired),
    };
    (ok, detail)
}

fn exited(target: &Target, status: ExitSpec, o: &Observation) -> (bool, String) {
    let alias = target.to_string();
    let Some(Event::Exited { code, signal, .. }) = o.seen.exits.get(&alias) else {
        return (false, tr!("check-not-exited", alias = alias.as_str()));
    };
    let ok = match status {
        ExitSpec::Code(c) => *code == Some(c),
        ExitSpec::Signal(s) => signal.as_deref() == Some(s.as_str()),
    };
    let seen = match (code, signal) {
        (Some(c), _) => tr!("check-exited-code", alias = alias.as_str(), code = *c),
        (_, Some(s)) => tr!("check-killed-by", alias = alias.as_str(), signal = s.as_str()),
        _ => tr!("check-ended", alias = alias.as_str()),
    };
    (ok, seen)
}

fn survived(t: &Target, o: &Observation) -> (bool, String) {
    let alias = t.to_string();
    match (o.measured.before_crash.get(&alias), o.seen.pids.get(&alias)) {
        (Some(b), Some(n)) if b == n && o.now.live.contains(n) => {
            (true, tr!("check-still-alive", alias = alias.as_str(), pid = *n))
        }
        (Some(b), _) => (false, tr!("check-pid-changed", alias = alias.as_str(), pid = *b)),
        _ => (false, tr!("check-not-running-before", alias = alias.as_str())),
    }
}

/// The connections `t` served in the last fire, from the replies, against its even share.
fn served(t: &Target, op: crate::lesson::Op, value: f64, o: &Observation) -> (bool, String) {
    let alias = t.to_string();
    let Some(f) = &o.measured.fire else { return (false, tr!("check-no-fire")) };
    let n = f.per_worker.get(&alias).copied().unwrap_or(0);
    let even = f.summary.completed as f64 / f.per_worker.len().max(1) as f64;
    let shares: Vec<String> = f.per_worker.iter().map(|(a, n)| format!("{a}:{n}")).collect();
    (
        op.holds(n as f64, value),
        tr!(
            "check-served-share",
            alias = alias.as_str(),
            n = n,
            completed = f.summary.completed,
            even = format!("{even:.0}"),
            shares = shares.join(" ")
        ),
    )
}

/// A figure of the last measurement of its kind, as the process that measured it reported.
fn cost_figure(f: &crate::lesson::CostFigure, o: &Observation) -> Result<f64, String> {
    let what = f.what.name();
    let Some(figures) = o.measured.costs.get(what) else { return Err(tr!("check-not-measured", what = what)) };
    figures
        .iter()
        .find(|(name, _)| *name == f.name)
        .map(|(_, v)| *v as f64)
        .ok_or_else(|| tr!("check-no-figure", what = what, name = f.name.as_str()))
}

fn cost(
    f: &crate::lesson::CostFigure,
    op: crate::lesson::Op,
    than: &crate::lesson::CostThan,
    o: &Observation,
) -> (bool, String) {
    use crate::lesson::CostThan;
    let label = |f: &crate::lesson::CostFigure| format!("{}.{}", f.what.name(), f.name);
    let left = match cost_figure(f, o) {
        Ok(v) => v,
        Err(e) => return (false, e),
    };
    let (right, said) = match than {
        CostThan::Number(v) => (*v, String::new()),
        CostThan::Figure(g) => match cost_figure(g, o) {
            Ok(v) => (v, crate::i18n::clause_sep() + &tr!("check-figure-is", figure = label(g), value = number(v))),
            Err(e) => return (false, e),
        },
        CostThan::Scaled(g, times) => match cost_figure(g, o) {
            Ok(v) => {
                let scaled = v * times;
                let said = tr!(
                    "check-figure-times",
                    figure = label(g),
                    value = number(v),
                    times = times.to_string(),
                    scaled = number(scaled.round())
                );
                (scaled, crate::i18n::clause_sep() + &said)
            }
            Err(e) => return (false, e),
        },
    };
    (op.holds(left, right), format!("{}{said}", tr!("check-figure-is", figure = label(f), value = number(left))))
}

/// The work's own processes kept every core we may use busy: their CPU time over the time it
/// took is at least three quarters of the cores. A shortfall says whether other programs had
/// the cores meanwhile.
fn all_cores_busy(o: &Observation) -> (bool, String) {
    let cores = o.now.cores as f64;
    let Some(w) = &o.measured.work else { return (false, tr!("check-no-work")) };
    let held = w.cores_used >= 0.75 * cores;
    let got = tr!("check-cores-used", used = format!("{:.2}", w.cores_used), cores = number(cores));
    let others = format!("{:.2}", w.others);
    let why = if held {
        return (held, got);
    } else if others_had_the_cores(w, cores) {
        tr!("check-cores-busy-others", others = others)
    } else {
        tr!("check-cores-not-parallel", others = others)
    };
    (held, tr!("check-cores-why", got = got, why = why))
}

/// Other programs used at least half of the cores the work left over: the machine was busy,
/// which explains a shortfall (it decides no claim).
fn others_had_the_cores(w: &super::Work, cores: f64) -> bool {
    w.others >= 0.5 * (cores - w.cores_used)
}

/// More of what a metric was measured on, when the number alone does not say it.
fn metric_why(m: Metric, o: &Observation) -> String {
    match (m, &o.measured.work) {
        (Metric::Pids | Metric::CoresUsed, Some(w)) => {
            let each = |procs: &[(String, i32, f64)]| -> Vec<String> {
                procs.iter().map(|(a, p, cpu)| format!("{a} pid {p} {cpu:.2} s")).collect()
            };
            let mut why = match each(&w.by_proc) {
                none if none.is_empty() && w.short.is_empty() => tr!("check-why-no-cpu"),
                none if none.is_empty() => String::new(),
                each => tr!("check-why-cpu-time", each = crate::i18n::list(&each)),
            };
            // A process told to work that does not count: why, when other programs had the cores.
            if !w.short.is_empty() {
                let short = tr!("check-why-short", each = crate::i18n::list(&each(&w.short)));
                let busy = others_had_the_cores(w, o.now.cores as f64);
                let others = format!("{:.2}", w.others);
                let short = if busy {
                    tr!("check-cores-why", got = short, why = tr!("check-cores-busy-others", others = others))
                } else {
                    short
                };
                why = if why.is_empty() { short } else { format!("{why}{}{short}", crate::i18n::clause_sep()) };
            }
            aside(why)
        }
        (Metric::Restarts | Metric::MaxDelayMs, _) if o.measured.crash.is_some() => {
            let delays: Vec<String> = o.measured.respawn_delays.iter().map(|d| d.to_string()).collect();
            aside(tr!("check-why-delays", delays = crate::i18n::list(&delays)))
        }
        (Metric::Messages | Metric::Fds, _) => {
            let sent = o
                .measured
                .messages
                .iter()
                .filter(|m| matches!(m, Event::Message { to, .. } if to != role::MASTER))
                .count();
            let (got, _, fds) = crossed(&o.measured.messages);
            aside(tr!("check-why-crossed", got = got, fds = fds, sent = sent))
        }
        (Metric::MasterCounter, _) => {
            let order: Vec<String> = o.measured.copies.iter().map(|(a, _, _, v)| format!("{a} {v}")).collect();
            let order = if order.is_empty() { tr!("check-none") } else { crate::i18n::list(&order) };
            aside(tr!("check-why-order", order = order))
        }
        (Metric::VisitsMax | Metric::VisitsSum, _) => match &o.measured.fire {
            Some(f) if !f.summary.visits.is_empty() => {
                let each: Vec<String> = f.summary.visits.iter().map(|(a, n)| format!("{a} {n}")).collect();
                let each = crate::i18n::list(&each);
                aside(tr!("check-why-visits", each = each, completed = f.summary.completed))
            }
            _ => aside(tr!("check-why-no-visits")),
        },
        (Metric::Workers, _) => {
            let pids: Vec<String> = o.now.workers.iter().map(|p| p.to_string()).collect();
            let pids = if pids.is_empty() { tr!("check-none") } else { pids.join(" ") };
            aside(tr!("check-why-workers", who = o.now.the_master(), pids = pids))
        }
        _ => String::new(),
    }
}

/// A note after a figure: ` (…)` in English, `（…）` in Chinese (no ASCII brackets around
/// Chinese text).
fn aside(text: String) -> String {
    tr!("aside", text = text)
}

fn rolled(o: &Observation) -> (bool, String) {
    let rolling = &o.measured.rolling;
    let mut ready = BTreeSet::new();
    let mut retired = Vec::new();
    let mut replaced = None;
    let mut problems = Vec::new();
    for ev in rolling {
        match ev {
            Event::WorkerReady { alias, .. } => {
                ready.insert(alias.clone());
            }
            Event::Retiring { alias, replaced_by, .. } => {
                if !ready.contains(replaced_by) {
                    problems.push(tr!("check-rolled-early", alias = alias.as_str(), successor = replaced_by.as_str()));
                }
                retired.push(alias.clone());
            }
            Event::Rolled { replaced: n, .. } => replaced = Some(*n),
            _ => {}
        }
    }
    for alias in &retired {
        let clean = rolling.iter().any(|e| matches!(e, Event::Exited { alias: a, code: Some(0), .. } if a == alias));
        if !clean {
            problems.push(tr!("check-rolled-not-clean", alias = alias.as_str()));
        }
    }
    // No idle connection to drain (none opened, or blocking mode) is no proof of draining.
    let idle = o.measured.rolled_idle.unwrap_or_default();
    if idle.graceful == 0 {
        problems.push(tr!("check-rolled-no-idle"));
    }
    if idle.reset > 0 || idle.open > 0 {
        problems.push(tr!("check-rolled-idle-lost", reset = idle.reset, open = idle.open));
    }
    let under_load = o.measured.rolled_under_load;
    if under_load == Some(false) {
        problems.push(tr!("check-rolled-load-ended"));
    }
    let ok = problems.is_empty() && replaced.is_some_and(|n| n as usize == retired.len() && n > 0);
    let detail = if problems.is_empty() {
        let load = if under_load == Some(true) { tr!("check-rolled-under-load") } else { String::new() };
        tr!("check-rolled", replaced = retired.len(), load = load, idle = idle.graceful)
    } else {
        problems.join(&crate::i18n::clause_sep())
    };
    (ok, detail)
}

fn lost_only_held(o: &Observation) -> (bool, String) {
    let (Some(fire), Some((alias, held))) = (&o.measured.fire, &o.measured.crash) else {
        return (false, tr!("check-no-crash-load"));
    };
    let elsewhere =
        o.measured.load_conns.iter().filter(|c| !c.ok && c.worker.as_ref().is_some_and(|w| w != alias)).count();
    let failed = fire.summary.failed;
    let in_channel = o.measured.in_channel;
    let channel = if in_channel > 0 { tr!("check-lost-channel", n = in_channel) } else { String::new() };
    (
        failed <= *held + in_channel && elsewhere == 0,
        tr!(
            "check-lost-only-held",
            failed = failed,
            elsewhere = elsewhere,
            alias = alias.as_str(),
            held = *held,
            channel = channel
        ),
    )
}

fn pidfile(o: &Observation) -> (bool, String) {
    let Some(p) = &o.now.pidfile else { return (false, tr!("check-no-pidfile")) };
    let (Some((is_file, fmode)), Some((is_dir, dmode))) = (p.file, p.dir) else {
        return (false, tr!("check-missing", path = p.path.as_str()));
    };
    let daemon = o.seen.pids.get(role::DAEMON).copied();
    // The lock, not the file, says the daemon runs: it must be the daemon's.
    let locked = daemon.is_some_and(|d| p.lockers.contains(&d));
    let ok = is_file && fmode == 0o600 && is_dir && dmode == 0o700 && p.holds.is_some() && p.holds == daemon && locked;
    (
        ok,
        tr!(
            "check-pidfile",
            path = p.path.as_str(),
            fmode = format!("{fmode:04o}"),
            dmode = format!("{dmode:04o}"),
            pid = p.holds.map_or("?".into(), |p| p.to_string()),
            lockers = if p.lockers.is_empty() { tr!("check-nobody") } else { format!("{:?}", p.lockers) }
        ),
    )
}

fn proc_fact(target: &Target, field: ProcField, equal: bool, value: &ProcValue, o: &Observation) -> (bool, String) {
    let alias = target.to_string();
    let (Some(pid), Some(facts)) = (o.seen.pids.get(&alias), o.now.procs.get(&alias)) else {
        return (false, tr!("check-no-live-process", alias = alias.as_str()));
    };
    let actual = facts.iter().find(|(f, _)| *f == field).map_or("gone", |(_, v)| v.as_str());
    let (want, named) = match value {
        ProcValue::Forklab => (o.now.forklab.to_string(), " (forklab)".to_string()),
        ProcValue::Master => (o.now.master.to_string(), format!(" ({})", o.now.the_master())),
        ProcValue::SelfPid => (pid.to_string(), format!(" ({})", tr!("check-its-own-pid"))),
        ProcValue::None => ("none".to_string(), String::new()),
        ProcValue::Text(t) => (t.clone(), String::new()),
    };
    let same = if field == ProcField::Umask {
        u32::from_str_radix(actual, 8).ok() == u32::from_str_radix(&want, 8).ok()
    } else {
        actual == want
    };
    let rel = if same { "==" } else { "!=" };
    let detail = tr!(
        "check-proc-fact",
        target = target.to_string(),
        field = field.name(),
        actual = actual,
        rel = rel,
        want = want.as_str(),
        named = named
    );
    // A peer's pid means fd 3 is a connected Unix stream socket (fd3_peer says so otherwise).
    let detail = if field == ProcField::Fd3Peer && actual.parse::<i32>().is_ok() {
        format!("{detail}{}", tr!("check-fd3-stream"))
    } else {
        detail
    };
    // `tty == none` claims the daemon lost its terminal: say what it had before the step.
    if let (ProcField::Tty, ProcValue::None, true, Some((step, before))) =
        (field, value, equal, &o.measured.daemon_before)
    {
        let was = before.iter().find(|(f, _)| *f == ProcField::Tty).map_or("unknown", |(_, v)| v.as_str());
        let lost = match (was, o.measured.forklab_tty.as_deref()) {
            ("none", Some(tty)) if tty != "none" => {
                tr!("check-tty-lost-earlier", step = step.as_str(), tty = tty)
            }
            ("none", _) => tr!("check-tty-none-before", step = step.as_str()),
            (was, _) => tr!("check-tty-lost", was = was, step = step.as_str()),
        };
        return (same, format!("{detail}{lost}"));
    }
    (same == equal, detail)
}

/// Every process of the pool that holds the listener holds the same socket, as /proc showed
/// it when observed, not only as reported.
fn same_inode(o: &Observation) -> (bool, String) {
    if o.seen.listeners.is_empty() {
        return (false, tr!("check-no-listener"));
    }
    let mut shown = Vec::new();
    let mut inodes = Vec::new();
    for (alias, (_, fd, _, _)) in &o.seen.listeners {
        let live = o.now.listener_inodes.get(alias).copied().flatten();
        shown.push(format!("{alias} fd {fd} -> {}", live.map(|i| format!("socket:[{i}]")).unwrap_or("gone".into())));
        let Some(inode) = live else { return (false, crate::i18n::list(&shown)) };
        inodes.push(inode);
    }
    let all_same = inodes.iter().all(|i| Some(i) == inodes.first());
    (all_same && inodes.len() > 1, crate::i18n::list(&shown))
}

fn metric_value(m: Metric, o: &Observation) -> Option<f64> {
    let (f, measured) = (o.measured.fire.as_ref(), &o.measured);
    match m {
        Metric::Failed => f.map(|f| f.summary.failed as f64),
        Metric::Completed => f.map(|f| f.summary.completed as f64),
        Metric::Fired => f.map(|f| f.summary.fired as f64),
        Metric::Spread => f.map(|f| {
            let max = f.per_worker.values().max().copied().unwrap_or(0);
            let min = f.per_worker.values().min().copied().unwrap_or(0);
            (max - min) as f64
        }),
        Metric::Workers => Some(o.now.workers.len() as f64),
        Metric::P50Ms => f.map(|f| f.summary.p50_ms),
        Metric::MaxMs => f.map(|f| f.summary.max_ms),
        Metric::Held => measured.crash.as_ref().map(|(_, h)| *h as f64),
        // What the runner saw happen across the crash loop, not what the master announced.
        Metric::Restarts => measured.crash.as_ref().map(|_| measured.respawn_delays.len() as f64),
        Metric::MaxDelayMs => measured.respawn_delays.iter().max().map(|d| *d as f64),
        // What crossed the channels, as each receiver counted it: the master's log of what it
        // received, and each worker's report of what it received; not what was sent.
        Metric::Messages => Some(crossed(&measured.messages).0 as f64),
        Metric::Fds => Some(crossed(&measured.messages).2 as f64),
        // The round trip, once the pinged worker said the ping arrived.
        Metric::RttUs => measured
            .rtt_us
            .filter(|_| measured.messages.iter().any(|m| matches!(m, Event::Received { cmd, .. } if cmd == "ping")))
            .map(|r| r as f64),
        Metric::CoresUsed => measured.work.as_ref().map(|w| w.cores_used),
        Metric::Pids => measured.work.as_ref().map(|w| w.pids as f64),
        Metric::Tids => measured.work.as_ref().map(|w| w.tids as f64),
        Metric::Counter => {
            let values: BTreeSet<u64> =
                measured.counters.iter().filter(|(a, ..)| a != role::MASTER).map(|(_, _, _, v)| *v).collect();
            match values.len() {
                0 => None,
                1 => values.first().map(|v| *v as f64),
                _ => Some(-1.0),
            }
        }
        // The master's copy, as it read it after every worker had written its own: a report
        // from before the workers wrote says nothing about what their writes did.
        Metric::MasterCounter => {
            let copies = &measured.copies;
            let at = copies.iter().position(|(a, ..)| a == role::MASTER)?;
            let workers_before = copies[..at].iter().filter(|(a, ..)| a != role::MASTER).count();
            let workers_in_all = copies.iter().filter(|(a, ..)| a != role::MASTER).count();
            (workers_before > 0 && workers_before == workers_in_all).then(|| copies[at].3 as f64)
        }
        Metric::Sigchld => measured.reaped.map(|(signals, _)| f64::from(signals)),
        Metric::Reaped => measured.reaped.map(|(_, children)| f64::from(children)),
        Metric::Established => measured.connected.map(|(established, _)| f64::from(established)),
        Metric::TimedOut => measured.connected.map(|(_, timed_out)| f64::from(timed_out)),
        Metric::Queued => measured.queued.map(|q| q as f64),
        Metric::IdleClosed => measured.held_idle.map(|e| e.graceful as f64),
        Metric::IdleReset => measured.held_idle.map(|e| e.reset as f64),
        Metric::VisitsMax => f.and_then(|f| f.summary.visits.values().max()).map(|v| *v as f64),
        Metric::VisitsSum => {
            f.filter(|f| !f.summary.visits.is_empty()).map(|f| f.summary.visits.values().sum::<u64>() as f64)
        }
    }
}

/// The messages of a `send` that arrived, as their receivers counted them: (messages, bytes,
/// fds). The master reports what it received (`to` the master); each worker what it received.
pub fn crossed(messages: &[Event]) -> (usize, u64, u32) {
    let mut n = (0, 0, 0);
    for m in messages {
        match m {
            Event::Message { to, bytes, fds, .. } if to == role::MASTER => n = (n.0 + 1, n.1 + bytes, n.2 + fds),
            Event::Received { bytes, fds, .. } => n = (n.0 + 1, n.1 + bytes, n.2 + fds),
            _ => {}
        }
    }
    n
}

/// A measured value for people: whole numbers as such, others to two decimals.
fn number(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v}") } else { format!("{v:.2}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::run::idle::IdleEnd;
    use crate::lesson::run::{Fired, Work};
    use crate::lesson::{CostThan, Op};
    use crate::proto::HowListening;
    use crate::proto::client::{ClientSummary, ConnError, ConnRecord};
    use nix::sys::signal::Signal;

    /// An observation with nothing seen yet, on a 4-core machine; forklab is pid 1, the master 10.
    fn obs() -> Observation {
        let now = Now { cores: 4, forklab: 1, master: 10, ..Now::default() };
        Observation { now, ..Observation::default() }
    }

    /// The same, after a fire: `fired` connections, `failed` of them, the rest by who answered.
    fn fired(fired: u64, failed: u64, per_worker: &[(&str, u64)], accepted: u64) -> Observation {
        let per_worker: BTreeMap<String, u64> = per_worker.iter().map(|(a, n)| (a.to_string(), *n)).collect();
        let summary = ClientSummary {
            done: true,
            fired,
            completed: fired - failed,
            failed,
            errors: BTreeMap::new(),
            per_worker: per_worker.clone(),
            elapsed_s: 1.0,
            conn_per_s: fired as f64,
            p50_ms: 2.0,
            p99_ms: 5.0,
            max_ms: 9.0,
            kept_alive: 0,
            switched: 0,
            kept_replies: None,
            visits: BTreeMap::new(),
        };
        let mut o = obs();
        o.measured.fire = Some(Fired { summary, per_worker, accepted });
        o
    }

    /// Workers by alias, each live (in /proc) or not.
    fn with_pids(mut o: Observation, pids: &[(&str, i32, bool)]) -> Observation {
        for (alias, pid, live) in pids {
            o.seen.pids.insert(alias.to_string(), *pid);
            if *live {
                o.now.live.insert(*pid);
            }
        }
        o
    }

    fn exited(alias: &str, code: Option<i32>, signal: Option<&str>) -> Observation {
        let mut o = obs();
        let ev = Event::Exited {
            alias: alias.into(),
            pid: 20,
            code,
            signal: signal.map(str::to_string),
            core_dumped: false,
        };
        o.seen.exits.insert(alias.into(), ev);
        o
    }

    fn listeners(inodes: &[(&str, Option<u64>)]) -> Observation {
        let mut o = obs();
        for (i, (alias, inode)) in inodes.iter().enumerate() {
            o.seen.listeners.insert(alias.to_string(), (10 + i as i32, 5, 42, HowListening::Inherited));
            o.now.listener_inodes.insert(alias.to_string(), *inode);
        }
        o
    }

    /// After a `work`: the CPU seconds the kernel charged each worker that did it, in 1 s,
    /// while other programs used `others` cores.
    fn work(by_proc: &[(&str, f64)], others: f64) -> Observation {
        let mut o = obs();
        let by_proc: Vec<(String, i32, f64)> =
            by_proc.iter().enumerate().map(|(i, (a, cpu))| (a.to_string(), 11 + i as i32, *cpu)).collect();
        let cores_used = by_proc.iter().map(|(_, _, c)| c).sum();
        o.measured.work = Some(Work { cores_used, others, pids: by_proc.len(), tids: 4, by_proc, short: vec![] });
        o
    }

    fn worker_children(pids: &[i32]) -> Observation {
        let mut o = obs();
        o.now.workers = pids.to_vec();
        o
    }

    fn rolled(events: Vec<Event>, under_load: Option<bool>) -> Observation {
        let mut o = obs();
        o.measured.rolling = events;
        o.measured.rolled_under_load = under_load;
        o.measured.rolled_idle = Some(IdleEnd { graceful: 4, reset: 0, open: 0 });
        o
    }

    fn roll_of(w1_code: i32, ready_first: bool) -> Vec<Event> {
        let ready = Event::WorkerReady { alias: "W2".into(), pid: 22 };
        let retiring = Event::Retiring { alias: "W1".into(), pid: 21, replaced_by: "W2".into() };
        let exit = Event::Exited { alias: "W1".into(), pid: 21, code: Some(w1_code), signal: None, core_dumped: false };
        let done = Event::Rolled { alias: "master".into(), pid: 10, replaced: 1 };
        if ready_first { vec![ready, retiring, exit, done] } else { vec![retiring, ready, exit, done] }
    }

    /// A fire of `conns` connections, `kept_alive` of them carrying several requests, of which
    /// `switched` had replies from more than one worker.
    fn keep_alive(conns: u64, kept_alive: u64, switched: u64) -> Observation {
        let mut o = fired(conns, 0, &[("W1", conns)], conns);
        let f = o.measured.fire.as_mut().unwrap();
        (f.summary.kept_alive, f.summary.switched) = (kept_alive, switched);
        f.summary.kept_replies = (kept_alive > 0).then_some((10, 10));
        o
    }

    /// A `visit` fire: each worker's highest count, one visit per connection.
    fn visits(counts: &[(&str, u64)]) -> Observation {
        let total = counts.iter().map(|(_, n)| n).sum();
        let mut o = fired(total, 0, counts, total);
        o.measured.fire.as_mut().unwrap().summary.visits = counts.iter().map(|(a, n)| (a.to_string(), *n)).collect();
        o
    }

    fn failed_conn(conn: u32, worker: Option<&str>) -> ConnRecord {
        ConnRecord {
            conn,
            ok: false,
            worker: worker.map(str::to_string),
            pid: None,
            error: Some(ConnError::Reset),
            us: 9,
            ..ConnRecord::default()
        }
    }

    fn load_across_crash(failed: u64, held: u64, conns: Vec<ConnRecord>) -> Observation {
        let mut o = fired(100, failed, &[("W1", 100 - failed)], 100);
        o.measured.crash = Some(("W2".into(), held));
        o.measured.load_conns = conns;
        o
    }

    fn pidfile(file_mode: u32, dir_mode: u32, holds: i32, daemon: i32) -> Observation {
        let mut o = with_pids(obs(), &[("daemon", daemon, true)]);
        o.seen.pidfile = Some("/run/x/daemon.pid".into());
        o.now.pidfile = Some(PidfileFacts {
            path: "/run/x/daemon.pid".into(),
            file: Some((true, file_mode)),
            dir: Some((true, dir_mode)),
            holds: Some(holds),
            lockers: vec![daemon],
        });
        o
    }

    fn daemon_facts(facts: &[(ProcField, &str)]) -> Observation {
        let mut o = with_pids(obs(), &[("daemon", 77, true)]);
        o.now.procs.insert("daemon".into(), facts.iter().map(|(f, v)| (*f, v.to_string())).collect());
        o
    }

    /// W2 was pid 12 before the crash; now W2 is `pid`, alive or not.
    fn w2_was_12_and_now(pid: i32, live: bool) -> Observation {
        let mut o = with_pids(obs(), &[("W2", pid, live)]);
        o.measured.before_crash.insert("W2".into(), 12);
        o
    }

    fn daemon_claim(field: ProcField, equal: bool, value: ProcValue) -> Expect {
        Expect::Proc { target: Target::Daemon, field, equal, value }
    }

    fn handle(sent: u64, got: u64) -> Observation {
        let mut o = obs();
        o.measured.handle = Some((sent, 7, got));
        o
    }

    fn figure(what: &str, name: &str) -> crate::lesson::CostFigure {
        let what = crate::lesson::CostKind::ALL.into_iter().find(|k| k.name() == what).unwrap();
        crate::lesson::CostFigure { what, name: name.into() }
    }

    fn cost_claim(what: &str, name: &str, op: Op, than: CostThan) -> Expect {
        Expect::Cost { figure: figure(what, name), op, than }
    }

    /// Measurements reported: (kind, figure, value).
    fn costs(figures: &[(&str, &str, u64)]) -> Observation {
        let mut o = obs();
        for (what, name, v) in figures {
            o.measured.costs.entry(what.to_string()).or_default().push((name.to_string(), *v));
        }
        o
    }

    /// One test per kind of claim: it holds on the first observation and fails on the second.
    macro_rules! claim {
        ($name:ident, $expect:expr, holds: $yes:expr, fails: $no:expr) => {
            #[test]
            fn $name() {
                let e: Expect = $expect;
                let (held, detail) = check(&e, &$yes);
                assert!(held, "`{e}` should hold: {detail}");
                let (held, detail) = check(&e, &$no);
                assert!(!held, "`{e}` should fail: {detail}");
            }
        };
    }

    claim!(accounted, Expect::Accounted,
        holds: fired(10, 2, &[("W1", 5), ("W2", 3)], 8),
        // One reply more by worker than connections completed: something was counted twice.
        fails: fired(10, 2, &[("W1", 5), ("W2", 4)], 8));
    claim!(accounted_needs_the_workers_accepts, Expect::Accounted,
        holds: fired(4, 0, &[("W1", 4)], 4),
        fails: fired(4, 0, &[("W1", 4)], 3));
    claim!(same_inode, Expect::SameInode,
        holds: listeners(&[("W1", Some(42)), ("master", Some(42))]),
        fails: listeners(&[("W1", Some(43)), ("master", Some(42))]));
    claim!(same_inode_needs_the_fds_still_open, Expect::SameInode,
        holds: listeners(&[("W1", Some(42)), ("W2", Some(42))]),
        fails: listeners(&[("W1", Some(42)), ("W2", None)]));
    claim!(metric, Expect::Metric { metric: Metric::Spread, op: Op::Le, value: 1.0 },
        holds: fired(9, 0, &[("W1", 5), ("W2", 4)], 9),
        fails: fired(9, 0, &[("W1", 6), ("W2", 3)], 9));
    // Workers are the master's live worker children in /proc, not the aliases reported.
    claim!(metric_workers_counts_the_masters_children, Expect::Metric { metric: Metric::Workers, op: Op::Eq, value: 2.0 },
        holds: worker_children(&[11, 12]),
        fails: { let mut o = with_pids(worker_children(&[11]), &[("W1", 11, true), ("W2", 12, true)]); o.now.cores = 2; o });
    claim!(metric_workers_equal_cores, Expect::MetricCores { metric: Metric::Workers, op: Op::Eq },
        holds: worker_children(&[11, 12, 13, 14]),
        fails: worker_children(&[11, 12, 13]));
    claim!(metric_unknown_yet_fails, Expect::Metric { metric: Metric::Failed, op: Op::Eq, value: 0.0 },
        holds: fired(3, 0, &[("W1", 3)], 3),
        fails: obs());
    claim!(exited_by_signal, Expect::Exited { target: Target::Worker(2), status: ExitSpec::Signal(Signal::SIGSEGV) },
        holds: exited("W2", None, Some("SIGSEGV")),
        fails: exited("W2", None, Some("SIGKILL")));
    claim!(exited_with_code, Expect::Exited { target: Target::Worker(3), status: ExitSpec::Code(101) },
        holds: exited("W3", Some(101), None),
        fails: exited("W1", Some(101), None));
    // PIDs are the processes the kernel charged CPU time during the work, whoever was told.
    claim!(metric_cores, Expect::MetricCores { metric: Metric::Pids, op: Op::Eq },
        holds: work(&[("W1", 0.9), ("W2", 0.8), ("W3", 0.9), ("W4", 0.7)], 0.1),
        fails: work(&[("W1", 0.9), ("W2", 0.8), ("W3", 0.9)], 0.1));
    claim!(served, Expect::Served { target: Target::Worker(1), op: Op::Lt, value: 10.0 },
        holds: fired(40, 0, &[("W1", 1), ("W2", 13), ("W3", 13), ("W4", 13)], 40),
        fails: fired(40, 0, &[("W1", 10), ("W2", 10), ("W3", 10), ("W4", 10)], 40));
    claim!(served_counts_zero_for_a_worker_without_replies, Expect::Served { target: Target::Worker(1), op: Op::Eq, value: 0.0 },
        holds: fired(40, 0, &[("W1", 0), ("W2", 40)], 40),
        // No fire yet: nothing was served, and nothing can be claimed.
        fails: obs());
    claim!(cost_against_a_number, cost_claim("cow", "private_after_kib", Op::Ge, CostThan::Number(60000.0)),
        holds: costs(&[("cow", "private_after_kib", 65600)]),
        fails: costs(&[("cow", "private_after_kib", 120)]));
    claim!(cost_against_a_figure, cost_claim("fork", "ns_each", Op::Gt, CostThan::Figure(figure("thread", "ns_each"))),
        holds: costs(&[("fork", "ns_each", 90_000), ("thread", "ns_each", 20_000)]),
        fails: costs(&[("fork", "ns_each", 10_000), ("thread", "ns_each", 20_000)]));
    // 5408 against 5259 is 3 %: not "more than 1.5 times as long".
    claim!(cost_against_a_scaled_figure, cost_claim("pipe-procs", "ns_each", Op::Gt, CostThan::Scaled(figure("pipe-threads", "ns_each"), 1.5)),
        holds: costs(&[("pipe-procs", "ns_each", 32_378), ("pipe-threads", "ns_each", 5_042)]),
        fails: costs(&[("pipe-procs", "ns_each", 5_408), ("pipe-threads", "ns_each", 5_259)]));

    #[test]
    fn a_scaled_figure_says_its_factor() {
        let claim =
            cost_claim("pipe-procs", "ns_each", Op::Gt, CostThan::Scaled(figure("pipe-threads", "ns_each"), 1.5));
        let (held, detail) =
            check(&claim, &costs(&[("pipe-procs", "ns_each", 5_408), ("pipe-threads", "ns_each", 5_259)]));
        assert!(!held);
        assert_eq!(detail, "pipe-procs.ns_each is 5408; pipe-threads.ns_each is 5259, times 1.5 is 7889");
    }

    /// In Chinese the clauses of a detail are joined by the full-width semicolon.
    #[test]
    fn a_chinese_detail_joins_its_clauses_with_a_chinese_semicolon() {
        let claim = cost_claim("fork", "ns_each", Op::Gt, CostThan::Figure(figure("thread", "ns_each")));
        crate::i18n::set(crate::i18n::Lang::Zh);
        let (_, detail) = check(&claim, &costs(&[("fork", "ns_each", 90_000), ("thread", "ns_each", 20_000)]));
        crate::i18n::set(crate::i18n::Lang::En);
        assert_eq!(detail, "fork.ns_each 为 90000；thread.ns_each 为 20000");
    }

    claim!(cost_not_measured_fails, cost_claim("fork", "ns_each", Op::Ge, CostThan::Number(0.0)),
        holds: costs(&[("fork", "ns_each", 1)]),
        // Measured, but not that figure; and the other kind measured only.
        fails: costs(&[("fork", "rounds", 1), ("thread", "ns_each", 1)]));
    claim!(pids_one, Expect::Metric { metric: Metric::Pids, op: Op::Eq, value: 1.0 },
        holds: work(&[("W1", 0.9)], 0.1),
        fails: work(&[("W1", 0.9), ("W2", 0.5)], 0.1));
    claim!(cores_used_one_thread, Expect::Metric { metric: Metric::CoresUsed, op: Op::Lt, value: 1.2 },
        holds: work(&[("W1", 0.98)], 0.1),
        fails: work(&[("W1", 1.9)], 0.1));
    // threads' "One busy thread" step: W1's loop thread and the one thread it worked on; a thread per core fails.
    claim!(tids_loop_and_one_worker_thread, Expect::Metric { metric: Metric::Tids, op: Op::Eq, value: 2.0 },
        holds: { let mut o = work(&[("W1", 0.98)], 0.1); o.measured.work.as_mut().unwrap().tids = 2; o },
        fails: work(&[("W1", 1.9)], 0.1));
    claim!(hung, Expect::Hung(Target::Worker(3)),
        holds: { let mut o = obs(); o.seen.hung.insert("W3".into()); o },
        fails: { let mut o = obs(); o.seen.hung.insert("W2".into()); o });
    claim!(gave_up, Expect::GaveUp(Target::Worker(1)),
        holds: { let mut o = obs(); o.seen.gave_up.insert("W1".into(), 6); o },
        fails: obs());
    claim!(survived, Expect::Survived(Target::Worker(2)),
        holds: w2_was_12_and_now(12, true),
        // The same alias, a new pid: the old W2 died and a replacement took its name.
        fails: w2_was_12_and_now(13, true));
    claim!(survived_needs_it_alive, Expect::Survived(Target::Worker(2)),
        holds: w2_was_12_and_now(12, true),
        fails: w2_was_12_and_now(12, false));
    claim!(not, Expect::Not(Box::new(Expect::Hung(Target::Worker(1)))),
        holds: obs(),
        fails: { let mut o = obs(); o.seen.hung.insert("W1".into()); o });
    claim!(rolled_each_after_its_successor_was_ready, Expect::Rolled,
        holds: rolled(roll_of(0, true), Some(true)),
        fails: rolled(roll_of(0, false), Some(true)));
    claim!(rolled_needs_clean_exits_under_load, Expect::Rolled,
        holds: rolled(roll_of(0, true), None),
        fails: rolled(roll_of(1, true), None));
    claim!(rolled_closes_idle_keepalive_connections_gracefully, Expect::Rolled,
        holds: rolled(roll_of(0, true), Some(true)),
        fails: { let mut o = rolled(roll_of(0, true), Some(true)); o.measured.rolled_idle = Some(IdleEnd { graceful: 3, reset: 1, open: 0 }); o });
    claim!(rolled_needs_idle_connections_to_drain, Expect::Rolled,
        holds: rolled(roll_of(0, true), Some(true)),
        fails: { let mut o = rolled(roll_of(0, true), Some(true)); o.measured.rolled_idle = None; o });
    claim!(rolled_needs_the_load_running, Expect::Rolled,
        holds: rolled(roll_of(0, true), Some(true)),
        fails: rolled(roll_of(0, true), Some(false)));
    claim!(lost_only_held, Expect::LostOnlyHeld,
        holds: load_across_crash(2, 3, vec![failed_conn(1, Some("W2")), failed_conn(2, None)]),
        fails: load_across_crash(2, 3, vec![failed_conn(1, Some("W2")), failed_conn(2, Some("W1"))]));
    claim!(lost_only_held_counts_the_one_in_the_channel, Expect::LostOnlyHeld,
        holds: { let mut o = load_across_crash(1, 0, vec![]); o.measured.in_channel = 1; o },
        fails: { let mut o = load_across_crash(2, 0, vec![]); o.measured.in_channel = 1; o });
    claim!(lost_only_held_counts_what_was_held, Expect::LostOnlyHeld,
        holds: load_across_crash(3, 3, vec![]),
        fails: load_across_crash(4, 3, vec![]));
    /// One held connection is "1 TCP connection", not "1 TCP connections".
    #[test]
    fn lost_only_held_counts_in_words() {
        let (_, one) = check(&Expect::LostOnlyHeld, &load_across_crash(1, 1, vec![]));
        let (_, three) = check(&Expect::LostOnlyHeld, &load_across_crash(3, 3, vec![]));
        assert!(one.contains("held 1 TCP connection just"), "{one}");
        assert!(three.contains("held 3 TCP connections just"), "{three}");
    }
    claim!(handle_arrived, Expect::HandleArrived, holds: handle(42, 42), fails: handle(42, 43));
    claim!(sticky, Expect::Sticky,
        holds: keep_alive(4, 4, 0),
        // One connection's replies came from W1 and then W2.
        fails: keep_alive(4, 4, 1));
    claim!(sticky_needs_a_connection_with_several_requests, Expect::Sticky,
        holds: keep_alive(4, 1, 0),
        // One request per connection: nothing could have moved to another worker.
        fails: keep_alive(4, 0, 0));
    #[test]
    fn sticky_says_how_many_requests_each_connection_carried() {
        let (held, detail) = check(&Expect::Sticky, &keep_alive(4, 4, 0));
        assert!(held, "{detail}");
        assert_eq!(
            detail,
            "4 of 4 connections carried several requests, 10 each; 0 had replies from more than one worker"
        );
        let mut o = keep_alive(4, 3, 1);
        o.measured.fire.as_mut().unwrap().summary.kept_replies = Some((2, 10));
        let (held, detail) = check(&Expect::Sticky, &o);
        assert!(!held, "{detail}");
        assert_eq!(
            detail,
            "3 of 4 connections carried several requests, 2 to 10 each; 1 had replies from more than one worker"
        );
        let (held, detail) = check(&Expect::Sticky, &keep_alive(4, 0, 0));
        assert!(!held);
        assert_eq!(detail, "none of the 4 connections carried more than one request");
    }

    claim!(visits_max, Expect::Metric { metric: Metric::VisitsMax, op: Op::Lt, value: 40.0 },
        holds: visits(&[("W1", 10), ("W2", 9), ("W3", 11), ("W4", 10)]),
        // One worker's count saw every visit.
        fails: visits(&[("W1", 40)]));
    claim!(visits_sum, Expect::Metric { metric: Metric::VisitsSum, op: Op::Eq, value: 40.0 },
        holds: visits(&[("W1", 10), ("W2", 9), ("W3", 11), ("W4", 10)]),
        // A counter that had counted before the fire began: 41 for 40 visits.
        fails: visits(&[("W1", 10), ("W2", 9), ("W3", 12), ("W4", 10)]));
    // fairness: a connection waited for W1's loop; none did when the others took every one.
    claim!(max_ms_is_the_slowest_reply, Expect::Metric { metric: Metric::MaxMs, op: Op::Ge, value: 300.0 },
        holds: { let mut o = fired(40, 0, &[("W1", 1), ("W2", 39)], 40); o.measured.fire.as_mut().unwrap().summary.max_ms = 962.0; o },
        fails: fired(40, 0, &[("W1", 0), ("W2", 40)], 40));
    // node-fork: the master closed its copy of the listener and served nothing; a master that
    // still accepted its share fails.
    claim!(served_by_the_master, Expect::Served { target: Target::Master, op: Op::Eq, value: 0.0 },
        holds: fired(100, 0, &[("W1", 58), ("W2", 42)], 100),
        fails: fired(100, 0, &[("W1", 50), ("W2", 40), ("master", 10)], 100));
    // zombie, node-fork: an orphan re-parented to forklab; a child still under its master fails.
    claim!(worker_ppid_is_forklab, w1_claim(ProcField::Ppid, ProcValue::Forklab),
        holds: w1_facts(&[(ProcField::Ppid, "1")]),
        fails: w1_facts(&[(ProcField::Ppid, "10")]));
    // zombie: how the master itself ended, as forklab's reaper saw it.
    claim!(master_exited_by_signal, Expect::Exited { target: Target::Master, status: ExitSpec::Signal(Signal::SIGKILL) },
        holds: exited("master", None, Some("SIGKILL")),
        fails: exited("master", Some(0), None));
    claim!(all_cores_busy, Expect::AllCoresBusy,
        holds: work(&[("W1", 3.5)], 0.2),
        // Two of four cores' worth while the machine was idle: the threads did not spread.
        fails: work(&[("W1", 2.0)], 0.1));
    // Other programs doing the work do not count: only the work's own processes do.
    claim!(all_cores_busy_counts_only_the_work, Expect::AllCoresBusy,
        holds: work(&[("W1", 0.95), ("W2", 0.9), ("W3", 0.9), ("W4", 0.85)], 0.1),
        fails: work(&[("W1", 0.11), ("W2", 0.11)], 3.7));
    claim!(pidfile_is_0600_in_a_0700_directory, Expect::Pidfile,
        holds: pidfile(0o600, 0o700, 77, 77),
        fails: pidfile(0o644, 0o700, 77, 77));
    claim!(pidfile_names_the_daemon, Expect::Pidfile,
        holds: pidfile(0o600, 0o700, 77, 77),
        fails: pidfile(0o600, 0o700, 78, 77));
    claim!(pidfile_is_locked_by_the_daemon, Expect::Pidfile,
        holds: pidfile(0o600, 0o700, 77, 77),
        fails: { let mut o = pidfile(0o600, 0o700, 77, 77); o.now.pidfile.as_mut().unwrap().lockers = vec![78]; o });
    claim!(proc_fact, daemon_claim(ProcField::Ppid, true, ProcValue::Forklab),
        holds: daemon_facts(&[(ProcField::Ppid, "1")]),
        fails: daemon_facts(&[(ProcField::Ppid, "10")]));
    claim!(proc_fact_self_and_not_equal, daemon_claim(ProcField::Sid, false, ProcValue::SelfPid),
        holds: daemon_facts(&[(ProcField::Sid, "5")]),
        fails: daemon_facts(&[(ProcField::Sid, "77")]));
    claim!(proc_shared_none_left, daemon_claim(ProcField::Shared, true, ProcValue::Text("0".into())),
        holds: daemon_facts(&[(ProcField::Shared, "0")]),
        fails: daemon_facts(&[(ProcField::Shared, "3")]));
    claim!(proc_tty_lost, daemon_claim(ProcField::Tty, true, ProcValue::None),
        holds: { let mut o = daemon_facts(&[(ProcField::Tty, "none")]); o.measured.daemon_before = Some(("setsid".into(), vec![(ProcField::Tty, "pts/3".into())])); o },
        fails: { let mut o = daemon_facts(&[(ProcField::Tty, "pts/3")]); o.measured.daemon_before = Some(("setsid".into(), vec![(ProcField::Tty, "pts/3".into())])); o });

    #[test]
    fn a_tty_there_was_none_to_lose_is_said() {
        let mut o = daemon_facts(&[(ProcField::Tty, "none")]);
        o.measured.daemon_before = Some(("setsid".into(), vec![(ProcField::Tty, "none".into())]));
        let (held, detail) = check(&daemon_claim(ProcField::Tty, true, ProcValue::None), &o);
        assert!(held && detail.contains("there was none to lose"), "{detail}");
        // forklab has a terminal: the daemon lost it at an earlier step, not never had one.
        o.measured.forklab_tty = Some("pts/4".into());
        let (held, detail) = check(&daemon_claim(ProcField::Tty, true, ProcValue::None), &o);
        assert!(held && detail.contains("lost forklab's terminal (pts/4) at an earlier step"), "{detail}");
        assert!(!detail.contains("none to lose"), "{detail}");
        o.measured.forklab_tty = Some("none".into());
        let (_, detail) = check(&daemon_claim(ProcField::Tty, true, ProcValue::None), &o);
        assert!(detail.contains("there was none to lose"), "{detail}");
        o.measured.daemon_before = Some(("setsid".into(), vec![(ProcField::Tty, "pts/1".into())]));
        let (held, detail) = check(&daemon_claim(ProcField::Tty, true, ProcValue::None), &o);
        assert!(held && detail.contains("it was pts/1 before `setsid`: it lost"), "{detail}");
    }

    claim!(proc_umask_compares_as_octal, daemon_claim(ProcField::Umask, true, ProcValue::Text("0".into())),
        holds: daemon_facts(&[(ProcField::Umask, "0000")]),
        fails: daemon_facts(&[(ProcField::Umask, "0022")]));

    #[test]
    fn every_kind_of_claim_fails_on_an_empty_observation() {
        let o = obs();
        let t = Target::Worker(1);
        let claims = [
            Expect::Accounted,
            Expect::SameInode,
            Expect::Metric { metric: Metric::Failed, op: Op::Eq, value: 0.0 },
            Expect::Exited { target: t, status: ExitSpec::Code(0) },
            Expect::MetricCores { metric: Metric::Pids, op: Op::Eq },
            Expect::Hung(t),
            Expect::GaveUp(t),
            Expect::Survived(t),
            Expect::Rolled,
            Expect::LostOnlyHeld,
            Expect::Sticky,
            Expect::Metric { metric: Metric::VisitsMax, op: Op::Ge, value: 0.0 },
            Expect::HandleArrived,
            Expect::AllCoresBusy,
            Expect::Pidfile,
            Expect::Proc {
                target: Target::Daemon,
                field: ProcField::Cwd,
                equal: true,
                value: ProcValue::Text("/".into()),
            },
        ];
        for e in claims {
            let (held, detail) = check(&e, &o);
            assert!(!held, "`{e}` held on nothing: {detail}");
        }
        // No workers seen is a fact too: `workers == 0` holds.
        assert!(check(&Expect::Metric { metric: Metric::Workers, op: Op::Eq, value: 0.0 }, &o).0);
    }

    fn msg(from: &str, to: &str, fds: u32) -> Event {
        Event::Message {
            alias: "master".into(),
            pid: 10,
            from: from.into(),
            to: to.into(),
            what: "m".into(),
            bytes: 40,
            fds,
            rtt_us: None,
            ack: None,
        }
    }

    /// What W1 says it received: `cmd` names the command, as the worker reports it.
    fn got(alias: &str, cmd: &str, fds: u32) -> Event {
        let what = format!("a {cmd}");
        Event::Received { alias: alias.into(), pid: 11, from: "master".into(), cmd: cmd.into(), what, bytes: 40, fds }
    }

    fn sent(messages: Vec<Event>, rtt_us: Option<u64>) -> Observation {
        let mut o = obs();
        o.measured.messages = messages;
        o.measured.rtt_us = rtt_us;
        o
    }

    // A message sent that its receiver never reported did not cross.
    claim!(messages_are_counted_by_the_receiver, Expect::Metric { metric: Metric::Messages, op: Op::Eq, value: 2.0 },
        holds: sent(vec![msg("master", "W1", 0), got("W1", "ping", 0), msg("W1", "master", 0)], Some(50)),
        fails: sent(vec![msg("master", "W1", 0), msg("W1", "master", 0)], Some(50)));
    claim!(fds_are_those_that_arrived, Expect::Metric { metric: Metric::Fds, op: Op::Eq, value: 1.0 },
        holds: sent(vec![msg("master", "W1", 1), got("W1", "handle", 1), msg("W1", "master", 0)], None),
        fails: sent(vec![msg("master", "W1", 1), got("W1", "handle", 0), msg("W1", "master", 0)], None));
    claim!(rtt_needs_the_ping_to_arrive, Expect::Metric { metric: Metric::RttUs, op: Op::Gt, value: 0.0 },
        holds: sent(vec![got("W1", "ping", 0), msg("W1", "master", 0)], Some(50)),
        fails: sent(vec![msg("master", "W1", 0), msg("W1", "master", 0)], Some(50)));

    /// A crash loop of W1 as seen: the waits from each exit to the next start, in ms.
    fn crash_loop(delays: &[u64]) -> Observation {
        let mut o = obs();
        o.measured.crash = Some(("W1".into(), 0));
        o.measured.respawn_delays = delays.to_vec();
        o
    }

    claim!(restarts_are_the_starts_seen, Expect::Metric { metric: Metric::Restarts, op: Op::Eq, value: 6.0 },
        holds: crash_loop(&[0, 101, 203, 402, 801, 1002]),
        fails: crash_loop(&[0, 101, 203, 402, 801]));
    claim!(max_delay_is_measured, Expect::Metric { metric: Metric::MaxDelayMs, op: Op::Ge, value: 900.0 },
        holds: crash_loop(&[0, 101, 203, 402, 801, 1002]),
        fails: crash_loop(&[0, 1, 2, 3, 4, 5]));

    /// Counter reports in the order they came: (alias, value).
    fn counters(reports: &[(&str, u64)]) -> Observation {
        let mut o = obs();
        o.measured.copies = reports.iter().map(|(a, v)| (a.to_string(), 5, false, *v)).collect();
        o
    }

    claim!(master_counter, Expect::Metric { metric: Metric::MasterCounter, op: Op::Eq, value: 0.0 },
        holds: counters(&[("W1", 1000), ("W2", 1000), ("master", 0)]),
        fails: counters(&[("W1", 1000), ("W2", 1000), ("master", 1000)]));
    // Read before the workers wrote, the master's 0 proves nothing: not known.
    claim!(master_counter_is_read_after_the_workers_wrote, Expect::Metric { metric: Metric::MasterCounter, op: Op::Eq, value: 0.0 },
        holds: counters(&[("W1", 1000), ("master", 0)]),
        fails: counters(&[("master", 0), ("W1", 1000)]));

    /// The reports of one `counter`, as `Metric::Counter` reads them: (alias, value).
    fn counted(reports: &[(&str, u64)]) -> Observation {
        let mut o = obs();
        o.measured.counters = reports.iter().map(|(a, v)| (a.to_string(), 5, false, *v)).collect();
        o
    }

    // threads' fork step: each worker saw only its own 1000; one that saw another's write fails.
    claim!(counter_each_worker_its_own_copy, Expect::Metric { metric: Metric::Counter, op: Op::Eq, value: 1000.0 },
        holds: counted(&[("W1", 1000), ("W2", 1000), ("master", 0)]),
        fails: counted(&[("W1", 1000), ("W2", 2000), ("master", 0)]));
    // threads' two threads of W1: each saw the other's write; two private copies say 1000 each.
    claim!(counter_threads_share_one, Expect::Metric { metric: Metric::Counter, op: Op::Eq, value: 2000.0 },
        holds: counted(&[("W1", 2000), ("W1", 2000)]),
        fails: counted(&[("W1", 1000), ("W1", 1000)]));
    // threads' first step: six clients behind a second of work wait most of it; quick replies fail.
    claim!(p50_ms_is_the_fires_median, Expect::Metric { metric: Metric::P50Ms, op: Op::Ge, value: 300.0 },
        holds: { let mut o = fired(6, 0, &[("W1", 6)], 6); o.measured.fire.as_mut().unwrap().summary.p50_ms = 919.0; o },
        fails: fired(6, 0, &[("W1", 6)], 6));
    // threads' "One thread per core": a thread per core plus the main thread; without it, no.
    claim!(tids_more_than_cores, Expect::MetricCores { metric: Metric::Tids, op: Op::Gt },
        holds: { let mut o = work(&[("W1", 3.9)], 0.0); o.measured.work.as_mut().unwrap().tids = 5; o },
        fails: work(&[("W1", 3.9)], 0.0));
    // cluster's rolling restart: every connection completed; one that failed is one too few.
    claim!(completed_counts_the_replies, Expect::Metric { metric: Metric::Completed, op: Op::Eq, value: 3000.0 },
        holds: fired(3000, 0, &[("W1", 1500), ("W2", 1500)], 3000),
        fails: fired(3000, 1, &[("W1", 1500), ("W2", 1499)], 3000));

    #[test]
    fn a_shortfall_says_why() {
        let busy = check(&Expect::AllCoresBusy, &work(&[("W1", 0.9)], 3.0)).1;
        assert!(busy.contains("0.90 cores of 4") && busy.contains("the machine was busy"), "{busy}");
        let idle = check(&Expect::AllCoresBusy, &work(&[("W1", 0.9)], 0.1)).1;
        assert!(idle.contains("did not run on every core"), "{idle}");
        let pids = check(&Expect::Metric { metric: Metric::Pids, op: Op::Eq, value: 1.0 }, &work(&[], 0.1)).1;
        assert!(pids.contains("no process used the CPU"), "{pids}");
        // W2 was told to work and got 0.01 s: it does not count, and the detail says why.
        let short = |others: f64| {
            let mut o = work(&[("W1", 0.2)], others);
            o.measured.work.as_mut().unwrap().short = vec![("W2".into(), 12, 0.01)];
            check(&Expect::MetricCores { metric: Metric::Pids, op: Op::Eq }, &o)
        };
        let (held, busy) = short(3.5);
        assert!(!held && busy.contains("W2 pid 12 0.01 s told to work, charged too little to count: the machine was busy, other programs used 3.50"), "{busy}");
        let (held, idle) = short(0.1);
        assert!(!held && idle.contains("W2 pid 12 0.01 s told to work") && !idle.contains("busy"), "{idle}");
        let mut o = work(&[], 3.5);
        o.measured.work.as_mut().unwrap().short = vec![("W1".into(), 11, 0.02)];
        let alone = check(&Expect::Metric { metric: Metric::Pids, op: Op::Eq, value: 1.0 }, &o).1;
        assert!(alone.starts_with("pids is 0 (W1 pid 11 0.02 s told to work"), "{alone}");
    }

    #[test]
    fn details_say_what_was_seen() {
        let o = fired(10, 2, &[("W1", 5), ("W2", 3)], 8);
        let detail = check(&Expect::Accounted, &o).1;
        assert_eq!(
            detail,
            "fired 10, completed 8, failed 2; connections by the worker that answered add up to 8; workers counted 8 accepts"
        );
        let o = listeners(&[("W1", Some(42)), ("W2", None)]);
        assert_eq!(check(&Expect::SameInode, &o).1, "W1 fd 5 -> socket:[42], W2 fd 5 -> gone");
        let o = daemon_facts(&[(ProcField::Ppid, "10")]);
        let e = Expect::Proc { target: Target::Daemon, field: ProcField::Ppid, equal: true, value: ProcValue::Master };
        assert_eq!(check(&e, &o), (true, "daemon ppid is 10, == 10 (the master)".to_string()));
    }

    #[test]
    fn a_count_of_a_process_holds_only_where_the_number_does() {
        let mut o = obs();
        o.now.counts.insert(
            "W1".into(),
            vec![
                (CountField::Threads, 7.0),
                (CountField::RssMib, 52.0),
                (CountField::Listeners, 0.0),
                (CountField::Fds, 8.0),
            ],
        );
        let count = |t, field, op, value| check(&Expect::Count { target: Target::Worker(t), field, op, value }, &o);
        assert_eq!(count(1, CountField::Threads, Op::Ge, 5.0), (true, "W1 threads is 7".into()));
        assert!(!count(1, CountField::Threads, Op::Eq, 1.0).0);
        assert!(count(1, CountField::RssMib, Op::Gt, 30.0).0);
        assert!(!count(1, CountField::RssMib, Op::Lt, 10.0).0);
        assert!(count(1, CountField::Listeners, Op::Eq, 0.0).0);
        assert!(!count(1, CountField::Listeners, Op::Eq, 1.0).0);
        assert!(count(1, CountField::Fds, Op::Ge, 6.0).0);
        assert!(!count(1, CountField::Fds, Op::Lt, 6.0).0);
        assert_eq!(count(2, CountField::Threads, Op::Ge, 0.0), (false, "W2 is not running".into()));
        // served: the last fire's attribution; a worker that got nothing served 0.
        let served = |o: &Observation, t, op, value| {
            check(&Expect::Count { target: Target::Worker(t), field: CountField::Served, op, value }, o).0
        };
        assert!(!served(&obs(), 1, Op::Ge, 0.0), "no fire yet");
        let f = fired(40, 0, &[("W1", 1), ("W2", 39)], 40);
        assert!(served(&f, 1, Op::Le, 2.0));
        assert!(!served(&f, 2, Op::Le, 2.0));
        assert!(served(&f, 3, Op::Eq, 0.0));
    }

    /// W1 (pid 21) and the master (pid 10), with the listeners on the lab's port each holds.
    fn listening(w1: &[(i32, u64)], master: &[(i32, u64)]) -> Observation {
        let mut o = with_pids(obs(), &[("W1", 21, true), ("master", 10, true)]);
        o.now.listening.insert("W1".into(), w1.to_vec());
        o.now.listening.insert("master".into(), master.to_vec());
        o
    }

    claim!(same_listener, Expect::SameListener(Target::Worker(1), Target::Master),
        holds: listening(&[(19, 500)], &[(19, 500)]),
        // The child listens on a socket of its own (as with SO_REUSEPORT): not the master's.
        fails: listening(&[(19, 501)], &[(19, 500)]));
    claim!(same_listener_needs_both, Expect::SameListener(Target::Worker(1), Target::Master),
        holds: listening(&[(3, 500)], &[(19, 500)]),
        // The master closed its copy.
        fails: listening(&[(3, 500)], &[]));
    claim!(same_listener_is_two_processes, Expect::SameListener(Target::Worker(1), Target::Master),
        holds: listening(&[(3, 500)], &[(19, 500)]),
        fails: { let mut o = listening(&[(3, 500)], &[(19, 500)]); o.seen.pids.insert("master".into(), 21); o });

    /// W1's facts as /proc gave them.
    fn w1_facts(facts: &[(ProcField, &str)]) -> Observation {
        let mut o = with_pids(obs(), &[("W1", 21, true)]);
        o.now.procs.insert("W1".into(), facts.iter().map(|(f, v)| (*f, v.to_string())).collect());
        o
    }

    fn w1_claim(field: ProcField, value: ProcValue) -> Expect {
        Expect::Proc { target: Target::Worker(1), field, equal: true, value }
    }

    claim!(fd3_peer_is_the_master, w1_claim(ProcField::Fd3Peer, ProcValue::Master),
        holds: w1_facts(&[(ProcField::Fd3Peer, "10")]),
        fails: w1_facts(&[(ProcField::Fd3Peer, "a Unix seqpacket socket, not a stream")]));
    /// In a Node lesson the details name the Node master where they speak of `master`: the
    /// workers counted are its children, the listeners counted are its.
    #[test]
    fn workers_and_master_counts_name_the_node_master() {
        let workers = Expect::Metric { metric: Metric::Workers, op: Op::Eq, value: 2.0 };
        let mut o = worker_children(&[11, 12]);
        assert!(check(&workers, &o).1.contains("of the master in /proc"), "{}", check(&workers, &o).1);
        o.now.master_is_node = true;
        assert!(check(&workers, &o).1.contains("of the Node master in /proc"), "{}", check(&workers, &o).1);
        let listeners = Expect::Count { target: Target::Master, field: CountField::Listeners, op: Op::Eq, value: 1.0 };
        o.now.counts.insert("master".into(), vec![(CountField::Listeners, 1.0)]);
        let (held, detail) = check(&listeners, &o);
        assert!(held && detail.ends_with("(the Node master)"), "{detail}");
        o.now.master_is_node = false;
        assert!(!check(&listeners, &o).1.contains("Node"), "{}", check(&listeners, &o).1);
    }

    #[test]
    fn a_peer_says_it_is_a_stream_socket_and_a_node_master_is_named_so() {
        let claim = w1_claim(ProcField::Fd3Peer, ProcValue::Master);
        let mut o = w1_facts(&[(ProcField::Fd3Peer, "10")]);
        let (held, detail) = check(&claim, &o);
        assert!(held && detail.contains("(the master)") && detail.contains("Unix stream socket"), "{detail}");
        o.now.master_is_node = true;
        let (_, detail) = check(&claim, &o);
        assert!(detail.contains("(the Node master)"), "{detail}");
        let (held, detail) = check(&claim, &w1_facts(&[(ProcField::Fd3Peer, "a Unix seqpacket socket, not a stream")]));
        assert!(!held && !detail.contains("Unix stream socket"), "{detail}");
    }

    claim!(exe_is_node, w1_claim(ProcField::Exe, ProcValue::Text("node".into())),
        holds: w1_facts(&[(ProcField::Exe, "node")]),
        // A fork() without exec: the child still runs the parent's program.
        fails: w1_facts(&[(ProcField::Exe, "forklab")]));
    claim!(script_is_child1, w1_claim(ProcField::Script, ProcValue::Text("child1.js".into())),
        holds: w1_facts(&[(ProcField::Script, "child1.js")]),
        fails: w1_facts(&[(ProcField::Script, "master.js")]));

    #[test]
    fn starts_counts_the_lines_of_one_process() {
        let mut o = obs();
        o.now.counts.insert("W1".into(), vec![(CountField::Starts, 1.0)]);
        o.now.counts.insert("W2".into(), vec![(CountField::Starts, 0.0)]);
        let starts = |t, value| {
            check(&Expect::Count { target: Target::Worker(t), field: CountField::Starts, op: Op::Eq, value }, &o).0
        };
        assert!(starts(1, 1.0));
        // A child that went on from fork() without running its script from the top.
        assert!(!starts(2, 1.0));
    }

    fn traced(calls: super::super::seen::Traced) -> Observation {
        let mut o = obs();
        o.measured.sendmsg = Some(calls);
        o
    }

    claim!(scm_rights, Expect::ScmRights,
        holds: traced(Ok(vec![("20<UNIX-STREAM:[1->2]>".into(), vec!["19<TCP:[127.0.0.1:4000]>".into()])])),
        // The message went, with no fd beside it.
        fails: traced(Ok(vec![("20<UNIX-STREAM:[1->2]>".into(), vec![])])));
    claim!(scm_rights_needs_a_trace, Expect::ScmRights,
        holds: traced(Ok(vec![("20<UNIX-STREAM:[1->2]>".into(), vec!["19<TCP:[127.0.0.1:4000]>".into()])])),
        fails: traced(Err("strace is not on PATH".into())));
}
