//! Printing: a directive in the words a lesson writes it with (`Display` for [`Directive`],
//! [`Expect`], [`Ask`] and [`ProcValue`]); `parse_directive(&d.to_string())` gives `d` again.

use super::grammar::{COMPARE_CONCURRENCY, SIGNALS};
use super::*;
use nix::sys::signal::Signal;
use std::fmt;

/// The signal's name as [`SIGNALS`] spells it (`KILL`), or its full name for one a lesson
/// cannot send.
fn signal_name(sig: Signal) -> &'static str {
    SIGNALS.iter().find(|(_, s)| *s == sig).map_or(sig.as_str(), |(name, _)| name)
}

/// ` key=value` when the value is not the default the parser would fill in.
fn unless_default(key: &str, value: u32, default: u32) -> String {
    if value == default { String::new() } else { format!(" {key}={value}") }
}

/// The directive as a lesson writes it between `<!--` and `-->`: `do: fire 200 concurrency=8`.
/// Options are printed in the usage's order; an option whose value is the default is left
/// out, except `concurrency=` of `fire` and `load`, which the lessons always write.
impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Directive::Spawn { workers, mode, handle } => {
                let handle = if *handle == Handle::Pass { " handle=pass" } else { "" };
                write!(f, "do: spawn workers={workers} mode={mode}{handle}")
            }
            Directive::SetMode(mode) => write!(f, "do: mode {mode}"),
            Directive::Scale(workers) => write!(f, "do: scale workers={workers}"),
            Directive::Stop => f.write_str("do: stop"),
            Directive::Fire { connections, concurrency, keepalive } => {
                let keepalive = unless_default("keepalive", *keepalive, 1);
                write!(f, "do: fire {connections} concurrency={concurrency}{keepalive}")
            }
            Directive::Compare { modes, connections, concurrency, runs, busy } => {
                let modes: Vec<&str> = modes.iter().map(|m| m.name()).collect();
                let concurrency = unless_default("concurrency", *concurrency, COMPARE_CONCURRENCY);
                let runs = unless_default("runs", *runs, 1);
                let busy = busy.map_or(String::new(), |(t, ms)| format!(" busy={t}:{ms}"));
                write!(f, "do: compare modes={} connections={connections}{concurrency}{runs}{busy}", modes.join(","))
            }
            Directive::Kill { target, signal } => write!(f, "do: kill {target} signal={}", signal_name(*signal)),
            Directive::Busy { target, ms } => write!(f, "do: busy {target} ms={ms}"),
            Directive::ShowFds(target) => write!(f, "do: show fds {target}"),
            Directive::ShowTree => f.write_str("do: show tree"),
            Directive::Expect(e) => write!(f, "expect: {e}"),
            Directive::Crash { target, how } => write!(f, "do: crash {target} how={}", how.name()),
            Directive::Respawn(on) => write!(f, "do: respawn {}", if *on { "on" } else { "off" }),
            Directive::Load { connections, concurrency, keepalive } => {
                let keepalive = unless_default("keepalive", *keepalive, 1);
                write!(f, "do: load {connections} concurrency={concurrency}{keepalive}")
            }
            Directive::WaitLoad => f.write_str("do: wait load"),
            Directive::Send(SendKind::Ping(t)) => write!(f, "do: send ping {t}"),
            Directive::Send(SendKind::Broadcast) => f.write_str("do: send broadcast"),
            Directive::Send(SendKind::Relay { from, to }) => write!(f, "do: send {from} to {to}"),
            Directive::Send(SendKind::Handle(t)) => write!(f, "do: send handle {t}"),
            Directive::RollingRestart => f.write_str("do: restart rolling"),
            Directive::Work { target, threads, ms } => match (target, threads) {
                (Some(t), Some(n)) => write!(f, "do: work {t} threads={n} ms={ms}"),
                // One thread in every worker; a target without threads= cannot be written.
                _ => write!(f, "do: work all ms={ms}"),
            },
            Directive::Counter { target, threads } => match (target, threads) {
                (Some(t), Some(n)) => write!(f, "do: counter {t} threads={n}"),
                _ => f.write_str("do: counter all"),
            },
            Directive::Daemon(step) => write!(f, "do: daemon {}", step.name()),
            Directive::Cost { what, rounds } => {
                let rounds = rounds.map_or(String::new(), |r| format!(" rounds={r}"));
                write!(f, "do: cost {}{rounds}", what.name())
            }
            Directive::Ask(ask) => write!(f, "ask: {ask}"),
            Directive::Node(NodeCmd::Start { program, workers, sched, fix }) => {
                let sched = sched.map_or(String::new(), |s| format!(" sched={}", s.name()));
                let fix = if *fix { " fix=disconnect" } else { "" };
                write!(f, "do: node {program} workers={workers}{sched}{fix}")
            }
            Directive::Node(NodeCmd::Stop) => f.write_str("do: node stop"),
            Directive::Node(NodeCmd::Fork) => f.write_str("do: node fork"),
            Directive::Node(NodeCmd::Disconnect(t)) => write!(f, "do: node disconnect {t}"),
            Directive::Node(NodeCmd::Close(t)) => write!(f, "do: node close {t}"),
            Directive::Reap(on) => write!(f, "do: reap {}", if *on { "on" } else { "off" }),
            Directive::ParentDeath { target, how } => write!(f, "do: parent-death {target} how={}", how.name()),
            Directive::Backlog(n) => write!(f, "do: backlog {n}"),
            Directive::Accept(on) => write!(f, "do: accept {}", if *on { "on" } else { "off" }),
            Directive::Connect(n) => write!(f, "do: connect {n}"),
            Directive::Drain(ms) => write!(f, "do: drain ms={ms}"),
            Directive::Hold { idle, slow, ms } => {
                let idle = if *idle > 0 { format!(" idle={idle}") } else { String::new() };
                let slow = if *slow > 0 { format!(" slow={slow}") } else { String::new() };
                write!(f, "do: hold{idle}{slow} ms={ms}")
            }
            Directive::WaitHold => f.write_str("do: wait hold"),
            Directive::StopGrace(ms) => write!(f, "do: stop grace={ms}"),
            Directive::Visit { connections, concurrency } => {
                write!(f, "do: visit {connections} concurrency={concurrency}")
            }
        }
    }
}

/// An expectation as written after `expect:` (or after `=>` in an `ask` choice).
impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Accounted => f.write_str("accounted"),
            Expect::SameInode => f.write_str("same-inode"),
            // f64's Display is the shortest text that parses back to the same number.
            Expect::Metric { metric, op, value } => write!(f, "{metric} {op} {value}"),
            Expect::Exited { target, status: ExitSpec::Signal(s) } => {
                write!(f, "exited {target} signal={}", signal_name(*s))
            }
            Expect::Exited { target, status: ExitSpec::Code(c) } => write!(f, "exited {target} code={c}"),
            Expect::MetricCores { metric, op } => write!(f, "{metric} {op} cores"),
            Expect::Served { target, op, value } => write!(f, "served {target} {op} {value}"),
            Expect::Cost { figure, op, than } => write!(f, "cost {figure} {op} {than}"),
            Expect::Hung(t) => write!(f, "hung {t}"),
            Expect::GaveUp(t) => write!(f, "gave-up {t}"),
            Expect::Survived(t) => write!(f, "survived {t}"),
            Expect::SameListener(a, b) => write!(f, "same-listener {a} {b}"),
            Expect::Rolled => f.write_str("rolled"),
            Expect::LostOnlyHeld => f.write_str("lost-only-held"),
            Expect::Sticky => f.write_str("sticky"),
            Expect::HandleArrived => f.write_str("handle-arrived"),
            Expect::ScmRights => f.write_str("scm-rights"),
            Expect::AllCoresBusy => f.write_str("all-cores-busy"),
            Expect::Pidfile => f.write_str("pidfile"),
            Expect::Not(inner) => write!(f, "not {inner}"),
            Expect::Count { target, field, op, value } => write!(f, "{target} {} {op} {value}", field.name()),
            Expect::Proc { target, field, equal, value } => {
                let op = if *equal { "==" } else { "!=" };
                write!(f, "{target} {} {op} {value}", field.name())
            }
        }
    }
}

impl fmt::Display for ProcValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcValue::Forklab => f.write_str("forklab"),
            ProcValue::Master => f.write_str("master"),
            ProcValue::SelfPid => f.write_str("self"),
            ProcValue::None => f.write_str("none"),
            ProcValue::Text(t) => f.write_str(t),
        }
    }
}

/// A question as written after `ask:`: `QUESTION | CHOICE => CONDITION | ...`.
impl fmt::Display for Ask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.question)?;
        for c in &self.choices {
            write!(f, " | {} => {}", c.label, c.when)?;
        }
        Ok(())
    }
}
