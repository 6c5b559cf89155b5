//! The commands of DESIGN.md's table: the only code that prints for a command. Each takes
//! its arguments from `cli` and drives a lab, a lesson or the lesson screen.

pub mod bench;
pub mod doctor;
pub mod list;
pub mod notes;
pub mod play;
pub mod serve;
pub mod watch;

use crate::cli::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(cli: Cli) -> Result<ExitCode> {
    // What killed forklabs left in the runtime dir (their own is removed on the way out).
    crate::sys::rundir::sweep();
    if let Some(seed) = cli.seed {
        let _ = crate::lab::chaos::SEED.set(seed);
    }
    let lessons_dir = cli.lessons.as_deref();
    match cli.command {
        None | Some(Command::Open { .. }) => {
            let lessons = crate::lesson::lessons(lessons_dir)?;
            let (open, autoplay, record, size) = match cli.command {
                Some(Command::Open { lesson, autoplay, record, size }) => {
                    let id = crate::lesson::find(&lessons, &lesson)?.id.clone();
                    (lessons.iter().position(|l| l.id == id), autoplay, record, size)
                }
                _ => (None, None, None, None),
            };
            // args_os: std::env::args panics on an argument that is not UTF-8 (a --lessons path).
            let command =
                std::env::args_os().skip(1).fold("forklab".to_string(), |s, a| s + " " + &a.to_string_lossy());
            let opts = crate::ui::Options {
                theme: cli.theme,
                ascii: cli.ascii,
                refresh: Duration::from_millis(cli.refresh),
                autoplay,
                record,
                size,
                command,
                lessons_dir: cli.lessons.clone(),
            };
            crate::ui::run(lessons, open, opts)
        }
        Some(Command::Shot { lesson, step, out, size }) => {
            let lessons = crate::lesson::lessons(lessons_dir)?;
            let id = crate::lesson::find(&lessons, &lesson)?.id.clone();
            let index = lessons.iter().position(|l| l.id == id).unwrap_or(0);
            let theme = crate::ui::theme::Theme::from_env(cli.theme, cli.ascii);
            let refresh = Duration::from_millis(cli.refresh);
            crate::ui::shot::run(lessons, index, crate::ui::shot::Shot { step, out: &out, size, theme, refresh })
        }
        Some(Command::Notes { lesson }) => notes::run(&crate::lesson::lessons(lessons_dir)?, &lesson),
        Some(Command::Play { lesson, json }) => play::run(lessons_dir, &lesson, json),
        Some(Command::Serve { mode, workers, port, pass_handle, json }) => {
            let handle =
                if pass_handle { crate::proto::mode::Handle::Pass } else { crate::proto::mode::Handle::Inherit };
            serve::run(mode, workers as usize, port, handle, json)
        }
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::List) => list::run(lessons_dir),
        Some(Command::Watch(args)) => {
            let screen = (cli.theme, cli.ascii, Duration::from_millis(cli.refresh));
            watch::run(&args, screen)
        }
        Some(Command::Doctor { .. }) | Some(Command::Master) | Some(Command::Client { .. }) => {
            unreachable!("the doctor and the hidden roles are dispatched in main")
        }
    }
}
