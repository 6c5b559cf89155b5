//! The command line (DESIGN.md's table). Command names and `--json` outputs are what users and
//! tests rely on.

mod zh;

use crate::i18n::{self, Lang};
use crate::proto::mode::Mode;
use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The command line, parsed in the language it asks for: `--lang` (looked for before clap
/// parses, since clap's help and errors are already words), else the locale's. Sets that
/// language for everything after. English is clap's own text; Chinese is `zh.rs`'s.
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let lang = i18n::choose(lang_in(&args));
    i18n::set(lang);
    match lang {
        Lang::En => {
            let mut cmd = command();
            let matches = cmd.clone().get_matches_from(args);
            if let Some(refused) = idle_error(&mut cmd, &matches) {
                eprintln!("{refused}");
                std::process::exit(2);
            }
            Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut cmd).exit())
        }
        Lang::Zh => zh::parse(args),
    }
}

/// The global options a subcommand has no use for. clap gives every subcommand each global
/// option, so `forklab watch --help` listed `--lessons` and `--seed`, which do nothing there:
/// its help leaves these out, and one given on the command line, before the subcommand's name
/// or after it, is refused (`idle_error`) rather than taken silently.
const IDLE: [(&str, &[&str]); 7] = [
    ("notes", &["theme", "ascii", "refresh", "seed"]),
    ("play", &["theme", "ascii", "refresh"]),
    ("serve", &["lessons", "theme", "ascii", "refresh", "seed"]),
    ("bench", &["lessons", "theme", "ascii", "refresh"]),
    ("list", &["theme", "ascii", "refresh", "seed"]),
    ("watch", &["lessons", "seed"]),
    ("doctor", &["lessons", "theme", "ascii", "refresh", "seed"]),
];

/// The command line clap parses: `Cli`'s, each subcommand given, before clap copies the
/// global options into it, a hidden copy of those it does not use (clap copies in only what
/// a subcommand does not have already). Not `mut_arg` after `build`: that leaves clap's index
/// of the long names pointing at the wrong arguments.
pub(crate) fn command() -> clap::Command {
    let mut cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd.get_arguments().filter(|a| a.is_global_set()).cloned().collect();
    for (sub, idle) in IDLE {
        let hidden = globals.iter().filter(|a| idle.contains(&a.get_id().as_str())).map(|a| a.clone().hide(true));
        let hidden: Vec<clap::Arg> = hidden.collect();
        // Each name in IDLE is a global option's (a test renders every help).
        assert_eq!(hidden.len(), idle.len());
        cmd = cmd.mut_subcommand(sub, |c| c.args(hidden));
    }
    cmd
}

/// A global option given on the command line (before the subcommand's name or after it) that
/// the subcommand run has no use for (IDLE): the subcommand's name and the option's id.
fn idle_given(m: &clap::ArgMatches) -> Option<(&'static str, &'static str)> {
    use clap::parser::ValueSource;
    let (sub, sm) = m.subcommand()?;
    let (name, idle) = IDLE.iter().find(|(s, _)| *s == sub)?;
    let given = |id: &str| [m, sm].iter().any(|m| m.value_source(id) == Some(ValueSource::CommandLine));
    idle.iter().find(|id| given(id)).map(|id| (*name, *id))
}

/// The usage error, in the language in use, for an option given to a subcommand it does
/// nothing in (`forklab watch --seed 3`): what was wrong, the subcommand's usage and where to
/// read more, as clap says its own. None when every option given acts. The caller exits 2.
pub(crate) fn idle_error(cmd: &mut clap::Command, m: &clap::ArgMatches) -> Option<String> {
    let (sub, id) = idle_given(m)?;
    cmd.build();
    let usage = cmd.find_subcommand_mut(sub).map(|c| c.render_usage().to_string()).unwrap_or_default();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
    Some(format!(
        "{}{}\n\n{}{usage}\n\n{}",
        tr!("cli-err-prefix"),
        tr!("cli-err-idle", arg = format!("--{id}"), command = sub),
        tr!("cli-usage"),
        tr!("cli-more")
    ))
}

/// `--lang en|zh` or `--lang=en|zh` among the arguments (before a `--`); None when absent or
/// not a language (clap then says so, in the locale's language).
fn lang_in(args: &[OsString]) -> Option<Lang> {
    let args: Vec<&str> = args.iter().skip(1).map(|a| a.to_str().unwrap_or("")).take_while(|a| *a != "--").collect();
    let value = args.iter().enumerate().find_map(|(i, a)| match a.strip_prefix("--lang") {
        Some("") => args.get(i + 1).copied(),
        Some(v) => v.strip_prefix('='),
        None => None,
    })?;
    <Lang as clap::ValueEnum>::from_str(value, false).ok()
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s.parse().map_err(|_| tr!("cli-not-seconds", value = s))?;
    if !(0.0..=3600.0).contains(&v) {
        return Err(tr!("cli-seconds-range", value = v));
    }
    Ok(Duration::from_secs_f64(v))
}

fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let err = || tr!("cli-not-size", value = s);
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(err)?;
    let (w, h): (u16, u16) = (w.trim().parse().map_err(|_| err())?, h.trim().parse().map_err(|_| err())?);
    let size = format!("{w}x{h}");
    if w < 80 || h < 24 {
        return Err(tr!("cli-size-small", size = size));
    }
    // A frame is a buffer of cells (about 50 bytes each, drawn twice over): 65535x65535 asked
    // for 206 GB and aborted. 1000x1000 is 20 times a 4K screen of 8x16 glyphs, and 50 MB.
    if w > MAX_FRAME.0 || h > MAX_FRAME.1 {
        return Err(tr!("cli-size-big", size = size, largest = format!("{}x{}", MAX_FRAME.0, MAX_FRAME.1)));
    }
    Ok((w, h))
}

/// The largest `--size`.
const MAX_FRAME: (u16, u16) = (1000, 1000);

/// Learn how multi-process servers work, with real processes on Linux
#[derive(Parser, Debug)]
#[command(name = "forklab", version)]
pub struct Cli {
    /// Load lessons from this folder instead of the ones built into forklab.
    #[arg(long, global = true, value_name = "DIR")]
    pub lessons: Option<PathBuf>,

    /// Colours: default (reads on dark and light terminals), dark, light, or contrast (for projectors).
    #[arg(long, global = true, value_enum, default_value = "default")]
    pub theme: crate::ui::theme::ThemeName,

    /// Plain ASCII instead of box drawing and block characters.
    #[arg(long, global = true)]
    pub ascii: bool,

    /// How often the panes sample the processes, in milliseconds (at least 200, sysinfo's CPU interval; at most 10000).
    #[arg(long, global = true, allow_negative_numbers = true, default_value_t = 250, value_parser = clap::value_parser!(u64).range(200..=10_000))]
    pub refresh: u64,

    /// Make random choices repeatable: the chaos switch's victims and the order a question's
    /// choices are shown in follow this seed (without it, questions use seed 0). (The load
    /// client has no random timing: it opens its connections in order, as fast as it may.)
    #[arg(long, global = true, allow_negative_numbers = true, value_name = "N")]
    pub seed: Option<u64>,

    /// The language of the lessons and the interface: en or zh (中文). Without it, LC_ALL,
    /// LC_MESSAGES or LANG starting with `zh` chooses Chinese.
    #[arg(long, global = true, value_enum, value_name = "LANG")]
    pub lang: Option<crate::i18n::Lang>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open one lesson in the terminal interface.
    Open {
        lesson: String,
        /// Step through the lesson by itself, SECONDS after each step has finished (default 4);
        /// stops on the last step (or, when recording, ends there).
        #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "4", value_parser = parse_seconds)]
        autoplay: Option<Duration>,
        /// Record what is drawn as an asciicast v2 file (`asciinema play FILE.cast` replays it).
        #[arg(long, value_name = "FILE.cast")]
        record: Option<PathBuf>,
        /// Draw in a frame of COLSxROWS, whatever the terminal's size (for recordings).
        #[arg(long, value_name = "COLSxROWS", value_parser = parse_size)]
        size: Option<(u16, u16)>,
    },
    /// Save the lesson screen at a step, with its real processes, as an SVG picture.
    Shot {
        lesson: String,
        /// The step to show, after running the steps up to it (0 is the intro).
        #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
        step: usize,
        #[arg(long, value_name = "FILE.svg")]
        out: PathBuf,
        #[arg(long, value_name = "COLSxROWS", default_value = "100x30", value_parser = parse_size)]
        size: (u16, u16),
    },
    /// Show a lesson's speaker notes, following the step the lesson screen is on.
    Notes { lesson: String },
    /// Run a lesson's steps headless and print the transcript; exits non-zero if an expect fails.
    Play {
        lesson: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Run the master and its workers until Ctrl-C or SIGTERM, printing events (for curl, wrk, a browser).
    Serve {
        #[arg(long, default_value = "shared")]
        mode: Mode,
        #[arg(long, allow_negative_numbers = true, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        workers: u16,
        /// The port on 127.0.0.1; 0 picks a free one.
        #[arg(long, allow_negative_numbers = true, default_value_t = 8090)]
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
    /// Watch any server's process tree: its processes, listeners, connections and fds, and
    /// which process serves each connection fired at it: a live screen, one snapshot (--once), or
    /// N connections fired and attributed (--fire).
    Watch(WatchArgs),
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: u16,
    /// Connections to fire, each a new TCP connection.
    #[arg(long, allow_negative_numbers = true, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub connections: u32,
    /// Connections open at once.
    #[arg(long, allow_negative_numbers = true, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Requests on each connection.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub keepalive: u32,
    #[arg(long)]
    pub json: bool,
    /// The fault suite's chaos: SIGKILL a random worker every MS milliseconds while the load
    /// runs, then check that every connection is accounted for and the pool is whole again.
    #[arg(long, allow_negative_numbers = true, value_name = "MS", value_parser = clap::value_parser!(u64).range(20..=60_000))]
    pub chaos_ms: Option<u64>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct WatchArgs {
    /// Attach to this running process and its descendants, read-only but for the screen's
    /// `k` then `y` (SIGTERM to the selected process); left running at exit.
    #[arg(long, allow_negative_numbers = true, value_name = "PID", conflicts_with = "command")]
    pub pid: Option<i32>,
    /// The TCP port to watch and fire at (default: the lowest the tree listens on).
    #[arg(long, allow_negative_numbers = true, value_name = "P")]
    pub port: Option<u16>,
    /// Print one snapshot and exit.
    #[arg(long, conflicts_with = "fire")]
    pub once: bool,
    /// Fire N connections (HTTP/1.1 GET /) and say which process served each.
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub fire: Option<u32>,
    /// Connections open at once while firing.
    #[arg(long, allow_negative_numbers = true, value_name = "C", default_value_t = 8, requires = "fire", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Print JSON (one line) instead of text; needs --once or --fire.
    #[arg(long)]
    pub json: bool,
    /// The command to start and watch (after `--`); it ends when forklab does.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_is_bounded_both_ways() {
        assert_eq!(parse_size("100x30"), Ok((100, 30)));
        assert_eq!(parse_size("1000X1000"), Ok((1000, 1000)));
        assert_eq!(parse_size("79x30").unwrap_err(), "79x30 is below the lesson screen's smallest, 80x24");
        assert_eq!(parse_size("65535x65535").unwrap_err(), "65535x65535 is above the largest frame, 1000x1000");
        assert_eq!(parse_size("100x1001").unwrap_err(), "100x1001 is above the largest frame, 1000x1000");
        assert!(parse_size("65536x30").unwrap_err().contains("is not a size"));
    }

    /// Each subcommand's help lists the global options that act there and no other (`watch`
    /// listed `--lessons` and `--seed`); every placement of them still parses, as before.
    #[test]
    fn each_help_lists_only_the_options_that_act_there() {
        let mut cmd = command();
        // As parsing does: clap copies the global options into the subcommands.
        cmd.build();
        let acts: [(&str, &[&str]); 9] = [
            ("open", &["lessons", "theme", "ascii", "refresh", "seed"]),
            ("shot", &["lessons", "theme", "ascii", "refresh", "seed"]),
            ("notes", &["lessons"]),
            ("play", &["lessons", "seed"]),
            ("serve", &[]),
            ("bench", &["seed"]),
            ("list", &["lessons"]),
            ("watch", &["theme", "ascii", "refresh"]),
            ("doctor", &[]),
        ];
        for (sub, acts) in acts {
            let help = cmd.find_subcommand_mut(sub).unwrap().render_help().to_string();
            for id in ["lessons", "theme", "ascii", "refresh", "seed"] {
                assert_eq!(help.contains(&format!("--{id}")), acts.contains(&id), "--{id} in {sub}'s help:\n{help}");
            }
            assert!(help.contains("--lang"), "{sub}:\n{help}");
        }
        // The top level (the lesson picker) lists them all.
        let help = cmd.render_help().to_string();
        assert!(["--lessons", "--theme", "--ascii", "--refresh", "--seed", "--lang"].iter().all(|o| help.contains(o)));
        let parse = |args: &[&str]| Cli::from_arg_matches(&command().try_get_matches_from(args).unwrap()).unwrap();
        let cli = parse(&["forklab", "--lessons", "d", "play", "x"]);
        assert_eq!(cli.lessons.as_deref(), Some(std::path::Path::new("d")));
        assert_eq!(parse(&["forklab", "play", "--seed", "7", "x"]).seed, Some(7));
        assert_eq!(parse(&["forklab", "--seed", "7", "--lessons", "d", "play", "q", "--json"]).seed, Some(7));
        assert_eq!(
            parse(&["forklab", "play", "x", "--lessons", "d"]).lessons.as_deref(),
            Some(std::path::Path::new("d"))
        );
        assert_eq!(parse(&["forklab", "bench", "--seed", "3", "--chaos-ms", "50"]).seed, Some(3));
        assert!(parse(&["forklab", "watch", "--ascii", "--theme", "light", "--once"]).ascii);
        assert!(parse(&["forklab", "--ascii", "--theme", "light", "--refresh", "300"]).ascii);
        assert_eq!(parse(&["forklab", "--seed", "2", "open", "x"]).seed, Some(2));
    }

    /// A global option given where it does nothing is refused, naming it and the subcommand,
    /// wherever it stands; each of IDLE's, for each subcommand; one that acts is not.
    #[test]
    fn an_option_that_does_nothing_in_a_subcommand_is_refused() {
        crate::i18n::set(Lang::En);
        let refused = |args: &[&str]| {
            let mut cmd = command();
            let m = cmd.clone().try_get_matches_from(args).unwrap();
            idle_error(&mut cmd, &m)
        };
        let e = refused(&["forklab", "watch", "--seed", "3", "--once"]).unwrap();
        assert!(e.starts_with("error: --seed has no effect on watch: `forklab watch --help`"), "{e}");
        assert!(e.contains("\n\nUsage: forklab watch [OPTIONS]"), "{e}");
        assert!(e.ends_with("For more information, try '--help'."), "{e}");
        let e = refused(&["forklab", "--lessons", "d", "serve"]).unwrap();
        assert!(e.starts_with("error: --lessons has no effect on serve"), "{e}");
        for (sub, idle) in IDLE {
            for id in idle {
                let flag = format!("--{id}");
                let mut args = vec!["forklab", sub, &flag];
                match *id {
                    "ascii" => {}
                    "theme" => args.push("dark"),
                    _ => args.push("300"),
                }
                if ["notes", "play"].contains(&sub) {
                    args.push("x");
                }
                let e = refused(&args).unwrap_or_else(|| panic!("{args:?} was taken"));
                assert!(e.contains(&format!("--{id} has no effect on {sub}")), "{args:?}: {e}");
            }
        }
        for ok in [
            &["forklab", "--lessons", "d", "play", "x"][..],
            &["forklab", "play", "x", "--seed", "7"],
            &["forklab", "--lang", "zh", "doctor"],
            &["forklab", "watch", "--ascii", "--refresh", "300", "--once"],
            &["forklab", "bench", "--seed", "3"],
            &["forklab", "list", "--lessons", "d"],
            &["forklab", "--ascii", "--seed", "1"],
            &["forklab", "open", "x", "--theme", "dark", "--seed", "1", "--lessons", "d"],
        ] {
            assert_eq!(refused(ok), None, "{ok:?}");
        }
    }

    #[test]
    fn the_language_is_found_before_clap_parses() {
        let lang = |args: &[&str]| lang_in(&args.iter().map(OsString::from).collect::<Vec<_>>());
        assert_eq!(lang(&["forklab", "--lang", "zh", "play", "x"]), Some(Lang::Zh));
        assert_eq!(lang(&["forklab", "play", "x", "--lang=en"]), Some(Lang::En));
        assert_eq!(lang(&["forklab", "--lang", "xx", "list"]), None);
        assert_eq!(lang(&["forklab", "--lang"]), None);
        assert_eq!(lang(&["forklab", "watch", "--", "node", "--lang", "zh"]), None);
        assert_eq!(lang(&["forklab", "list"]), None);
    }
}
