//! The directive grammar: what may stand between `<!--` and `-->` in a lesson, parsed into
//! [`Directive`], and printed back by `Display` (print.rs) in the same words (`parse_directive(&d.to_string())`
//! gives `d` again). `do:` verbs are a table of (verb, usage, option keys, parser), so the
//! list of verbs every message offers is the table's.

use super::cost::{cost_expect, cost_kind};
use super::{
    Ask, Choice, CountField, CrashKind, DaemonStep, Directive, ExitSpec, Expect, Metric, NodeCmd, Op, ParentDeathKind,
    ProcField, ProcValue, Sched, SendKind, Target, WorkerCount,
};
use crate::proto::mode::{Handle, Mode};
use nix::sys::signal::Signal;

/// Choices an `ask` offers: enough for a real prediction, few enough to read at 80 columns.
const MAX_CHOICES: usize = 6;
/// What `fire`, `compare` and `load` run at once when the directive does not say.
const FIRE_CONCURRENCY: u32 = 8;
pub(super) const COMPARE_CONCURRENCY: u32 = 8;
const LOAD_CONCURRENCY: u32 = 4;
/// How `exited` is written.
const EXITED_USAGE: &str = "`exited TARGET signal=SIG` or `exited TARGET code=N`";

const EXPECT_WORDS: &str = "accounted, same-inode, `same-listener TARGET TARGET`, rolled, lost-only-held, sticky, handle-arrived, scm-rights, all-cores-busy, pidfile, `hung|gave-up|survived TARGET`, `served TARGET OP N`, `cost WHAT.FIGURE OP N`, `not CONDITION`";

// ---------------------------------------------------------------------------------------
// Directives
// ---------------------------------------------------------------------------------------

pub(super) enum Comment {
    /// `<!-- notes -->`: what follows is for the presenter.
    Notes,
    /// `<!-- reveal -->`: what follows is the explanation, shown after the step has run.
    Reveal,
    /// The directive as written, and what it means.
    Directive(String, Directive),
}

/// Parse one directive as written inside its comment, e.g. `do: fire 10`. Tests use it to check
/// that the lesson screen's actions are lines of the same vocabulary as lesson files.
#[cfg(test)]
pub fn parse_directive(text: &str) -> Result<Directive, String> {
    match parse_comment(&format!("<!-- {text} -->"))? {
        Comment::Directive(_, d) => Ok(d),
        Comment::Notes => Err(tr!("grammar-marker", word = "notes")),
        Comment::Reveal => Err(tr!("grammar-marker", word = "reveal")),
    }
}

/// Parses a line that starts with `<!--`. Errors are messages; the caller adds the line.
pub(super) fn parse_comment(trimmed: &str) -> Result<Comment, String> {
    let inside = trimmed.strip_prefix("<!--").unwrap_or(trimmed);
    let Some((inside, after)) = inside.split_once("-->") else {
        return Err(tr!("grammar-unclosed-comment"));
    };
    if !after.trim().is_empty() {
        return Err(tr!("grammar-after-comment", found = shorten(after.trim())));
    }
    let inside = inside.trim();
    match inside {
        "notes" => return Ok(Comment::Notes),
        "reveal" => return Ok(Comment::Reveal),
        _ => {}
    }
    let Some((kind, args)) = inside.split_once(':') else {
        return Err(tr!("grammar-not-a-directive", comment = shorten(inside)));
    };
    let directive = match kind.trim() {
        "do" => parse_do(args)?,
        "expect" => Directive::Expect(parse_expect(args)?),
        "ask" => Directive::Ask(parse_ask(args)?),
        other => {
            return Err(tr!("grammar-unknown-directive", kind = shorten(other)));
        }
    };
    Ok(Comment::Directive(inside.to_string(), directive))
}

/// A verb's words after the verb: positional values and `key=value` options.
struct Words<'a> {
    /// The arguments as written, verb first, for messages.
    written: &'a str,
    verb: &'a str,
    /// What the verb takes, in backticks, for messages: "`busy TARGET ms=N`".
    usage: &'static str,
    values: Vec<&'a str>,
    options: Vec<(&'a str, &'a str)>,
}

impl<'a> Words<'a> {
    /// Splits `args` (verb first), allowing only the option keys in `keys`, each at most once.
    fn new(args: &'a str, usage: &'static str, keys: &[&str]) -> Result<Words<'a>, String> {
        let mut split = args.split_whitespace();
        let verb = split.next().unwrap_or_default();
        let mut words = Words { written: args.trim(), verb, usage, values: Vec::new(), options: Vec::new() };
        for word in split {
            let Some((key, value)) = word.split_once('=') else {
                words.values.push(word);
                continue;
            };
            if !keys.contains(&key) {
                return Err(match keys {
                    [] => tr!("grammar-no-options", verb = verb, word = word, usage = localized(usage)),
                    _ => tr!("grammar-unknown-option", key = key, verb = verb, keys = keys.join(", ")),
                });
            }
            if words.option(key).is_some() {
                return Err(tr!("grammar-option-twice", key = key, verb = verb));
            }
            if value.is_empty() {
                return Err(tr!("grammar-option-no-value", key = key));
            }
            words.options.push((key, value));
        }
        Ok(words)
    }

    /// Exactly `N` positional values, or an error showing the usage.
    fn exactly<const N: usize>(&self) -> Result<[&'a str; N], String> {
        <[&str; N]>::try_from(self.values.as_slice()).map_err(|_| self.usage_error())
    }

    fn usage_error(&self) -> String {
        tr!("grammar-wrong-arguments", written = shorten(self.written), usage = localized(self.usage))
    }

    fn option(&self, key: &str) -> Option<&'a str> {
        self.options.iter().find(|(k, _)| *k == key).map(|(_, value)| *value)
    }

    fn required(&self, key: &str) -> Result<&'a str, String> {
        self.option(key)
            .ok_or_else(|| tr!("grammar-needs-option", verb = self.verb, key = key, usage = localized(self.usage)))
    }

    /// An optional numeric option in `min..=max`, or `default`.
    fn number_or(&self, key: &str, min: u32, max: u32, default: u32) -> Result<u32, String> {
        self.option(key).map_or(Ok(default), |value| number(key, value, min, max))
    }
}

/// One verb of `do:`: its name, what it takes (quoted in messages), the option keys it
/// allows, and the parser of its words.
struct Verb {
    name: &'static str,
    usage: &'static str,
    keys: &'static [&'static str],
    parse: fn(&Words<'_>) -> Result<Directive, String>,
}

/// The `do:` vocabulary. Messages list the verbs from here, in this order.
const VERBS: &[Verb] = &[
    Verb {
        name: "spawn",
        usage: "`spawn workers=N|cores [mode=M] [handle=inherit|pass]`",
        keys: &["workers", "mode", "handle"],
        parse: spawn,
    },
    Verb { name: "mode", usage: "`mode M`", keys: &[], parse: set_mode },
    Verb { name: "scale", usage: "`scale workers=N|cores`", keys: &["workers"], parse: scale },
    Verb { name: "stop", usage: "`stop [grace=MS]`", keys: &["grace"], parse: stop },
    Verb {
        name: "fire",
        usage: "`fire N [concurrency=C] [keepalive=R]`",
        keys: &["concurrency", "keepalive"],
        parse: fire,
    },
    Verb {
        name: "compare",
        usage: "`compare modes=M1,M2,... connections=N [concurrency=C] [runs=R] [busy=TARGET:MS]`",
        keys: &["modes", "connections", "concurrency", "runs", "busy"],
        parse: compare,
    },
    Verb { name: "kill", usage: "`kill TARGET signal=SIG`", keys: &["signal"], parse: kill },
    Verb { name: "busy", usage: "`busy TARGET ms=N`", keys: &["ms"], parse: busy },
    Verb { name: "show", usage: "`show fds TARGET` or `show tree`", keys: &[], parse: show },
    Verb { name: "crash", usage: "`crash TARGET how=KIND`", keys: &["how"], parse: crash },
    Verb { name: "respawn", usage: "`respawn on` or `respawn off`", keys: &[], parse: respawn },
    Verb {
        name: "load",
        usage: "`load N [concurrency=C] [keepalive=R]`",
        keys: &["concurrency", "keepalive"],
        parse: load,
    },
    Verb { name: "wait", usage: "`wait load` or `wait hold`", keys: &[], parse: wait },
    Verb {
        name: "send",
        usage: "`send ping TARGET`, `send broadcast`, `send TARGET to TARGET` or `send handle TARGET`",
        keys: &[],
        parse: send,
    },
    Verb { name: "restart", usage: "`restart rolling`", keys: &[], parse: restart },
    Verb {
        name: "work",
        usage: "`work TARGET threads=N|cores ms=M` or `work all ms=M`",
        keys: &["threads", "ms"],
        parse: work,
    },
    Verb { name: "counter", usage: "`counter TARGET threads=N` or `counter all`", keys: &["threads"], parse: counter },
    Verb {
        name: "daemon",
        usage: "`daemon STEP` with STEP one of fork, setsid, fork-again, umask, chdir, close-fds, stdio, pidfile, stop",
        keys: &[],
        parse: daemon,
    },
    Verb {
        name: "node",
        usage: "`node PROGRAM workers=N [sched=rr|none] [fix=disconnect]`, `node stop`, `node fork`, `node disconnect TARGET` or `node close TARGET`",
        keys: &["workers", "sched", "fix"],
        parse: node,
    },
    Verb { name: "reap", usage: "`reap on` or `reap off`", keys: &[], parse: reap },
    Verb {
        name: "parent-death",
        usage: "`parent-death TARGET how=signal|disconnect|none`",
        keys: &["how"],
        parse: parent_death,
    },
    Verb { name: "backlog", usage: "`backlog N`", keys: &[], parse: backlog },
    Verb { name: "accept", usage: "`accept on` or `accept off`", keys: &[], parse: accept },
    Verb { name: "connect", usage: "`connect N`", keys: &[], parse: connect },
    Verb { name: "visit", usage: "`visit N [concurrency=C]`", keys: &["concurrency"], parse: visit },
    Verb {
        name: "cost",
        usage: "`cost WHAT [rounds=N]` with WHAT one of fork, thread, pipe-procs, pipe-threads, cow, rss",
        keys: &["rounds"],
        parse: cost,
    },
    Verb { name: "drain", usage: "`drain ms=N`", keys: &["ms"], parse: drain },
    Verb { name: "hold", usage: "`hold idle=N slow=M ms=T`", keys: &["idle", "slow", "ms"], parse: hold },
];

/// The verbs of `do:`, as messages list them: "spawn, mode, ...".
fn verb_names() -> String {
    VERBS.iter().map(|v| v.name).collect::<Vec<_>>().join(", ")
}

/// Parses the arguments of `<!-- do: ... -->`: the verb picks its row of [`VERBS`].
fn parse_do(args: &str) -> Result<Directive, String> {
    let name = args.split_whitespace().next().unwrap_or_default();
    if name.is_empty() {
        return Err(tr!("grammar-empty-do", verbs = verb_names()));
    }
    let Some(verb) = VERBS.iter().find(|v| v.name == name) else {
        return Err(tr!("grammar-unknown-verb", verb = shorten(name), verbs = verb_names()));
    };
    (verb.parse)(&Words::new(args, verb.usage, verb.keys)?)
}

fn spawn(words: &Words<'_>) -> Result<Directive, String> {
    let [] = words.exactly()?;
    Ok(Directive::Spawn {
        workers: worker_count(words.required("workers")?)?,
        mode: words.option("mode").map_or(Ok(Mode::Shared), mode)?,
        handle: words.option("handle").map_or(Ok(Handle::Inherit), handle)?,
    })
}

fn set_mode(words: &Words<'_>) -> Result<Directive, String> {
    let [m] = words.exactly()?;
    Ok(Directive::SetMode(mode(m)?))
}

fn scale(words: &Words<'_>) -> Result<Directive, String> {
    let [] = words.exactly()?;
    Ok(Directive::Scale(worker_count(words.required("workers")?)?))
}

fn stop(words: &Words<'_>) -> Result<Directive, String> {
    let [] = words.exactly()?;
    match words.option("grace") {
        // The master waits this long for SIGTERM to work before SIGKILL: a lesson's length.
        Some(ms) => Ok(Directive::StopGrace(number("grace", ms, 1, 5000)?)),
        None => Ok(Directive::Stop),
    }
}

fn drain(words: &Words<'_>) -> Result<Directive, String> {
    let [] = words.exactly()?;
    // At most 5 s: the runner waits 10 s for a worker it signalled to end.
    Ok(Directive::Drain(number("ms", words.required("ms")?, 1, 5000)?))
}

fn hold(words: &Words<'_>) -> Result<Directive, String> {
    let [] = words.exactly()?;
    let (idle, slow) = (words.number_or("idle", 0, 50, 0)?, words.number_or("slow", 0, 50, 0)?);
    if idle + slow == 0 {
        return Err(tr!("grammar-hold-nothing", usage = localized(words.usage)));
    }
    // A slow reply is held back at most 8 s by the worker (under its idle timeout).
    Ok(Directive::Hold { idle, slow, ms: number("ms", words.required("ms")?, 1, 8000)? })
}

fn fire(words: &Words<'_>) -> Result<Directive, String> {
    let [n] = words.exactly()?;
    let (connections, keepalive) =
        (number(&tr!("grammar-connection-count"), n, 1, 1_000_000)?, words.number_or("keepalive", 1, 1000, 1)?);
    requests_bound("fire", connections, keepalive)?;
    let concurrency = words.number_or("concurrency", 1, 256, FIRE_CONCURRENCY)?;
    Ok(Directive::Fire { connections, concurrency, keepalive })
}

/// `visit 40 concurrency=4`: connections that each ask for `/visit`, one request each.
fn visit(words: &Words<'_>) -> Result<Directive, String> {
    let [n] = words.exactly()?;
    let connections = number(&tr!("grammar-connection-count"), n, 1, 1_000_000)?;
    let concurrency = words.number_or("concurrency", 1, 256, FIRE_CONCURRENCY)?;
    Ok(Directive::Visit { connections, concurrency })
}

fn compare(words: &Words<'_>) -> Result<Directive, String> {
    let [] = words.exactly()?;
    Ok(Directive::Compare {
        modes: mode_list(words.required("modes")?)?,
        connections: number("connections", words.required("connections")?, 1, 1_000_000)?,
        concurrency: words.number_or("concurrency", 1, 256, COMPARE_CONCURRENCY)?,
        runs: words.number_or("runs", 1, 5, 1)?,
        busy: words.option("busy").map(busy_for).transpose()?,
    })
}

/// `W1:1000`: the worker a `compare` keeps busy in each mode, and for how many milliseconds
/// (the bounds of `busy TARGET ms=N`).
fn busy_for(value: &str) -> Result<(Target, u32), String> {
    let Some((t, ms)) = value.split_once(':') else {
        return Err(tr!("grammar-invalid-busy", value = shorten(value)));
    };
    Ok((target(t)?, number("ms", ms, 1, 60_000)?))
}

fn kill(words: &Words<'_>) -> Result<Directive, String> {
    let [t] = words.exactly()?;
    Ok(Directive::Kill { target: target(t)?, signal: signal(words.required("signal")?)? })
}

fn busy(words: &Words<'_>) -> Result<Directive, String> {
    let [t] = words.exactly()?;
    Ok(Directive::Busy { target: target(t)?, ms: number("ms", words.required("ms")?, 1, 60_000)? })
}

fn show(words: &Words<'_>) -> Result<Directive, String> {
    match words.values.as_slice() {
        ["fds", t] => Ok(Directive::ShowFds(target(t)?)),
        ["tree"] => Ok(Directive::ShowTree),
        _ => Err(words.usage_error()),
    }
}

fn crash(words: &Words<'_>) -> Result<Directive, String> {
    let [t] = words.exactly()?;
    let how = words.required("how")?;
    let how = CrashKind::ALL.into_iter().find(|k| k.name() == how).ok_or_else(|| {
        tr!("grammar-unknown-crash", how = shorten(how), names = names(CrashKind::ALL.map(CrashKind::name)))
    })?;
    Ok(Directive::Crash { target: target(t)?, how })
}

fn respawn(words: &Words<'_>) -> Result<Directive, String> {
    match words.exactly()? {
        ["on"] => Ok(Directive::Respawn(true)),
        ["off"] => Ok(Directive::Respawn(false)),
        _ => Err(words.usage_error()),
    }
}

fn load(words: &Words<'_>) -> Result<Directive, String> {
    let [n] = words.exactly()?;
    let (connections, keepalive) =
        (number(&tr!("grammar-connection-count"), n, 1, 1_000_000)?, words.number_or("keepalive", 1, 1000, 1)?);
    requests_bound("load", connections, keepalive)?;
    let concurrency = words.number_or("concurrency", 1, 256, LOAD_CONCURRENCY)?;
    Ok(Directive::Load { connections, concurrency, keepalive })
}

fn wait(words: &Words<'_>) -> Result<Directive, String> {
    match words.exactly()? {
        ["load"] => Ok(Directive::WaitLoad),
        ["hold"] => Ok(Directive::WaitHold),
        _ => Err(words.usage_error()),
    }
}

fn send(words: &Words<'_>) -> Result<Directive, String> {
    match words.values.as_slice() {
        ["ping", t] => Ok(Directive::Send(SendKind::Ping(target(t)?))),
        ["broadcast"] => Ok(Directive::Send(SendKind::Broadcast)),
        ["handle", t] => Ok(Directive::Send(SendKind::Handle(target(t)?))),
        [a, "to", b] => Ok(Directive::Send(SendKind::Relay { from: target(a)?, to: target(b)? })),
        _ => Err(words.usage_error()),
    }
}

fn restart(words: &Words<'_>) -> Result<Directive, String> {
    match words.exactly()? {
        ["rolling"] => Ok(Directive::RollingRestart),
        _ => Err(words.usage_error()),
    }
}

fn work(words: &Words<'_>) -> Result<Directive, String> {
    let [t] = words.exactly()?;
    // At most 2 s: the master calls a worker whose loop is silent for 2.5 s hung.
    let ms = number("ms", words.required("ms")?, 1, 2000)?;
    match (t, words.option("threads")) {
        ("all", None) => Ok(Directive::Work { target: None, threads: None, ms }),
        ("all", Some(_)) => Err(tr!("grammar-work-all-threads")),
        (t, Some(n)) => Ok(Directive::Work { target: Some(target(t)?), threads: Some(worker_count(n)?), ms }),
        (_, None) => Err(tr!("grammar-needs-option", verb = "work", key = "threads", usage = localized(words.usage))),
    }
}

fn counter(words: &Words<'_>) -> Result<Directive, String> {
    let [t] = words.exactly()?;
    match (t, words.option("threads")) {
        ("all", None) => Ok(Directive::Counter { target: None, threads: None }),
        ("all", Some(_)) => Err(tr!("grammar-counter-all-threads")),
        (t, Some(n)) => {
            Ok(Directive::Counter { target: Some(target(t)?), threads: Some(number("threads", n, 1, 16)?) })
        }
        (_, None) => {
            Err(tr!("grammar-needs-option", verb = "counter", key = "threads", usage = localized(words.usage)))
        }
    }
}

fn daemon(words: &Words<'_>) -> Result<Directive, String> {
    let [step] = words.exactly()?;
    DaemonStep::ALL.into_iter().find(|s| s.name() == step).map(Directive::Daemon).ok_or_else(|| {
        tr!("grammar-unknown-daemon-step", step = shorten(step), names = names(DaemonStep::ALL.map(DaemonStep::name)))
    })
}

/// `node cluster workers=2 sched=rr`: only a program built into forklab, with checked options.
fn node(words: &Words<'_>) -> Result<Directive, String> {
    let no_options = |cmd: NodeCmd| match words.options.is_empty() {
        true => Ok(Directive::Node(cmd)),
        false => Err(tr!("grammar-node-no-options", program = words.values[0], usage = localized(words.usage))),
    };
    match words.values.as_slice() {
        ["stop"] => no_options(NodeCmd::Stop),
        ["fork"] => no_options(NodeCmd::Fork),
        ["disconnect", t] => no_options(NodeCmd::Disconnect(target(t)?)),
        ["close", t] => no_options(NodeCmd::Close(target(t)?)),
        [program] => {
            let programs = crate::lab::node::programs();
            if !programs.contains(program) {
                return Err(tr!(
                    "grammar-unknown-node-program",
                    program = shorten(program),
                    programs = programs.join(", ")
                ));
            }
            let sched = match words.option("sched") {
                None => None,
                Some("rr") => Some(Sched::Rr),
                Some("none") => Some(Sched::None),
                Some(other) => return Err(tr!("grammar-unknown-sched", sched = shorten(other))),
            };
            let fix = match words.option("fix") {
                None => false,
                Some("disconnect") => true,
                Some(other) => return Err(tr!("grammar-unknown-fix", fix = shorten(other))),
            };
            let workers = number("workers", words.required("workers")?, 1, 8)? as usize;
            Ok(Directive::Node(NodeCmd::Start { program: program.to_string(), workers, sched, fix }))
        }
        _ => Err(words.usage_error()),
    }
}

fn reap(words: &Words<'_>) -> Result<Directive, String> {
    match words.exactly()? {
        ["on"] => Ok(Directive::Reap(true)),
        ["off"] => Ok(Directive::Reap(false)),
        _ => Err(words.usage_error()),
    }
}

fn parent_death(words: &Words<'_>) -> Result<Directive, String> {
    let [t] = words.exactly()?;
    let how = words.required("how")?;
    let how = ParentDeathKind::ALL.into_iter().find(|k| k.name() == how).ok_or_else(|| {
        tr!(
            "grammar-unknown-parent-death",
            how = shorten(how),
            names = names(ParentDeathKind::ALL.map(ParentDeathKind::name))
        )
    })?;
    Ok(Directive::ParentDeath { target: target(t)?, how })
}

fn backlog(words: &Words<'_>) -> Result<Directive, String> {
    let [n] = words.exactly()?;
    Ok(Directive::Backlog(number("backlog", n, 1, 4096)?))
}

fn accept(words: &Words<'_>) -> Result<Directive, String> {
    match words.exactly()? {
        ["on"] => Ok(Directive::Accept(true)),
        ["off"] => Ok(Directive::Accept(false)),
        _ => Err(words.usage_error()),
    }
}

fn connect(words: &Words<'_>) -> Result<Directive, String> {
    let [n] = words.exactly()?;
    // Each gets up to 300 ms: at most 100 keep a step under half a minute.
    Ok(Directive::Connect(number(&tr!("grammar-connection-count"), n, 1, 100)?))
}

fn cost(words: &Words<'_>) -> Result<Directive, String> {
    let [what] = words.exactly()?;
    let what = cost_kind(what)?;
    let rounds = words.option("rounds").map(|r| number("rounds", r, 1, 100_000)).transpose()?;
    Ok(Directive::Cost { what, rounds })
}

/// Parses the arguments of `<!-- expect: ... -->`.
fn parse_expect(args: &str) -> Result<Expect, String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        ["accounted"] => Ok(Expect::Accounted),
        ["same-inode"] => Ok(Expect::SameInode),
        ["not", ..] => {
            let rest = args.trim_start().strip_prefix("not").unwrap_or_default();
            Ok(Expect::Not(Box::new(parse_expect(rest)?)))
        }
        ["rolled"] => Ok(Expect::Rolled),
        ["lost-only-held"] => Ok(Expect::LostOnlyHeld),
        ["sticky"] => Ok(Expect::Sticky),
        ["handle-arrived"] => Ok(Expect::HandleArrived),
        ["scm-rights"] => Ok(Expect::ScmRights),
        ["all-cores-busy"] => Ok(Expect::AllCoresBusy),
        ["pidfile"] => Ok(Expect::Pidfile),
        [
            first @ ("accounted" | "same-inode" | "rolled" | "lost-only-held" | "sticky" | "handle-arrived"
            | "all-cores-busy" | "pidfile" | "scm-rights"),
            ..,
        ] => Err(tr!("grammar-takes-nothing", word = *first)),
        ["served", t, op, value] => served(t, op, value),
        ["cost", figure, op, than] => cost_expect(figure, op, than, None),
        ["cost", figure, op, than, "*", times] => cost_expect(figure, op, than, Some(times)),
        ["cost", ..] => {
            Err(tr!("grammar-wrong-arguments", written = shorten(args.trim()), usage = tr!("grammar-usage-cost")))
        }
        ["served", ..] => {
            Err(tr!("grammar-wrong-arguments", written = shorten(args.trim()), usage = "`served TARGET OP NUMBER`"))
        }
        ["hung", t] => Ok(Expect::Hung(target(t)?)),
        ["gave-up", t] => Ok(Expect::GaveUp(target(t)?)),
        ["survived", t] => Ok(Expect::Survived(target(t)?)),
        ["same-listener", a, b] => Ok(Expect::SameListener(target(a)?, target(b)?)),
        ["same-listener", ..] => {
            Err(tr!("grammar-wrong-arguments", written = shorten(args.trim()), usage = "`same-listener TARGET TARGET`"))
        }
        [first @ ("hung" | "gave-up" | "survived"), ..] => {
            Err(tr!("grammar-wrong-arguments", written = shorten(args.trim()), usage = format!("`{first} TARGET`")))
        }
        ["exited", ..] => exited(args),
        [t, field, op, value] if target(t).is_ok() && CountField::ALL.iter().any(|f| f.name() == *field) => {
            count_expect(t, field, op, value)
        }
        [t, field, op, value] if target(t).is_ok() && ProcField::ALL.iter().any(|f| f.name() == *field) => {
            proc_expect(t, field, op, value)
        }
        [first, rest @ ..] => match Metric::ALL.into_iter().find(|m| m.name() == *first) {
            Some(metric) => metric_expect(metric, rest),
            None => Err(tr!(
                "grammar-unknown-expectation",
                found = shorten(first),
                words = EXPECT_WORDS,
                metrics = names(Metric::ALL.map(Metric::name))
            )),
        },
        [] => Err(tr!("grammar-empty-expect")),
    }
}

/// `served W1 < 10`: the connections one worker served in the last fire.
fn served(t: &str, op: &str, value: &str) -> Result<Expect, String> {
    let target = target(t)?;
    let Some(op) = Op::ALL.into_iter().find(|o| o.symbol() == op) else {
        let usage = tr!("grammar-usage-op", form = "`served TARGET OP NUMBER`", ops = names(Op::ALL.map(Op::symbol)));
        return Err(tr!("grammar-unknown-comparison", op = shorten(op), usage = usage));
    };
    let value = number(&tr!("grammar-served-count"), value, 0, 1_000_000)?;
    Ok(Expect::Served { target, op, value: f64::from(value) })
}

fn exited(args: &str) -> Result<Expect, String> {
    let words = Words::new(args, EXITED_USAGE, &["signal", "code"])?;
    let [t] = words.exactly()?;
    let status = match (words.option("signal"), words.option("code")) {
        (Some(sig), None) => ExitSpec::Signal(signal(sig)?),
        // At most 255, so the cast to i32 is lossless.
        (None, Some(code)) => ExitSpec::Code(number(&tr!("grammar-exit-code"), code, 0, 255)? as i32),
        (Some(_), Some(_)) => return Err(tr!("grammar-exited-both")),
        (None, None) => return Err(tr!("grammar-exited-neither", usage = localized(words.usage))),
    };
    Ok(Expect::Exited { target: target(t)?, status })
}

/// `W1 threads >= 5`: a number of one process.
fn count_expect(t: &str, field: &str, op: &str, value: &str) -> Result<Expect, String> {
    let field = CountField::ALL.into_iter().find(|f| f.name() == field).expect("checked by the caller");
    let usage = || {
        tr!(
            "grammar-usage-op",
            form = format!("`TARGET {} OP NUMBER`", field.name()),
            ops = names(Op::ALL.map(Op::symbol))
        )
    };
    let op = Op::ALL
        .into_iter()
        .find(|o| o.symbol() == op)
        .ok_or_else(|| tr!("grammar-unknown-comparison", op = shorten(op), usage = usage()))?;
    let value = value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| tr!("grammar-invalid-number", value = shorten(value), usage = usage()))?;
    Ok(Expect::Count { target: target(t)?, field, op, value })
}

/// `daemon ppid == forklab`: a fact of a process, read from /proc when checked.
fn proc_expect(t: &str, field: &str, op: &str, value: &str) -> Result<Expect, String> {
    let field = ProcField::ALL.into_iter().find(|f| f.name() == field).expect("checked by the caller");
    let equal = match op {
        "==" => true,
        "!=" => false,
        _ => return Err(tr!("grammar-unknown-eq", op = shorten(op), field = format!("{field:?}"))),
    };
    let value = match value {
        "forklab" => ProcValue::Forklab,
        "master" => ProcValue::Master,
        "self" => ProcValue::SelfPid,
        "none" => ProcValue::None,
        other => ProcValue::Text(other.to_string()),
    };
    Ok(Expect::Proc { target: target(t)?, field, equal, value })
}

/// `ask: Will W2 keep serving? | yes => survived W2 | no => failed > 0`.
fn parse_ask(args: &str) -> Result<Ask, String> {
    let usage = tr!("grammar-usage-ask");
    let mut parts = args.split('|');
    let question = parts.next().unwrap_or_default().trim();
    if question.is_empty() {
        return Err(tr!("grammar-ask-no-question", usage = usage));
    }
    let mut choices: Vec<Choice> = Vec::new();
    for part in parts {
        let Some((label, when_text)) = part.split_once("=>") else {
            return Err(tr!("grammar-choice-no-condition", choice = shorten(part.trim()), usage = usage));
        };
        let label = label.trim();
        if label.is_empty() {
            return Err(tr!("grammar-choice-no-label", usage = usage));
        }
        if choices.iter().any(|c| c.label == label) {
            return Err(tr!("grammar-choice-twice", choice = shorten(label)));
        }
        let when =
            parse_expect(when_text).map_err(|e| tr!("grammar-choice-condition", choice = shorten(label), error = e))?;
        choices.push(Choice { label: label.to_string(), when, text: when_text.trim().to_string() });
    }
    if choices.len() < 2 || choices.len() > MAX_CHOICES {
        return Err(tr!("grammar-ask-choices", n = choices.len(), max = MAX_CHOICES));
    }
    Ok(Ask { question: question.to_string(), choices })
}

fn metric_expect(metric: Metric, rest: &[&str]) -> Result<Expect, String> {
    let usage = || tr!("grammar-usage-metric", metric = metric.to_string(), ops = names(Op::ALL.map(Op::symbol)));
    let [op, value] = rest else {
        return Err(tr!(
            "grammar-wrong-arguments-in",
            written = format!("{metric} {}", rest.join(" ")),
            usage = usage()
        ));
    };
    let Some(op) = Op::ALL.into_iter().find(|o| o.symbol() == *op) else {
        return Err(tr!("grammar-unknown-comparison", op = shorten(op), usage = usage()));
    };
    if *value == "cores" {
        return Ok(Expect::MetricCores { metric, op });
    }
    // `f64::from_str` also takes `inf` and `NaN`, which no count or ratio can be.
    let Some(value) = value.parse::<f64>().ok().filter(|v| v.is_finite()) else {
        return Err(tr!("grammar-invalid-number", value = shorten(value), usage = usage()));
    };
    Ok(Expect::Metric { metric, op, value })
}

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// The most requests (connections × keepalive) one `fire` or `load` may ask for. The runner
/// waits 2 minutes for the load client; 100,000 requests take about 10 s on the debug build
/// of a 2-core machine (the fault suite's chaos run), so an accepted load always finishes.
const MAX_REQUESTS: u64 = 100_000;

fn requests_bound(verb: &str, connections: u32, keepalive: u32) -> Result<(), String> {
    let requests = u64::from(connections) * u64::from(keepalive);
    if requests > MAX_REQUESTS {
        return Err(tr!(
            "grammar-too-many-requests",
            verb = verb,
            connections = connections,
            keepalive = keepalive,
            requests = requests,
            max = MAX_REQUESTS
        ));
    }
    Ok(())
}

/// A whole number in `min..=max`; `what` names it in the error.
fn number(what: &str, value: &str, min: u32, max: u32) -> Result<u32, String> {
    let range = tr!("grammar-range", min = min, max = max);
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(tr!("grammar-invalid-value", what = what, value = shorten(value), range = range.as_str()));
    }
    // All digits, so a parse failure can only mean the number is too large.
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| tr!("grammar-out-of-range", what = what, value = shorten(value), range = range.as_str()))
}

pub(super) fn worker_count(value: &str) -> Result<WorkerCount, String> {
    if value == "cores" {
        return Ok(WorkerCount::Cores);
    }
    let n = number(&tr!("grammar-worker-count"), value, 1, 64).map_err(|e| tr!("grammar-or-cores", error = e))?;
    Ok(WorkerCount::N(n as usize))
}

fn mode(value: &str) -> Result<Mode, String> {
    Mode::ALL
        .into_iter()
        .find(|m| m.name() == value)
        .ok_or_else(|| tr!("grammar-unknown-mode", value = shorten(value), names = names(Mode::ALL.map(Mode::name))))
}

/// `shared,rr,reuseport`: at least one mode, none twice.
fn mode_list(value: &str) -> Result<Vec<Mode>, String> {
    let mut modes = Vec::new();
    for name in value.split(',') {
        let m = mode(name)?;
        if modes.contains(&m) {
            return Err(tr!("grammar-mode-twice", mode = m.to_string()));
        }
        modes.push(m);
    }
    Ok(modes)
}

fn handle(value: &str) -> Result<Handle, String> {
    match value {
        "inherit" => Ok(Handle::Inherit),
        "pass" => Ok(Handle::Pass),
        _ => Err(tr!("grammar-unknown-handle", value = shorten(value))),
    }
}

/// `master` or `W<n>` with n >= 1, the aliases the panes show.
fn target(value: &str) -> Result<Target, String> {
    if value == "master" {
        return Ok(Target::Master);
    }
    if value == "daemon" {
        return Ok(Target::Daemon);
    }
    value
        .strip_prefix('W')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .map(Target::Worker)
        .ok_or_else(|| tr!("grammar-unknown-target", value = shorten(value)))
}

/// The signals a lesson may send, as `kill -l` names them.
pub(super) const SIGNALS: [(&str, Signal); 9] = [
    ("TERM", Signal::SIGTERM),
    ("KILL", Signal::SIGKILL),
    ("SEGV", Signal::SIGSEGV),
    ("STOP", Signal::SIGSTOP),
    ("CONT", Signal::SIGCONT),
    ("INT", Signal::SIGINT),
    ("HUP", Signal::SIGHUP),
    ("ABRT", Signal::SIGABRT),
    ("USR1", Signal::SIGUSR1),
];

/// `KILL`, `SIGKILL` or `kill`: the spellings people use with kill(1).
fn signal(value: &str) -> Result<Signal, String> {
    let upper = value.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, sig)| *sig)
        .ok_or_else(|| tr!("grammar-unknown-signal", value = shorten(value), names = names(SIGNALS.map(|(n, _)| n))))
}

/// A verb's usage in the current language: the forms stay as written, the words joining them
/// (`or`, `with STEP one of`) come from the catalogue.
fn localized(usage: &str) -> String {
    fn one_of(rest: &str) -> Option<(&str, &str)> {
        rest.split_once(" of ").and_then(|(name, list)| Some((name.strip_suffix(" one")?, list)))
    }
    let usage = usage.replace("` or `", &format!("` {} `", tr!("grammar-or")));
    match usage.split_once(" with ").and_then(|(form, rest)| Some((form, one_of(rest)?))) {
        Some((form, (name, list))) => tr!("grammar-usage-one-of", form = form, name = name, list = list),
        None => usage,
    }
}

fn names<const N: usize>(names: [&str; N]) -> String {
    names.join(", ")
}

/// Shortens free text quoted in a message, so a stray binary-like line stays readable.
pub(super) fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 80;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}...", text.get(..end).unwrap_or(text)),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::doc::parse;
    use crate::lesson::{CostFigure, CostKind, CostThan};
    use crate::lesson::{Lesson, embedded};

    /// Front matter for `lessons/t.md` and a first step heading: a body starts at line 8.
    const HEAD: &str = "+++\nid = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n+++\n## Step\n";
    const BODY_LINE: usize = 8;

    fn parse_ok(text: &str) -> Lesson {
        parse("lessons/t.md", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The error for this text under the first step heading (so from line 8).
    fn body_error(body: &str) -> (usize, String) {
        let e = parse("lessons/t.md", format!("{HEAD}{body}\n").as_bytes()).expect_err("the lesson should be rejected");
        (e.line, e.message)
    }

    /// What `<!-- text -->` as the only directive of a step parses into (a question's step
    /// gets the `reveal` it needs).
    fn directive(text: &str) -> Directive {
        let reveal = if text.starts_with("ask:") { "<!-- reveal -->\n" } else { "" };
        let lesson = parse_ok(&format!("{HEAD}<!-- {text} -->\n{reveal}"));
        lesson.steps[0].directives[0].item.clone()
    }

    /// Each accepted directive form: (name, as written, what it parses into).
    fn accepted() -> Vec<(&'static str, &'static str, Directive)> {
        vec![
            (
                "spawn_with_defaults",
                "do: spawn workers=cores",
                Directive::Spawn { workers: WorkerCount::Cores, mode: Mode::Shared, handle: Handle::Inherit },
            ),
            (
                "spawn_options_in_any_order",
                "do: spawn handle=pass mode=reuseport workers=64",
                Directive::Spawn { workers: WorkerCount::N(64), mode: Mode::Reuseport, handle: Handle::Pass },
            ),
            ("set_mode", "do: mode rr", Directive::SetMode(Mode::Rr)),
            ("scale", "do: scale workers=2", Directive::Scale(WorkerCount::N(2))),
            ("stop", "do: stop", Directive::Stop),
            (
                "fire_with_options",
                "do: fire keepalive=1000 100 concurrency=256",
                Directive::Fire { connections: 100, concurrency: 256, keepalive: 1000 },
            ),
            (
                "compare_with_default_runs",
                "do: compare modes=shared,exclusive connections=500",
                Directive::Compare {
                    modes: vec![Mode::Shared, Mode::Exclusive],
                    connections: 500,
                    concurrency: 8,
                    runs: 1,
                    busy: None,
                },
            ),
            (
                "compare_with_a_busy_worker",
                "do: compare modes=rr,reuseport connections=40 busy=W1:1000",
                Directive::Compare {
                    modes: vec![Mode::Rr, Mode::Reuseport],
                    connections: 40,
                    concurrency: 8,
                    runs: 1,
                    busy: Some((Target::Worker(1), 1000)),
                },
            ),
            (
                "cost_with_rounds",
                "do: cost pipe-threads rounds=500",
                Directive::Cost { what: CostKind::PipeThreads, rounds: Some(500) },
            ),
            ("cost_default_rounds", "do: cost cow", Directive::Cost { what: CostKind::Cow, rounds: None }),
            (
                "expect_cost_against_a_figure",
                "expect: cost fork.ns_each > thread.ns_each",
                Directive::Expect(Expect::Cost {
                    figure: CostFigure { what: CostKind::Fork, name: "ns_each".into() },
                    op: Op::Gt,
                    than: CostThan::Figure(CostFigure { what: CostKind::Thread, name: "ns_each".into() }),
                }),
            ),
            (
                "expect_cost_against_a_scaled_figure",
                "expect: cost pipe-procs.ns_each > pipe-threads.ns_each * 1.5",
                Directive::Expect(Expect::Cost {
                    figure: CostFigure { what: CostKind::PipeProcs, name: "ns_each".into() },
                    op: Op::Gt,
                    than: CostThan::Scaled(CostFigure { what: CostKind::PipeThreads, name: "ns_each".into() }, 1.5),
                }),
            ),
            (
                "expect_cost_against_a_number",
                "expect: cost cow.private_after_kib >= 60000",
                Directive::Expect(Expect::Cost {
                    figure: CostFigure { what: CostKind::Cow, name: "private_after_kib".into() },
                    op: Op::Ge,
                    than: CostThan::Number(60000.0),
                }),
            ),
            (
                "expect_served",
                "expect: served W1 < 10",
                Directive::Expect(Expect::Served { target: Target::Worker(1), op: Op::Lt, value: 10.0 }),
            ),
            (
                "kill_with_lowercase_sig_prefix",
                "do: kill W2 signal=sigkill",
                Directive::Kill { target: Target::Worker(2), signal: Signal::SIGKILL },
            ),
            ("busy", "do: busy master ms=60000", Directive::Busy { target: Target::Master, ms: 60_000 }),
            ("show_fds", "do: show fds W1", Directive::ShowFds(Target::Worker(1))),
            ("show_tree", "do: show tree", Directive::ShowTree),
            ("expect_same_inode", "expect: same-inode", Directive::Expect(Expect::SameInode)),
            (
                "expect_metric",
                "expect: failed == 0",
                Directive::Expect(Expect::Metric { metric: Metric::Failed, op: Op::Eq, value: 0.0 }),
            ),
            (
                "expect_exited_signal",
                "expect: exited W3 signal=SEGV",
                Directive::Expect(Expect::Exited {
                    target: Target::Worker(3),
                    status: ExitSpec::Signal(Signal::SIGSEGV),
                }),
            ),
            (
                "expect_exited_code",
                "expect: exited master code=255",
                Directive::Expect(Expect::Exited { target: Target::Master, status: ExitSpec::Code(255) }),
            ),
            (
                "crash_segv",
                "do: crash W2 how=segv",
                Directive::Crash { target: Target::Worker(2), how: CrashKind::Segv },
            ),
            ("respawn_off", "do: respawn off", Directive::Respawn(false)),
            ("load", "do: load 500 concurrency=2", Directive::Load { connections: 500, concurrency: 2, keepalive: 1 }),
            ("wait_load", "do: wait load", Directive::WaitLoad),
            (
                "send_relay",
                "do: send W1 to W2",
                Directive::Send(SendKind::Relay { from: Target::Worker(1), to: Target::Worker(2) }),
            ),
            ("send_handle", "do: send handle W1", Directive::Send(SendKind::Handle(Target::Worker(1)))),
            ("rolling", "do: restart rolling", Directive::RollingRestart),
            (
                "work_threads",
                "do: work W1 threads=cores ms=500",
                Directive::Work { target: Some(Target::Worker(1)), threads: Some(WorkerCount::Cores), ms: 500 },
            ),
            ("work_all", "do: work all ms=500", Directive::Work { target: None, threads: None, ms: 500 }),
            ("counter_all", "do: counter all", Directive::Counter { target: None, threads: None }),
            ("daemon_fork_again", "do: daemon fork-again", Directive::Daemon(DaemonStep::ForkAgain)),
            ("reap_off", "do: reap off", Directive::Reap(false)),
            ("backlog", "do: backlog 4", Directive::Backlog(4)),
            ("accept_off", "do: accept off", Directive::Accept(false)),
            ("connect", "do: connect 12", Directive::Connect(12)),
            ("drain", "do: drain ms=500", Directive::Drain(500)),
            ("hold", "do: hold idle=5 slow=3 ms=1500", Directive::Hold { idle: 5, slow: 3, ms: 1500 }),
            ("hold_slow_only", "do: hold slow=1 ms=3000", Directive::Hold { idle: 0, slow: 1, ms: 3000 }),
            ("wait_hold", "do: wait hold", Directive::WaitHold),
            ("stop_grace", "do: stop grace=1000", Directive::StopGrace(1000)),
            (
                "expect_idle_closed",
                "expect: idle_closed == 5",
                Directive::Expect(Expect::Metric { metric: Metric::IdleClosed, op: Op::Eq, value: 5.0 }),
            ),
            (
                "expect_idle_reset",
                "expect: idle_reset == 0",
                Directive::Expect(Expect::Metric { metric: Metric::IdleReset, op: Op::Eq, value: 0.0 }),
            ),
            ("visit", "do: visit 40 concurrency=4", Directive::Visit { connections: 40, concurrency: 4 }),
            ("visit_default_concurrency", "do: visit 40", Directive::Visit { connections: 40, concurrency: 8 }),
            ("expect_sticky", "expect: sticky", Directive::Expect(Expect::Sticky)),
            (
                "expect_visits_max",
                "expect: visits_max < 40",
                Directive::Expect(Expect::Metric { metric: Metric::VisitsMax, op: Op::Lt, value: 40.0 }),
            ),
            (
                "expect_queued",
                "expect: queued == 5",
                Directive::Expect(Expect::Metric { metric: Metric::Queued, op: Op::Eq, value: 5.0 }),
            ),
            ("reap_on", "do: reap on", Directive::Reap(true)),
            (
                "parent_death",
                "do: parent-death W3 how=none",
                Directive::ParentDeath { target: Target::Worker(3), how: ParentDeathKind::None },
            ),
            (
                "expect_state",
                "expect: W1 state == Z",
                Directive::Expect(Expect::Proc {
                    target: Target::Worker(1),
                    field: ProcField::State,
                    equal: true,
                    value: ProcValue::Text("Z".into()),
                }),
            ),
            (
                "expect_sigchld",
                "expect: sigchld == 1",
                Directive::Expect(Expect::Metric { metric: Metric::Sigchld, op: Op::Eq, value: 1.0 }),
            ),
            ("expect_hung", "expect: hung W3", Directive::Expect(Expect::Hung(Target::Worker(3)))),
            (
                "expect_metric_cores",
                "expect: pids == cores",
                Directive::Expect(Expect::MetricCores { metric: Metric::Pids, op: Op::Eq }),
            ),
            (
                "expect_proc",
                "expect: daemon ppid == forklab",
                Directive::Expect(Expect::Proc {
                    target: Target::Daemon,
                    field: ProcField::Ppid,
                    equal: true,
                    value: ProcValue::Forklab,
                }),
            ),
            ("expect_not", "expect: not same-inode", Directive::Expect(Expect::Not(Box::new(Expect::SameInode)))),
            (
                "ask_two_choices",
                "ask: Will W2 survive? | yes => survived W2 | no => not survived W2",
                Directive::Ask(Ask {
                    question: "Will W2 survive?".into(),
                    choices: vec![
                        Choice {
                            label: "yes".into(),
                            when: Expect::Survived(Target::Worker(2)),
                            text: "survived W2".into(),
                        },
                        Choice {
                            label: "no".into(),
                            when: Expect::Not(Box::new(Expect::Survived(Target::Worker(2)))),
                            text: "not survived W2".into(),
                        },
                    ],
                }),
            ),
        ]
    }

    /// Each rejected directive: (name, as written, the message of the error on its line).
    const REJECTED: &[(&str, &str, &str)] = &[
        (
            "unknown_directive_kind",
            "todo: fix",
            "unknown directive `todo:`; expected `do:`, `expect:`, `ask:`, `reveal` or `notes`",
        ),
        (
            "fire_beyond_the_request_bound",
            "do: fire 1000000 concurrency=256 keepalive=1000",
            "`fire` asks for 1000000 connections × 1000 requests = 1000000000 requests; at most 100000 finish within the 2 minutes the load client is given",
        ),
        (
            "unknown_verb",
            "do: launch workers=4",
            "unknown verb `launch` in `do:`; expected one of spawn, mode, scale, stop, fire, compare, kill, busy, show, crash, respawn, load, wait, send, restart, work, counter, daemon, node, reap, parent-death, backlog, accept, connect, visit, cost, drain, hold",
        ),
        (
            "empty_do",
            "do:",
            "empty `do:`; expected one of spawn, mode, scale, stop, fire, compare, kill, busy, show, crash, respawn, load, wait, send, restart, work, counter, daemon, node, reap, parent-death, backlog, accept, connect, visit, cost, drain, hold",
        ),
        (
            "unknown_option",
            "do: fire 10 workers=2",
            "unknown option `workers` for `fire`; expected concurrency, keepalive",
        ),
        (
            "option_on_verb_without_options",
            "do: restart now=yes",
            "`restart` takes no options, found `now=yes`; expected `restart rolling`",
        ),
        ("repeated_option", "do: fire 10 concurrency=2 concurrency=3", "option `concurrency` is given twice in `fire`"),
        ("option_without_value", "do: spawn workers=", "option `workers` has no value; expected `workers=VALUE`"),
        (
            "missing_required_option",
            "do: spawn mode=rr",
            "`spawn` needs `workers=`; expected `spawn workers=N|cores [mode=M] [handle=inherit|pass]`",
        ),
        (
            "missing_value",
            "do: fire concurrency=4",
            "wrong arguments `fire concurrency=4`; expected `fire N [concurrency=C] [keepalive=R]`",
        ),
        ("extra_value", "do: stop all", "wrong arguments `stop all`; expected `stop [grace=MS]`"),
        ("stop_unknown_option", "do: stop now=yes", "unknown option `now` for `stop`; expected grace"),
        (
            "count_not_a_number",
            "do: fire lots",
            "invalid connection count `lots`; expected a whole number from 1 to 1000000",
        ),
        (
            "count_out_of_range",
            "do: fire 1000001",
            "connection count `1000001` is out of range; expected a whole number from 1 to 1000000",
        ),
        (
            "count_beyond_u64",
            "do: fire 99999999999999999999999",
            "connection count `99999999999999999999999` is out of range; expected a whole number from 1 to 1000000",
        ),
        (
            "concurrency_out_of_range",
            "do: fire 10 concurrency=257",
            "concurrency `257` is out of range; expected a whole number from 1 to 256",
        ),
        (
            "workers_out_of_range",
            "do: scale workers=0",
            "worker count `0` is out of range; expected a whole number from 1 to 64 or `cores`",
        ),
        (
            "unknown_mode",
            "do: mode fair",
            "unknown accept mode `fair`; expected one of shared, exclusive, blocking, rr, reuseport",
        ),
        (
            "unknown_handle",
            "do: spawn workers=2 handle=copy",
            "unknown handle delivery `copy`; expected inherit or pass",
        ),
        (
            "compare_duplicate_mode",
            "do: compare modes=rr,shared,rr connections=10",
            "mode `rr` is listed twice in `modes`",
        ),
        (
            "compare_empty_mode",
            "do: compare modes=rr, connections=10",
            "unknown accept mode ``; expected one of shared, exclusive, blocking, rr, reuseport",
        ),
        (
            "cost_unknown",
            "do: cost exec",
            "unknown measurement `exec`; expected one of fork, thread, pipe-procs, pipe-threads, cow, rss",
        ),
        (
            "cost_rounds_zero",
            "do: cost fork rounds=0",
            "rounds `0` is out of range; expected a whole number from 1 to 100000",
        ),
        (
            "cost_figure_without_kind",
            "expect: cost ns_each > 3",
            "invalid figure `ns_each`; expected `WHAT.FIGURE`, e.g. `fork.ns_each`",
        ),
        (
            "cost_figure_bad_number",
            "expect: cost fork.ns_each > lots",
            "invalid number `lots`; expected a number or `WHAT.FIGURE`",
        ),
        (
            "cost_factor_after_a_number",
            "expect: cost fork.ns_each > 3 * 2",
            "a factor can follow a figure, not `3`; expected `cost WHAT.FIGURE OP WHAT.FIGURE * FACTOR`",
        ),
        (
            "cost_factor_zero",
            "expect: cost fork.ns_each > thread.ns_each * 0",
            "invalid factor `0`; expected a number above 0, e.g. `1.5`",
        ),
        (
            "cost_factor_not_a_number",
            "expect: cost fork.ns_each > thread.ns_each * lots",
            "invalid factor `lots`; expected a number above 0, e.g. `1.5`",
        ),
        (
            "cost_factor_without_star",
            "expect: cost fork.ns_each > thread.ns_each 1.5",
            "wrong arguments `cost fork.ns_each > thread.ns_each 1.5`; expected `cost WHAT.FIGURE OP NUMBER`, `cost WHAT.FIGURE OP WHAT.FIGURE` or `cost WHAT.FIGURE OP WHAT.FIGURE * FACTOR`",
        ),
        (
            "compare_busy_without_ms",
            "do: compare modes=rr connections=10 busy=W1",
            "invalid busy `W1`; expected `busy=TARGET:MS`, e.g. `busy=W1:1000`",
        ),
        (
            "compare_busy_ms_out_of_range",
            "do: compare modes=rr connections=10 busy=W1:0",
            "ms `0` is out of range; expected a whole number from 1 to 60000",
        ),
        (
            "served_without_a_number",
            "expect: served W1 <",
            "wrong arguments `served W1 <`; expected `served TARGET OP NUMBER`",
        ),
        (
            "served_bad_op",
            "expect: served W1 ~ 3",
            "unknown comparison `~`; expected `served TARGET OP NUMBER` with OP one of ==, !=, <, <=, >, >=",
        ),
        (
            "compare_runs_out_of_range",
            "do: compare modes=rr connections=10 runs=6",
            "runs `6` is out of range; expected a whole number from 1 to 5",
        ),
        (
            "unknown_signal",
            "do: kill W1 signal=PIPE",
            "unknown signal `PIPE`; expected one of TERM, KILL, SEGV, STOP, CONT, INT, HUP, ABRT, USR1 (SIG prefix optional)",
        ),
        ("worker_zero", "do: kill W0 signal=TERM", "unknown target `W0`; expected `master` or a worker such as `W1`"),
        ("lowercase_worker", "do: busy w1 ms=10", "unknown target `w1`; expected `master` or a worker such as `W1`"),
        (
            "busy_too_long",
            "do: busy W1 ms=60001",
            "ms `60001` is out of range; expected a whole number from 1 to 60000",
        ),
        (
            "show_something_else",
            "do: show sockets",
            "wrong arguments `show sockets`; expected `show fds TARGET` or `show tree`",
        ),
        (
            "unknown_expectation",
            "expect: fairness > 1",
            "unknown expectation `fairness`; expected accounted, same-inode, `same-listener TARGET TARGET`, rolled, lost-only-held, sticky, handle-arrived, scm-rights, all-cores-busy, pidfile, `hung|gave-up|survived TARGET`, `served TARGET OP N`, `cost WHAT.FIGURE OP N`, `not CONDITION`, `exited TARGET ...`, `TARGET FIELD == VALUE` or `METRIC OP NUMBER` with METRIC one of failed, completed, fired, spread, workers, p50_ms, max_ms, held, restarts, max_delay_ms, messages, fds, rtt_us, cores_used, pids, tids, counter, master_counter, sigchld, reaped, established, timed_out, queued, idle_closed, idle_reset, visits_max, visits_sum",
        ),
        (
            "empty_expect",
            "expect:",
            "empty `expect:`; expected accounted, same-inode, `exited TARGET ...` or `METRIC OP NUMBER`",
        ),
        ("accounted_with_extra", "expect: accounted 5", "`accounted` takes nothing after it; expected `accounted`"),
        (
            "unknown_comparison",
            "expect: spread => 1",
            "unknown comparison `=>`; expected `spread OP NUMBER` with OP one of ==, !=, <, <=, >, >=, e.g. `spread <= 1`",
        ),
        (
            "metric_not_a_number",
            "expect: spread <= NaN",
            "invalid number `NaN`; expected `spread OP NUMBER` with OP one of ==, !=, <, <=, >, >=, e.g. `spread <= 1`",
        ),
        (
            "metric_without_spaces",
            "expect: completed >",
            "wrong arguments `completed >`; expected `completed OP NUMBER` with OP one of ==, !=, <, <=, >, >=, e.g. `completed <= 1`",
        ),
        (
            "exited_code_out_of_range",
            "expect: exited W1 code=256",
            "exit code `256` is out of range; expected a whole number from 0 to 255",
        ),
        ("exited_with_both", "expect: exited W1 code=0 signal=KILL", "`exited` takes `signal=` or `code=`, not both"),
        (
            "exited_with_neither",
            "expect: exited W1",
            "`exited` needs `signal=` or `code=`; expected `exited TARGET signal=SIG` or `exited TARGET code=N`",
        ),
        (
            "unknown_crash",
            "do: crash W1 how=explode",
            "unknown crash `explode`; expected one of segv, panic, abort, exit, hang, loop, thread-segv, throw",
        ),
        (
            "ask_one_choice",
            "ask: Really? | yes => failed == 0",
            "`ask:` has 1 choices; expected 2 to 6, as in `ask: QUESTION | CHOICE => CONDITION | ...`",
        ),
        (
            "ask_without_condition",
            "ask: Really? | yes | no",
            "choice `yes` has no `=> CONDITION`; expected `ask: QUESTION | CHOICE => CONDITION | CHOICE => CONDITION ...`",
        ),
        (
            "ask_bad_condition",
            "ask: Really? | yes => fairness > 1 | no => failed > 0",
            "in the condition of choice `yes`: unknown expectation `fairness`; expected accounted, same-inode, `same-listener TARGET TARGET`, rolled, lost-only-held, sticky, handle-arrived, scm-rights, all-cores-busy, pidfile, `hung|gave-up|survived TARGET`, `served TARGET OP N`, `cost WHAT.FIGURE OP N`, `not CONDITION`, `exited TARGET ...`, `TARGET FIELD == VALUE` or `METRIC OP NUMBER` with METRIC one of failed, completed, fired, spread, workers, p50_ms, max_ms, held, restarts, max_delay_ms, messages, fds, rtt_us, cores_used, pids, tids, counter, master_counter, sigchld, reaped, established, timed_out, queued, idle_closed, idle_reset, visits_max, visits_sum",
        ),
        (
            "work_longer_than_a_heartbeat_allows",
            "do: work W1 threads=2 ms=3000",
            "ms `3000` is out of range; expected a whole number from 1 to 2000",
        ),
        (
            "unknown_daemon_step",
            "do: daemon detach",
            "unknown daemon step `detach`; expected one of fork, setsid, fork-again, umask, chdir, close-fds, stdio, pidfile, stop",
        ),
        ("backlog_zero", "do: backlog 0", "backlog `0` is out of range; expected a whole number from 1 to 4096"),
        (
            "connect_too_many",
            "do: connect 101",
            "connection count `101` is out of range; expected a whole number from 1 to 100",
        ),
        ("drain_without_ms", "do: drain", "`drain` needs `ms=`; expected `drain ms=N`"),
        ("drain_too_long", "do: drain ms=5001", "ms `5001` is out of range; expected a whole number from 1 to 5000"),
        ("hold_nothing", "do: hold ms=100", "`hold` opens no connection; expected `hold idle=N slow=M ms=T`"),
        (
            "hold_too_slow",
            "do: hold slow=1 ms=9000",
            "ms `9000` is out of range; expected a whole number from 1 to 8000",
        ),
        ("stop_no_grace", "do: stop grace=0", "grace `0` is out of range; expected a whole number from 1 to 5000"),
        ("wait_for_what", "do: wait fire", "wrong arguments `wait fire`; expected `wait load` or `wait hold`"),
        (
            "visit_zero",
            "do: visit 0",
            "connection count `0` is out of range; expected a whole number from 1 to 1000000",
        ),
        ("visit_keepalive", "do: visit 4 keepalive=10", "unknown option `keepalive` for `visit`; expected concurrency"),
        (
            "visit_without_count",
            "do: visit concurrency=4",
            "wrong arguments `visit concurrency=4`; expected `visit N [concurrency=C]`",
        ),
        ("sticky_with_words", "expect: sticky W1", "`sticky` takes nothing after it; expected `sticky`"),
        ("accept_maybe", "do: accept maybe", "wrong arguments `accept maybe`; expected `accept on` or `accept off`"),
        ("reap_neither_on_nor_off", "do: reap later", "wrong arguments `reap later`; expected `reap on` or `reap off`"),
        (
            "unknown_parent_death",
            "do: parent-death W1 how=ignore",
            "unknown parent death `ignore`; expected one of signal, disconnect, none",
        ),
        (
            "parent_death_without_how",
            "do: parent-death W1",
            "`parent-death` needs `how=`; expected `parent-death TARGET how=signal|disconnect|none`",
        ),
    ];

    #[test]
    fn accepted_directives_parse_into_their_values() {
        let wrong: Vec<String> = accepted()
            .into_iter()
            .filter(|(_, text, item)| directive(text) != *item)
            .map(|(name, text, item)| format!("{name}: `{text}` gave {:?}, expected {item:?}", directive(text)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn rejected_directives_say_why_on_their_line() {
        let wrong: Vec<String> = REJECTED
            .iter()
            .filter_map(|(name, text, message)| {
                let got = body_error(&format!("<!-- {text} -->"));
                (got != (BODY_LINE, message.to_string())).then(|| format!("{name}: `{text}` gave {got:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    // ----- the order a question's choices are shown in -----

    #[test]
    fn choice_order_is_a_permutation_that_a_seed_repeats() {
        let Directive::Ask(ask) = directive("ask: Q? | a => failed == 0 | b => failed == 1 | c => failed == 2") else {
            unreachable!()
        };
        for seed in 0..50 {
            let order = ask.order("t", seed);
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, [0, 1, 2]);
            assert_eq!(order, ask.order("t", seed));
            assert_eq!(Ask::letter_in(&order, order[1]), 'b');
        }
        let orders: std::collections::BTreeSet<Vec<usize>> = (0..50).map(|seed| ask.order("t", seed)).collect();
        assert_eq!(orders.len(), 6, "50 seeds give every order of three choices");
    }

    #[test]
    fn with_a_fixed_seed_some_built_in_question_is_not_shown_in_file_order() {
        for seed in [0, 7] {
            let mut shuffled = 0;
            for lesson in embedded().unwrap() {
                for step in &lesson.steps {
                    for d in &step.directives {
                        if let Directive::Ask(ask) = &d.item {
                            let order = ask.order(&lesson.id, seed);
                            assert_eq!(order, ask.order(&lesson.id, seed));
                            shuffled += usize::from(order != (0..ask.choices.len()).collect::<Vec<_>>());
                        }
                    }
                }
            }
            assert!(shuffled > 0, "seed {seed}: every question in file order");
        }
    }

    #[test]
    fn every_verb_the_errors_list_is_known() {
        for verb in verb_names().split(", ") {
            let message = parse_do(verb).err().unwrap_or_default();
            assert!(!message.starts_with("unknown verb"), "{verb}: {message}");
        }
    }

    #[test]
    fn the_daemon_usage_lists_every_step() {
        let usage = VERBS.iter().find(|v| v.name == "daemon").map(|v| v.usage).unwrap_or_default();
        assert!(usage.ends_with(&names(DaemonStep::ALL.map(DaemonStep::name))), "{usage}");
    }

    /// Every accepted form printed and parsed again is the same directive.
    #[test]
    fn accepted_directives_print_as_they_parse() {
        for (name, _, item) in accepted() {
            assert_eq!(parse_directive(&item.to_string()), Ok(item.clone()), "{name}: `{item}`");
        }
    }

    // ----- printing: Display round-trips with the parser -----

    mod property {
        use super::super::*;
        use crate::lesson::{CostFigure, CostKind, CostThan};
        use proptest::prelude::*;

        fn target() -> impl Strategy<Value = Target> {
            prop_oneof![Just(Target::Master), Just(Target::Daemon), (1u32..=u32::MAX).prop_map(Target::Worker)]
        }

        fn workers() -> impl Strategy<Value = WorkerCount> {
            prop_oneof![Just(WorkerCount::Cores), (1usize..=64).prop_map(WorkerCount::N)]
        }

        fn mode() -> impl Strategy<Value = Mode> {
            proptest::sample::select(Mode::ALL.to_vec())
        }

        fn signal() -> impl Strategy<Value = Signal> {
            proptest::sample::select(SIGNALS.map(|(_, s)| s).to_vec())
        }

        fn expect() -> impl Strategy<Value = Expect> {
            let metric = proptest::sample::select(Metric::ALL.to_vec());
            let op = proptest::sample::select(Op::ALL.to_vec());
            let value = prop_oneof![
                (-1_000_000i64..1_000_000).prop_map(|n| n as f64),
                (-1e12f64..1e12),
                proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            ];
            let proc_value = prop_oneof![
                Just(ProcValue::Forklab),
                Just(ProcValue::Master),
                Just(ProcValue::SelfPid),
                Just(ProcValue::None),
                "[a-z0-9/._]{1,12}"
                    .prop_filter("a word the parser reads as a name", |t| {
                        !["forklab", "master", "self", "none"].contains(&t.as_str())
                    })
                    .prop_map(ProcValue::Text),
            ];
            let leaf = prop_oneof![
                Just(Expect::Accounted),
                Just(Expect::SameInode),
                (metric.clone(), op.clone(), value).prop_map(|(metric, op, value)| Expect::Metric {
                    metric,
                    op,
                    value
                }),
                (target(), prop_oneof![signal().prop_map(ExitSpec::Signal), (0i32..=255).prop_map(ExitSpec::Code)])
                    .prop_map(|(target, status)| Expect::Exited { target, status }),
                (metric, op).prop_map(|(metric, op)| Expect::MetricCores { metric, op }),
                (target(), proptest::sample::select(Op::ALL.to_vec()), 0u32..=1_000_000)
                    .prop_map(|(target, op, n)| Expect::Served { target, op, value: f64::from(n) }),
                (
                    cost_figure(),
                    proptest::sample::select(Op::ALL.to_vec()),
                    prop_oneof![
                        (0u32..=1_000_000).prop_map(|n| CostThan::Number(f64::from(n))),
                        cost_figure().prop_map(CostThan::Figure),
                        (cost_figure(), 1u32..=1000).prop_map(|(g, n)| CostThan::Scaled(g, f64::from(n) / 10.0)),
                    ]
                )
                    .prop_map(|(figure, op, than)| Expect::Cost { figure, op, than }),
                target().prop_map(Expect::Hung),
                target().prop_map(Expect::GaveUp),
                target().prop_map(Expect::Survived),
                (target(), target()).prop_map(|(a, b)| Expect::SameListener(a, b)),
                Just(Expect::Rolled),
                Just(Expect::LostOnlyHeld),
                Just(Expect::Sticky),
                Just(Expect::HandleArrived),
                Just(Expect::ScmRights),
                Just(Expect::AllCoresBusy),
                Just(Expect::Pidfile),
                (target(), proptest::sample::select(ProcField::ALL.to_vec()), any::<bool>(), proc_value)
                    .prop_map(|(target, field, equal, value)| Expect::Proc { target, field, equal, value }),
            ];
            leaf.prop_recursive(3, 4, 1, |inner| inner.prop_map(|e| Expect::Not(Box::new(e))))
        }

        fn cost_figure() -> impl Strategy<Value = CostFigure> {
            (proptest::sample::select(CostKind::ALL.to_vec()), "[a-z][a-z0-9_]{0,15}")
                .prop_map(|(what, name)| CostFigure { what, name })
        }

        /// Free text for questions and labels: no `|`, `=>` or `-->`, which the grammar uses.
        fn words() -> impl Strategy<Value = String> {
            "[A-Za-z0-9?,.'()é -]{1,30}"
                .prop_map(|s| s.trim().to_string())
                .prop_filter("text that is not blank and not a comment's end", |s| !s.is_empty() && !s.contains("-->"))
        }

        fn ask() -> impl Strategy<Value = Ask> {
            let choice = (words(), expect()).prop_map(|(label, when)| Choice { text: when.to_string(), label, when });
            (words(), proptest::collection::vec(choice, 2..=MAX_CHOICES))
                .prop_filter("labels that differ", |(_, choices)| {
                    choices.iter().enumerate().all(|(i, c)| choices[..i].iter().all(|d| d.label != c.label))
                })
                .prop_map(|(question, choices)| Ask { question, choices })
        }

        /// (connections, keepalive) within the bound on requests a `fire` or `load` may ask for.
        fn requests() -> impl Strategy<Value = (u32, u32)> {
            (1u32..=1000).prop_flat_map(|keepalive| {
                let most = (MAX_REQUESTS / u64::from(keepalive)).min(1_000_000) as u32;
                (1..=most).prop_map(move |connections| (connections, keepalive))
            })
        }

        /// Every directive the parser can produce, with values in the ranges it accepts.
        fn directive() -> impl Strategy<Value = Directive> {
            let count = 1u32..=1_000_000;
            prop_oneof![
                (workers(), mode(), prop_oneof![Just(Handle::Inherit), Just(Handle::Pass)])
                    .prop_map(|(workers, mode, handle)| Directive::Spawn { workers, mode, handle }),
                mode().prop_map(Directive::SetMode),
                workers().prop_map(Directive::Scale),
                Just(Directive::Stop),
                (requests(), 1u32..=256).prop_map(|((connections, keepalive), concurrency)| {
                    Directive::Fire { connections, concurrency, keepalive }
                }),
                (
                    proptest::sample::subsequence(Mode::ALL.to_vec(), 1..=Mode::ALL.len()).prop_shuffle(),
                    count.clone(),
                    1u32..=256,
                    1u32..=5,
                    proptest::option::of((target(), 1u32..=60_000))
                )
                    .prop_map(|(modes, connections, concurrency, runs, busy)| Directive::Compare {
                        modes,
                        connections,
                        concurrency,
                        runs,
                        busy
                    }),
                (target(), signal()).prop_map(|(target, signal)| Directive::Kill { target, signal }),
                (target(), 1u32..=60_000).prop_map(|(target, ms)| Directive::Busy { target, ms }),
                target().prop_map(Directive::ShowFds),
                Just(Directive::ShowTree),
                expect().prop_map(Directive::Expect),
                (target(), proptest::sample::select(CrashKind::ALL.to_vec()))
                    .prop_map(|(target, how)| Directive::Crash { target, how }),
                any::<bool>().prop_map(Directive::Respawn),
                (requests(), 1u32..=256).prop_map(|((connections, keepalive), concurrency)| {
                    Directive::Load { connections, concurrency, keepalive }
                }),
                Just(Directive::WaitLoad),
                prop_oneof![
                    target().prop_map(SendKind::Ping),
                    Just(SendKind::Broadcast),
                    (target(), target()).prop_map(|(from, to)| SendKind::Relay { from, to }),
                    target().prop_map(SendKind::Handle),
                ]
                .prop_map(Directive::Send),
                Just(Directive::RollingRestart),
                (proptest::option::of((target(), workers())), 1u32..=2000).prop_map(|(who, ms)| match who {
                    Some((t, n)) => Directive::Work { target: Some(t), threads: Some(n), ms },
                    None => Directive::Work { target: None, threads: None, ms },
                }),
                proptest::option::of((target(), 1u32..=16)).prop_map(|who| match who {
                    Some((t, n)) => Directive::Counter { target: Some(t), threads: Some(n) },
                    None => Directive::Counter { target: None, threads: None },
                }),
                proptest::sample::select(DaemonStep::ALL.to_vec()).prop_map(Directive::Daemon),
                (proptest::sample::select(CostKind::ALL.to_vec()), proptest::option::of(1u32..=100_000))
                    .prop_map(|(what, rounds)| Directive::Cost { what, rounds }),
                ask().prop_map(Directive::Ask),
                any::<bool>().prop_map(Directive::Reap),
                (target(), proptest::sample::select(ParentDeathKind::ALL.to_vec()))
                    .prop_map(|(target, how)| Directive::ParentDeath { target, how }),
                (1u32..=4096).prop_map(Directive::Backlog),
                any::<bool>().prop_map(Directive::Accept),
                (1u32..=100).prop_map(Directive::Connect),
                (count.clone(), 1u32..=256)
                    .prop_map(|(connections, concurrency)| Directive::Visit { connections, concurrency }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

            /// A directive printed and parsed again is the same directive: it can travel as a
            /// value and still be shown as the words a lesson would write.
            #[test]
            fn display_round_trips_with_the_parser(d in directive()) {
                prop_assert_eq!(parse_directive(&d.to_string()), Ok(d.clone()), "printed as `{}`", d);
            }
        }
    }

    #[test]
    fn node_directives_and_count_expects_parse_and_print_back() {
        use crate::lesson::{CountField, NodeCmd, Op, Sched};
        let start = NodeCmd::Start { program: "cluster".into(), workers: 2, sched: Some(Sched::None), fix: false };
        assert_eq!(parse_directive("do: node cluster workers=2 sched=none"), Ok(Directive::Node(start.clone())));
        assert_eq!(Directive::Node(start).to_string(), "do: node cluster workers=2 sched=none");
        assert_eq!(parse_directive("do: node stop"), Ok(Directive::Node(NodeCmd::Stop)));
        assert_eq!(
            parse_directive("do: node disconnect W1"),
            Ok(Directive::Node(NodeCmd::Disconnect(Target::Worker(1))))
        );
        let e = parse_directive("do: node /bin/sh workers=1").unwrap_err();
        assert!(e.starts_with("unknown Node program `/bin/sh`; the built-in ones are "), "{e}");
        assert!(parse_directive("do: node cluster workers=2 sched=fair").unwrap_err().contains("expected rr or none"));
        assert!(parse_directive("do: node cluster workers=99").unwrap_err().contains("out of range"));
        assert!(parse_directive("do: node cluster").unwrap_err().contains("needs `workers=`"));
        let count = Expect::Count { target: Target::Worker(1), field: CountField::Threads, op: Op::Ge, value: 5.0 };
        assert_eq!(parse_directive("expect: W1 threads >= 5"), Ok(Directive::Expect(count.clone())));
        assert_eq!(count.to_string(), "W1 threads >= 5");
        assert!(parse_directive("expect: W1 served ~ 5").unwrap_err().contains("unknown comparison"));
        assert!(parse_directive("expect: W1 rss_mib < lots").unwrap_err().contains("invalid number"));
    }

    /// The parser's errors in Chinese: the message from the catalogue, the quoted directive
    /// words and forms as written, the words joining a usage's forms translated.
    #[test]
    fn errors_follow_the_language() {
        let err = |text: &str| match parse_comment(text) {
            Err(e) => e,
            Ok(_) => panic!("`{text}` should be rejected"),
        };
        let usage = |name: &str| VERBS.iter().find(|v| v.name == name).unwrap().usage;
        assert_eq!(localized(usage("daemon")), usage("daemon"));
        assert_eq!(localized(usage("show")), usage("show"));
        crate::i18n::set(crate::i18n::Lang::Zh);
        let step = err("<!-- do: daemon nosuch -->");
        let verb = err("<!-- do: frobnicate -->");
        let daemon = localized(usage("daemon"));
        let show = localized(usage("show"));
        crate::i18n::set(crate::i18n::Lang::En);
        assert!(step.starts_with("未知的守护进程步骤 `nosuch`；应为以下之一：fork, setsid"), "{step}");
        assert!(verb.starts_with("`do:` 中的未知动词 `frobnicate`"), "{verb}");
        assert_eq!(
            daemon,
            "`daemon STEP`，STEP 为以下之一：fork, setsid, fork-again, umask, chdir, close-fds, stdio, pidfile, stop"
        );
        assert_eq!(show, "`show fds TARGET` 或 `show tree`");
    }
}
