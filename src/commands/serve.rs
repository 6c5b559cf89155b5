//! `forklab serve`: the pool, headless, until Ctrl-C or SIGTERM, printing every event.

use crate::lab::Lab;
use crate::proto::Event;
use crate::proto::mode::{Handle, Mode};
use crate::sys::listener::PortInUse;
use crate::sys::term;
use anyhow::Result;
use crossbeam_channel::select;
use std::process::{ExitCode, Stdio};

pub fn run(mode: Mode, workers: usize, port: u16, handle: Handle, json: bool) -> Result<ExitCode> {
    let quit = crate::sys::reaper::quit_signals();
    let mut lab = Lab::start(Stdio::inherit())?;
    // The first failed write (the reader of stdout has gone: `serve | head -1`) stops the
    // pool: there is nobody left to tell what it does.
    let closed: std::cell::RefCell<Option<anyhow::Error>> = Default::default();
    let mut print = |ev: &Event| {
        if closed.borrow().is_none()
            && let Err(e) = print_event(ev, json)
        {
            *closed.borrow_mut() = Some(e);
        }
    };
    let started = lab.start_pool(mode, workers, port, handle, &mut print);
    let outcome = match started {
        // The port came from `--port`: say so.
        Err(e) => Err(match e.downcast_ref::<PortInUse>() {
            Some(PortInUse(port)) => anyhow::anyhow!(tr!("port-in-use", port = *port)),
            None => e,
        }),
        Ok(_) if closed.borrow().is_some() => Ok(ExitCode::SUCCESS),
        Ok(info) => serve(&mut lab, &quit, json, &info),
    };
    lab.shutdown(&mut print)?;
    match closed.into_inner() {
        Some(e) => Err(e),
        None => outcome,
    }
}

/// How often an idle `serve` checks that someone still reads its stdout.
const READER_CHECK: std::time::Duration = std::time::Duration::from_millis(250);

/// Print events until a quit signal, the master's end, or a write that fails.
fn serve(
    lab: &mut Lab,
    quit: &crossbeam_channel::Receiver<nix::sys::signal::Signal>,
    json: bool,
    info: &crate::lab::PoolInfo,
) -> Result<ExitCode> {
    if !json {
        let line = tr!("serve-running", workers = info.workers, mode = info.mode.to_string(), port = info.port);
        term::println(&format!("forklab serve: {line}"))?;
    }
    crate::sys::probe::panic_if_asked("serve");
    loop {
        select! {
            recv(quit) -> sig => {
                if !json {
                    let signal = sig.map(|s| s.as_str()).unwrap_or("signal");
                    term::println(&format!("forklab serve: {}", tr!("serve-stopping", signal = signal)))?;
                }
                return Ok(ExitCode::SUCCESS);
            },
            recv(lab.events()) -> ev => match ev {
                Ok(ev) => print_event(&ev, json)?,
                Err(_) => {
                    eprintln!("forklab: {}", tr!("master-ended"));
                    return Ok(ExitCode::from(1));
                }
            },
            // Idle: nothing to write would tell that the reader of stdout has gone.
            default(READER_CHECK) => if term::stdout_gone() {
                return Err(term::StdoutClosed.into());
            },
        }
    }
}

/// One event, as text (cleaned: an event can quote what another process sent) or JSON.
pub fn print_event(ev: &Event, json: bool) -> Result<()> {
    if json {
        term::println_raw(&serde_json::to_string(ev)?)
    } else {
        term::println(&crate::lab::words::event_text(ev))
    }
}
