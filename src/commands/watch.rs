//! `forklab watch`: a snapshot of any server's process tree, or connections fired at it and
//! attributed to the processes that served them (docs/watch.md); without `--once` or
//! `--fire`, the interactive screen (ui/watch).

use crate::cli::WatchArgs;
use crate::lab::fire::{FireReport, fire, not_attributed_words};
use crate::lab::watch::{self, Snapshot, Started};
use crate::sys::term;
use anyhow::{Result, bail};
use std::process::ExitCode;

/// The screen's look and pace: the global `--theme`, `--ascii` and `--refresh`.
/// `--fire`'s exit status when any connection failed (1 is forklab's own error, a refused
/// combination of options included; 2 an argument clap refuses).
pub const FIRE_FAILED: u8 = 3;

pub type Screen = (crate::ui::theme::ThemeName, bool, std::time::Duration);

pub fn run(args: &WatchArgs, (theme, ascii, refresh): Screen) -> Result<ExitCode> {
    if !args.once && args.fire.is_none() {
        if args.json {
            bail!("{}", tr!("watch-json-needs-once"));
        }
        return crate::ui::watch::run(crate::ui::watch::WatchOptions {
            pid: args.pid,
            command: args.command.clone(),
            port: args.port,
            refresh,
            theme,
            ascii,
        });
    }
    // Kept to the end: dropping it ends the command and everything it started.
    let started;
    let root = match (args.pid, args.command.is_empty()) {
        (Some(pid), true) => pid,
        (None, false) => {
            started = Started::start(&args.command)?;
            started.wait_listening(args.port)?;
            started.pid
        }
        (Some(_), false) => bail!("{}", tr!("watch-pid-or-command")),
        (None, true) => bail!("{}", tr!("watch-nothing")),
    };
    let snap = watch::snapshot(root, args.port)?;
    match args.fire {
        None if args.json => term::println_raw(&serde_json::to_string(&snap)?)?,
        None => print_snapshot(&snap)?,
        Some(n) => {
            let listener = snap
                .processes
                .iter()
                .flat_map(|p| &p.listeners)
                .find(|l| l.port == snap.port)
                .expect("the snapshot's port has a listener");
            let report = fire(root, snap.port, &watch::targets(listener)?, n, args.concurrency)?;
            if args.json {
                term::println_raw(&serde_json::to_string(&report)?)?;
            } else {
                print_report(&report, &snap)?;
            }
            // Served connections, attributed or not, are a success; any that truly failed is not.
            if report.failed > 0 {
                eprintln!("forklab: {}", tr!("watch-fired-some-failed", failed = report.failed, fired = report.fired));
                return Ok(ExitCode::from(FIRE_FAILED));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Text lines, cleaned: a process names itself (`comm` is whatever it set with prctl).
fn print_snapshot(snap: &Snapshot) -> Result<()> {
    term::println(&tr!("watch-tree-of", pid = snap.root, port = snap.port))?;
    for p in &snap.processes {
        term::println(&format!("{:>8} ppid {:<8} {:<16} {} {:>3} threads", p.pid, p.ppid, p.comm, p.state, p.threads))?;
        if let Some(e) = &p.fds_error {
            term::println(&format!("           {}", tr!("watch-fds-not-read", error = e.as_str())))?;
        }
        for l in &p.listeners {
            term::println(&format!(
                "           {}",
                tr!("watch-listens-on", addr = &l.addr, fd = l.fd, inode = l.inode.to_string())
            ))?;
        }
        for c in &p.connections {
            let line = tr!(
                "watch-connection",
                local = c.local.to_string(),
                remote = c.remote.to_string(),
                fd = c.fd,
                inode = c.inode.to_string()
            );
            term::println(&format!("           {line}"))?;
        }
        for f in p.fds.iter().filter(|f| f.kind == "unix") {
            let peer = match f.peer_pid {
                Some(Some(_)) => {
                    let pids: Vec<String> = f.peer_pids.iter().map(i32::to_string).collect();
                    tr!("watch-peer-in", pid = pids.join(", "))
                }
                _ => tr!("watch-peer-outside"),
            };
            term::println(&format!(
                "           fd {} unix {} socket:[{}], {peer}",
                f.fd,
                f.sock_type.unwrap_or("?"),
                f.inode.unwrap_or(0)
            ))?;
        }
    }
    Ok(())
}

fn print_report(r: &FireReport, snap: &Snapshot) -> Result<()> {
    term::println(&tr!(
        "watch-fired",
        fired = r.fired,
        port = r.port,
        served = r.served,
        completed = r.completed,
        not_attributed = r.not_attributed,
        failed = r.failed
    ))?;
    for (pid, n) in &r.per_process {
        let comm = snap.processes.iter().find(|p| p.pid.to_string() == *pid).map(|p| p.comm.as_str()).unwrap_or("?");
        term::println(&format!("{pid:>8} {comm:<16} {n}"))?;
    }
    for (why, n) in &r.why_not_attributed {
        let words = not_attributed_words(why);
        term::println(&format!("  {}", tr!("watch-not-attributed-why", why = *why, n = *n, words = words)))?;
    }
    for (why, n) in &r.failures {
        term::println(&format!("  {}", tr!("watch-failed-why", why = *why, n = *n)))?;
    }
    Ok(())
}
