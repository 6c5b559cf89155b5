//! `forklab serve`: the pool, headless, until Ctrl-C or SIGTERM, printing every event.

use crate::lab::Lab;
use crate::proto::Event;
use crate::proto::mode::{Handle, Mode};
use anyhow::Result;
use crossbeam_channel::select;
use std::io::Write;
use std::process::{ExitCode, Stdio};

pub fn run(mode: Mode, workers: usize, port: u16, handle: Handle, json: bool) -> Result<ExitCode> {
    let quit = crate::sys::reaper::quit_signals();
    let mut lab = Lab::start(Stdio::inherit())?;
    let mut print = |ev: &Event| print_event(ev, json);
    let info = lab.start_pool(mode, workers, port, handle, &mut print)?;
    if !json {
        println!(
            "forklab serve: {} workers in {} mode on http://127.0.0.1:{}/  (try: curl -si http://127.0.0.1:{}/ ; Ctrl-C stops)",
            info.workers, info.mode, info.port, info.port
        );
    }
    crate::sys::probe::panic_if_asked("serve");
    let code = loop {
        select! {
            recv(quit) -> sig => {
                if !json {
                    println!("forklab serve: {} received, stopping the pool", sig.map(|s| s.as_str()).unwrap_or("signal"));
                }
                break ExitCode::SUCCESS;
            },
            recv(lab.events()) -> ev => match ev {
                Ok(ev) => print_event(&ev, json),
                Err(_) => {
                    eprintln!("forklab: the master ended unexpectedly");
                    break ExitCode::from(1);
                }
            },
        }
    };
    let _ = std::io::stdout().flush();
    lab.shutdown(&mut print)?;
    Ok(code)
}

pub fn print_event(ev: &Event, json: bool) {
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", serde_json::to_string(ev).expect("events serialize"))
    } else {
        writeln!(out, "{}", ev.text())
    };
}
