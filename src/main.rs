//! forklab: a terminal lab that teaches multi-process servers with real processes on Linux.
//!
//! `main` only parses arguments and chooses a role: the app (a command), or one of the hidden
//! roles that forklab re-execs itself as (the master, the load client).

// First, so that `tr!` is in scope in every module after it.
#[macro_use]
mod i18n;
mod cli;
mod commands;
mod lab;
mod lesson;
mod proto;
mod roles;
mod sys;
mod ui;

use cli::Command;
use std::process::ExitCode;

fn main() -> ExitCode {
    sys::probe::started();
    // Chooses the language too (`--lang`, else the locale), before clap's help or errors.
    let cli = cli::parse();
    // The hidden roles run before anything else: no signal thread, no panic hook of the app.
    match &cli.command {
        Some(Command::Master) => return exit_code(roles::master::main_role()),
        Some(Command::Client { args }) => return exit_code(roles::client::role(args)),
        _ => {}
    }
    if !cfg!(target_os = "linux") {
        eprintln!("forklab: {}", tr!("not-linux"));
        return ExitCode::from(2);
    }
    if let Some(Command::Doctor { json }) = &cli.command {
        // Before the signal thread exists: the doctor's fork check waits for its own child,
        // which the app's reaper (waitpid(-1)) would otherwise take first.
        return match commands::doctor::run(*json, &mut std::io::stdout().lock()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e)
                if e.is::<sys::term::StdoutClosed>()
                    || e.downcast_ref::<std::io::Error>()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
            {
                ExitCode::from(sys::term::STDOUT_CLOSED_CODE)
            }
            Err(e) => {
                report(&e);
                ExitCode::from(1)
            }
        };
    }
    install_panic_hook();
    // Before any thread starts, so every thread inherits the blocked signals (reaper.rs).
    if let Err(e) = sys::reaper::install() {
        report(&e);
        return ExitCode::from(1);
    }
    // Orphans (the daemon lesson's daemon) re-parent to us rather than to PID 1.
    let _ = nix::sys::prctl::set_child_subreaper(true);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            sys::groups::kill_all_groups();
            // The reader of stdout is gone: the command has stopped its processes; end quietly.
            if e.is::<sys::term::StdoutClosed>() {
                return ExitCode::from(sys::term::STDOUT_CLOSED_CODE);
            }
            // An error often quotes what it was given (a lesson's text, an argument).
            report(&e);
            ExitCode::from(1)
        }
    }
}

/// The one line a failed command ends with. An error often quotes what it was given (a
/// lesson's text, an argument), so it is cleaned like any other output.
fn report(e: &anyhow::Error) {
    eprintln!("forklab: {}", sys::term::clean(&sys::term::name_errnos(&format!("{e:#}"))));
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// A panic anywhere in the app ends every process it started before the message is printed.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        sys::groups::kill_all_groups();
        default(info);
    }));
}
