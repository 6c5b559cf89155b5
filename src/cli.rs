//! The command line (DESIGN.md's table). Command names and `--json` outputs are what users and
//! tests rely on.

use crate::mode::Mode;
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "forklab", version, about = "Learn how multi-process servers work, with real processes on Linux")]
pub struct Cli {
    /// Load lessons from this folder instead of the ones built into forklab.
    #[arg(long, global = true, value_name = "DIR")]
    pub lessons: Option<PathBuf>,

    /// Colours: default (reads on dark and light terminals), dark, light, or contrast (for projectors).
    #[arg(long, global = true, value_enum, default_value = "default")]
    pub theme: crate::tui::theme::ThemeName,

    /// Plain ASCII instead of box drawing and block characters.
    #[arg(long, global = true)]
    pub ascii: bool,

    /// How often the panes sample the processes, in milliseconds (at least 200, sysinfo's CPU interval).
    #[arg(long, global = true, default_value_t = 250, value_parser = clap::value_parser!(u64).range(200..=10_000))]
    pub refresh: u64,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open one lesson in the terminal interface.
    Open { lesson: String },
    /// Run a lesson's steps headless and print the transcript; exits non-zero if an expect fails.
    Play {
        lesson: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Run the master and its workers until Ctrl-C, printing events (for curl, wrk, a browser).
    Serve {
        #[arg(long, default_value = "shared")]
        mode: Mode,
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        workers: u16,
        /// The port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 8090)]
        port: u16,
        /// Fork first and pass the listener over SCM_RIGHTS, instead of inheriting it.
        #[arg(long)]
        pass_handle: bool,
        #[arg(long)]
        json: bool,
    },
    /// Fire connections at the pool and report throughput, latency and the per-worker spread.
    Bench(BenchArgs),
    /// The lessons, one a line.
    List,
    /// Check that this machine can run every lesson.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    #[command(name = "__master", hide = true)]
    Master,
    #[command(name = "__client", hide = true)]
    Client { args: String },
}

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// An accept mode, or `all` to run every mode one after another.
    #[arg(long, default_value = "all")]
    pub mode: String,
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: u16,
    /// Connections to fire, each a new TCP connection.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub connections: u32,
    /// Connections open at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Requests on each connection.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub keepalive: u32,
    #[arg(long)]
    pub json: bool,
    /// The fault suite's chaos: SIGKILL a random worker every MS milliseconds while the load
    /// runs, then check that every connection is accounted for and the pool is whole again.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(20..=60_000))]
    pub chaos_ms: Option<u64>,
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let lessons_dir = cli.lessons.as_deref();
    match cli.command {
        None | Some(Command::Open { .. }) => {
            let lessons = crate::play::lessons(lessons_dir)?;
            let open = match &cli.command {
                Some(Command::Open { lesson }) => {
                    let id = crate::lesson::find(&lessons, lesson)?.id.clone();
                    lessons.iter().position(|l| l.id == id)
                }
                _ => None,
            };
            let opts = crate::tui::Options {
                theme: cli.theme,
                ascii: cli.ascii,
                refresh: std::time::Duration::from_millis(cli.refresh),
            };
            crate::tui::run(lessons, open, opts)
        }
        Some(Command::Play { lesson, json }) => crate::play::run(lessons_dir, &lesson, json),
        Some(Command::Serve { mode, workers, port, pass_handle, json }) => {
            let handle = if pass_handle { crate::mode::Handle::Pass } else { crate::mode::Handle::Inherit };
            crate::serve::run(mode, workers as usize, port, handle, json)
        }
        Some(Command::Bench(args)) => crate::bench::run(&args),
        Some(Command::List) => {
            for l in crate::play::lessons(lessons_dir)? {
                println!("{:<10} {:<40} {}", l.id, l.title, l.summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Doctor { .. }) | Some(Command::Master) | Some(Command::Client { .. }) => {
            unreachable!("the doctor and the hidden roles are dispatched in main")
        }
    }
}
