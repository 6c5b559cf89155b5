//! `forklab bench`: the pool against the load client, mode by mode. Every count comes from the
//! processes: the client attributes each completed connection to the worker named in its reply,
//! and the workers' own counters give their accepts, wake-ups and context switches.

use crate::cli::BenchArgs;
use crate::lab::Lab;
use crate::lab::measure::{self, BENCH_COLUMNS, Run, measure, measure_with_chaos};
use crate::proto::client::ClientArgs;
use crate::proto::mode::Mode;
use anyhow::{Result, bail};
use serde::Serialize;
use std::process::{ExitCode, Stdio};

#[derive(Serialize)]
struct Report {
    runs: Vec<Run>,
}

pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    let modes: Vec<Mode> = if args.mode == "all" {
        Mode::ALL.to_vec()
    } else {
        match args.mode.parse::<Mode>() {
            Ok(m) => vec![m],
            Err(_) => {
                let modes: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
                bail!("{}", tr!("bench-unknown-mode", mode = &args.mode, modes = modes.join(", ")))
            }
        }
    };
    let mut lab = Lab::start(Stdio::inherit())?;
    let mut runs = Vec::new();
    for mode in modes {
        let client = ClientArgs {
            port: 0,
            connections: args.connections,
            concurrency: args.concurrency,
            keepalive: args.keepalive,
            timeout_ms: 5000,
            stream: false,
            visit: false,
        };
        let run = match args.chaos_ms {
            Some(ms) => measure_with_chaos(&mut lab, mode, args.workers as usize, client, ms)?,
            None => measure(&mut lab, mode, args.workers as usize, client, &mut |_| {})?,
        };
        if !args.json {
            let done = tr!("bench-done", completed = run.completed, failed = run.failed);
            eprintln!("{mode:<10} {done}");
            if let Some(c) = &run.chaos {
                let chaos = tr!(
                    "bench-chaos",
                    kills = c.kills,
                    respawns = c.respawns,
                    gave_up = c.gave_up,
                    left = c.workers_at_end,
                    workers = run.workers
                );
                eprintln!("{mode:<10} {chaos}");
            }
        }
        runs.push(run);
    }
    lab.shutdown(&mut |_| {})?;
    if args.json {
        crate::sys::term::println_raw(&serde_json::to_string_pretty(&Report { runs })?)?;
    } else {
        for line in measure::table(&runs, BENCH_COLUMNS) {
            crate::sys::term::println(&line)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
