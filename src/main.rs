//! forklab: a terminal lab that teaches multi-process servers with real processes on Linux.
//!
//! `main` only parses arguments and chooses a role: the app (a command), or one of the hidden
//! roles that forklab re-execs itself as (the master, the load client).

mod bench;
mod chan;
mod chaos;
mod cli;
mod client;
mod daemon;
mod doctor;
mod http;
mod lab;
mod lesson;
mod master;
mod mode;
mod notes;
mod play;
mod procfs;
mod proto;
mod reaper;
mod rundir;
mod serve;
mod spawn;
mod tui;
mod worker;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// When this process started running forklab code (for the first-frame figure).
pub fn started() -> std::time::Instant {
    *STARTED.get_or_init(std::time::Instant::now)
}

fn main() -> ExitCode {
    started();
    let cli = Cli::parse();
    // The hidden roles run before anything else: no signal thread, no panic hook of the app.
    match &cli.command {
        Some(Command::Master) => return exit_code(master::main_role()),
        Some(Command::Client { args }) => return exit_code(client_role(args)),
        _ => {}
    }
    if !cfg!(target_os = "linux") {
        eprintln!("forklab: this lab runs real Linux processes and needs Linux (fork, epoll, /proc)");
        return ExitCode::from(2);
    }
    if let Some(Command::Doctor { json }) = &cli.command {
        // Before the signal thread exists: the doctor's fork check waits for its own child,
        // which the app's reaper (waitpid(-1)) would otherwise take first.
        return match doctor::run(*json, &mut std::io::stdout().lock()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("forklab: {e:#}");
                ExitCode::from(1)
            }
        };
    }
    install_panic_hook();
    // Before any thread starts, so every thread inherits the blocked signals (reaper.rs).
    reaper::install();
    // Orphans (the daemon lesson's daemon) re-parent to us rather than to PID 1.
    let _ = nix::sys::prctl::set_child_subreaper(true);
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            lab::kill_all_groups();
            eprintln!("forklab: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// A panic anywhere in the app ends every process it started before the message is printed.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        lab::kill_all_groups();
        default(info);
    }));
}

/// The fault suite's switch: `FORKLAB_PANIC_AT=serve` or `=step:3` makes the app panic there,
/// so tests can prove that a panic, too, leaves no process behind.
pub fn panic_if_asked(place: &str) {
    if std::env::var("FORKLAB_PANIC_AT").is_ok_and(|p| p == place) {
        panic!("FORKLAB_PANIC_AT={place}: panicking on purpose");
    }
}

fn client_role(args: &str) -> i32 {
    let _ = nix::sys::prctl::set_name(c"forklab-client");
    let args: client::ClientArgs = match serde_json::from_str(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("forklab-client: bad arguments: {e}");
            return 2;
        }
    };
    let stdout = std::io::stdout();
    match client::run(&args, &mut stdout.lock()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("forklab-client: {e:#}");
            1
        }
    }
}
