//! `cost`: what a process or a thread costs, measured (the cost lesson): the kinds of
//! measurement, a figure of one, and the words that name them in a lesson.

use super::{Expect, Op};
use std::fmt;

/// What `cost` measures. The master (single-threaded, so it may fork) measures processes;
/// W1 measures threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostKind {
    /// fork(2), the parent's side, each child exiting at once.
    Fork,
    /// std::thread::spawn (pthread_create), each thread returning at once.
    Thread,
    /// One byte back and forth over two pipes between two processes.
    PipeProcs,
    /// The same between two threads of one process.
    PipeThreads,
    /// A child writes every page of 64 MiB its parent had written: smaps_rollup before and after.
    Cow,
    /// The resident memory of the master and of each worker.
    Rss,
}

impl CostKind {
    pub const ALL: [CostKind; 6] =
        [CostKind::Fork, CostKind::Thread, CostKind::PipeProcs, CostKind::PipeThreads, CostKind::Cow, CostKind::Rss];

    pub fn name(self) -> &'static str {
        match self {
            CostKind::Fork => "fork",
            CostKind::Thread => "thread",
            CostKind::PipeProcs => "pipe-procs",
            CostKind::PipeThreads => "pipe-threads",
            CostKind::Cow => "cow",
            CostKind::Rss => "rss",
        }
    }

    /// Whether W1 measures it (threads) rather than the master (processes).
    pub fn in_worker(self) -> bool {
        matches!(self, CostKind::Thread | CostKind::PipeThreads)
    }

    /// How many times it repeats when the directive does not say.
    pub fn default_rounds(self) -> u32 {
        match self {
            CostKind::Fork | CostKind::Thread => 200,
            CostKind::PipeProcs | CostKind::PipeThreads => 2_000,
            CostKind::Cow | CostKind::Rss => 1,
        }
    }
}

/// `fork.ns_each`: a figure of the last measurement of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostFigure {
    pub what: CostKind,
    pub name: String,
}

/// What a cost figure is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum CostThan {
    Number(f64),
    Figure(CostFigure),
    /// `thread.ns_each * 1.5`: another figure times a factor, so that a comparison of two noisy
    /// timings can leave a margin ("more than 1.5 times as long") instead of calling 3 % a win.
    Scaled(CostFigure, f64),
}

impl fmt::Display for CostFigure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.what.name(), self.name)
    }
}

impl fmt::Display for CostThan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CostThan::Number(v) => write!(f, "{v}"),
            CostThan::Figure(g) => write!(f, "{g}"),
            CostThan::Scaled(g, times) => write!(f, "{g} * {times}"),
        }
    }
}

/// Free text quoted in a message, at most 80 characters.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}...", text.get(..end).unwrap_or(text)),
        None => text.to_string(),
    }
}

pub(super) fn cost_kind(value: &str) -> Result<CostKind, String> {
    CostKind::ALL.into_iter().find(|k| k.name() == value).ok_or_else(|| {
        tr!("cost-unknown-kind", value = shorten(value), kinds = CostKind::ALL.map(CostKind::name).join(", "))
    })
}

/// `fork.ns_each`: a measurement and one of its figures (lower case, digits, `_`).
fn cost_figure(value: &str) -> Result<CostFigure, String> {
    let Some((what, name)) = value.split_once('.') else {
        return Err(tr!("cost-bad-figure", value = shorten(value)));
    };
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(tr!("cost-bad-name", name = shorten(name)));
    }
    Ok(CostFigure { what: cost_kind(what)?, name: name.to_string() })
}

/// `cost fork.ns_each > thread.ns_each`, `cost cow.private_after_kib >= 60000`, or with a
/// factor after a figure (`times`): `cost pipe-procs.ns_each > pipe-threads.ns_each * 1.5`.
pub(super) fn cost_expect(figure: &str, op: &str, than: &str, times: Option<&str>) -> Result<Expect, String> {
    let figure = cost_figure(figure)?;
    let Some(op) = Op::ALL.into_iter().find(|o| o.symbol() == op) else {
        return Err(tr!("cost-unknown-op", op = shorten(op), ops = Op::ALL.map(Op::symbol).join(", ")));
    };
    let is_figure = than.contains('.') && than.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if let Some(times) = times {
        if !is_figure {
            return Err(tr!("cost-factor-needs-figure", than = shorten(than)));
        }
        let factor = times
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| tr!("cost-bad-factor", value = shorten(times)))?;
        return Ok(Expect::Cost { figure, op, than: CostThan::Scaled(cost_figure(than)?, factor) });
    }
    let than = if is_figure {
        CostThan::Figure(cost_figure(than)?)
    } else {
        let value = than
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| tr!("cost-bad-number", value = shorten(than)))?;
        CostThan::Number(value)
    };
    Ok(Expect::Cost { figure, op, than })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_figure_is_refused_in_the_language_in_use() {
        assert_eq!(
            cost_kind("nap"),
            Err("unknown measurement `nap`; expected one of fork, thread, pipe-procs, pipe-threads, cow, rss".into())
        );
        crate::i18n::set(crate::i18n::Lang::Zh);
        let zh = (cost_kind("nap"), cost_expect("fork", ">", "1", None));
        crate::i18n::set(crate::i18n::Lang::En);
        assert_eq!(
            zh.0,
            Err("未知的测量 `nap`；应为以下之一：fork, thread, pipe-procs, pipe-threads, cow, rss".into())
        );
        assert!(zh.1.as_ref().is_err_and(|e| e.starts_with("无效的数据项 `fork`")), "{:?}", zh.1);
    }
}
