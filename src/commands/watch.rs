//! `forklab watch`: a snapshot of any server's process tree, or connections fired at it and
//! attributed to the processes that served them (docs/watch.md); without `--once` or
//! `--fire`, the interactive screen (ui/watch).

use crate::cli::WatchArgs;
use crate::lab::fire::{FireReport, fire};
use crate::lab::watch::{self, Snapshot, Started};
use crate::sys::term;
use anyhow::{Result, bail};
use std::process::ExitCode;

/// The screen's look and pace: the global `--theme`, `--ascii` and `--refresh`.
pub type Screen = (crate::ui::theme::ThemeName, bool, std::time::Duration);

pub fn run(args: &WatchArgs, (theme, ascii, refresh): Screen) -> Result<ExitCode> {
    if !args.once && args.fire.is_none() {
        if args.json {
            bail!("--json needs --once or --fire N: the interactive screen prints no JSON");
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
        (Some(_), false) => bail!("give --pid PID or -- CMD, not both"),
        (None, true) => bail!("nothing to watch: give --pid PID, or -- CMD [ARGS...] to start one"),
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
                .expect("snapshot picked a port some process listens on");
            let report = fire(root, snap.port, &watch::targets(listener)?, n, args.concurrency)?;
            if args.json {
                term::println_raw(&serde_json::to_string(&report)?)?;
            } else {
                print_report(&report, &snap)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Text lines, cleaned: a process names itself (`comm` is whatever it set with prctl).
fn print_snapshot(snap: &Snapshot) -> Result<()> {
    term::println(&format!("process tree of {} (watching port {})", snap.root, snap.port))?;
    for p in &snap.processes {
        term::println(&format!("{:>8} ppid {:<8} {:<16} {} {:>3} threads", p.pid, p.ppid, p.comm, p.state, p.threads))?;
        for l in &p.listeners {
            term::println(&format!("           listens on {} (fd {}, socket:[{}])", l.addr, l.fd, l.inode))?;
        }
        for c in &p.connections {
            term::println(&format!(
                "           connection {} <- {} (fd {}, socket:[{}])",
                c.local, c.remote, c.fd, c.inode
            ))?;
        }
        for f in p.fds.iter().filter(|f| f.kind == "unix") {
            let peer = match f.peer_pid {
                Some(Some(pid)) => format!("peer in {pid}"),
                _ => "peer outside the tree".into(),
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
    term::println(&format!(
        "fired {} connections at port {}: {} completed, {} failed",
        r.fired, r.port, r.completed, r.failed
    ))?;
    for (pid, n) in &r.per_process {
        let comm = snap.processes.iter().find(|p| p.pid.to_string() == *pid).map(|p| p.comm.as_str()).unwrap_or("?");
        term::println(&format!("{pid:>8} {comm:<16} {n}"))?;
    }
    for (why, n) in &r.failures {
        term::println(&format!("  failed: {why} {n}"))?;
    }
    Ok(())
}
