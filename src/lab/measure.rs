//! Measuring a pool: start it in a mode, fire the load client at it, and gather the figures
//! (`forklab bench` and the lessons' `compare` both do this). Every count comes from the
//! processes: the client attributes each completed connection to the worker named in its reply,
//! and the workers' own counters give their accepts, wake-ups and context switches.

use crate::lab::{Client, Lab};
use crate::proto::client::{ClientArgs, ClientSummary};
use crate::proto::mode::{Handle, Mode};
use crate::proto::{Event, role};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// One mode's figures: the `--json` document is `{"runs":[Run, ...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub mode: Mode,
    pub workers: usize,
    pub connections: u32,
    pub completed: u64,
    pub failed: u64,
    pub conn_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Completed connections by the worker whose reply ended them (W1..Wn, zeros included).
    pub per_worker: BTreeMap<String, u64>,
    pub max: u64,
    pub min: u64,
    /// Coefficient of variation of `per_worker`: population standard deviation over mean.
    pub cv: f64,
    /// Wake-ups that found nothing to accept, summed over workers: the herd, measured.
    pub empty_wakeups: u64,
    /// Voluntary context switches of all workers during the run, from /proc/<pid>/status.
    pub voluntary_ctxt: u64,
    /// Connections each worker counted as accepted (its own counter).
    pub accepted_by_worker: BTreeMap<String, u64>,
    pub errors: BTreeMap<String, u64>,
    /// The worker kept busy (`W1`) and for how long, in ms, when its connections fired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy: Option<(String, u32)>,
    /// With `--chaos-ms`: the kills and how the pool came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chaos: Option<crate::lab::chaos::ChaosFigures>,
}

/// Start the pool in `mode`, fire the client at it, and gather the figures. `seen` gets the
/// lab's events on the way (the lesson screen draws the pools a comparison starts).
pub fn measure(
    lab: &mut Lab,
    mode: Mode,
    workers: usize,
    client: ClientArgs,
    seen: &mut dyn FnMut(&Event),
) -> Result<Run> {
    measure_busy(lab, mode, workers, client, None, seen)
}

/// `measure`, with one worker told to spin for `ms` (`Cmd::Busy`) just before the client fires:
/// a synchronous loop in one worker while connections arrive.
pub fn measure_busy(
    lab: &mut Lab,
    mode: Mode,
    workers: usize,
    mut client: ClientArgs,
    busy: Option<(&str, u32)>,
    seen: &mut dyn FnMut(&Event),
) -> Result<Run> {
    let info = lab.start_pool(mode, workers, 0, Handle::Inherit, seen)?;
    client.port = info.port;
    let before = lab.stats(seen)?;
    if let Some((alias, ms)) = busy {
        lab.send(&crate::proto::Cmd::Busy { alias: alias.to_string(), ms })?;
    }
    let summary = Client::start(&client, lab.stop())?.finish(client_timeout(&client), &mut |_| {})?;
    let after = settled_stats(lab, &summary, seen)?;
    let mut run = figures(mode, info.workers, client.connections, &summary, &before, &after);
    run.busy = busy.map(|(alias, ms)| (alias.to_string(), ms));
    Ok(run)
}

/// `measure` while a chaos thread SIGKILLs a random worker every `every_ms`; then wait until
/// the master has reported every kill and the pool is whole again.
pub fn measure_with_chaos(
    lab: &mut Lab,
    mode: Mode,
    workers: usize,
    mut client: ClientArgs,
    every_ms: u64,
) -> Result<Run> {
    let info = lab.start_pool(mode, workers, 0, Handle::Inherit, &mut |_| {})?;
    client.port = info.port;
    // Let the new pool age past the crash-loop threshold, so the kills start with the load.
    std::thread::sleep(crate::lab::chaos::SETTLED);
    let before = lab.stats(&mut |_| {})?;
    let chaos = crate::lab::chaos::Chaos::start(lab.master_pid, Duration::from_millis(every_ms))?;
    let summary = Client::start(&client, lab.stop())?.finish(client_timeout(&client), &mut |_| {});
    let mut figures_of_chaos = chaos.stop();
    let summary = summary?;
    // Every event since the pool started is still queued: count the exits and respawns, until
    // each kill has been reported and a pool_ready follows the last of them.
    let (mut exits, mut respawns, mut gave_up, mut ready) = (0u64, 0u64, 0u64, figures_of_chaos.kills == 0);
    let kills = figures_of_chaos.kills;
    let settle = lab.wait_for(Duration::from_secs(30), &mut |_| {}, |ev| {
        match ev {
            Event::Exited { signal: Some(s), alias, .. } if s == "SIGKILL" && alias.starts_with('W') => {
                exits += 1;
                ready = false;
            }
            Event::Spawned { role: r, .. } if r == role::WORKER => respawns += 1,
            Event::GaveUp { .. } => gave_up += 1,
            Event::PoolReady { .. } => ready = true,
            _ => {}
        }
        (exits >= kills && ready).then_some(Ok(()))
    });
    if kills > 0 {
        settle.with_context(|| {
            tr!(
                "bench-chaos-settle",
                mode = mode.to_string(),
                kills = kills,
                exits = exits,
                respawns = respawns,
                gave_up = gave_up,
                ready = if ready { tr!("bench-yes") } else { tr!("bench-no") }
            )
        })?;
    }
    figures_of_chaos.exits_seen = exits;
    figures_of_chaos.respawns = respawns;
    figures_of_chaos.gave_up = gave_up;
    figures_of_chaos.workers_at_end =
        crate::lab::chaos::workers_of(lab.master_pid).len().min(lab.stats(&mut |_| {})?.len());
    let after = settled_stats(lab, &summary, &mut |_| {})?;
    let mut run = figures(mode, info.workers, client.connections, &summary, &before, &after);
    run.chaos = Some(figures_of_chaos);
    Ok(run)
}

/// Enough time for the run at a crawl, plus every connection timing out once.
fn client_timeout(c: &ClientArgs) -> Duration {
    Duration::from_secs(60)
        + Duration::from_millis(c.timeout_ms * (c.connections as u64 / c.concurrency.max(1) as u64 + 1))
            .min(Duration::from_secs(600))
}

/// Workers report their counters at most every 20 ms: ask until the accepts they report cover
/// what the client completed, or a second has passed.
fn settled_stats(lab: &mut Lab, summary: &ClientSummary, seen: &mut dyn FnMut(&Event)) -> Result<Vec<Event>> {
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    loop {
        let stats = lab.stats(seen)?;
        let accepted: u64 =
            stats.iter().map(|s| if let Event::Stats { accepted, .. } = s { *accepted } else { 0 }).sum();
        if accepted >= summary.completed || std::time::Instant::now() >= deadline {
            return Ok(stats);
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn by_alias(stats: &[Event]) -> BTreeMap<String, (u64, u64, u64)> {
    stats
        .iter()
        .filter_map(|s| match s {
            Event::Stats { alias, accepted, empty_wakeups, voluntary_ctxt, .. } => {
                Some((alias.clone(), (*accepted, *empty_wakeups, *voluntary_ctxt)))
            }
            _ => None,
        })
        .collect()
}

pub fn figures(
    mode: Mode,
    workers: usize,
    connections: u32,
    s: &ClientSummary,
    before: &[Event],
    after: &[Event],
) -> Run {
    let mut per_worker: BTreeMap<String, u64> = (1..=workers).map(|i| (format!("W{i}"), 0)).collect();
    for (alias, n) in &s.per_worker {
        *per_worker.entry(alias.clone()).or_insert(0) += n;
    }
    let (before, after) = (by_alias(before), by_alias(after));
    let delta = |f: fn(&(u64, u64, u64)) -> u64| -> u64 {
        after.iter().map(|(a, v)| f(v).saturating_sub(before.get(a).map(f).unwrap_or(0))).sum()
    };
    let accepted_by_worker =
        after.iter().map(|(a, v)| (a.clone(), v.0.saturating_sub(before.get(a).map(|b| b.0).unwrap_or(0)))).collect();
    let counts: Vec<u64> = per_worker.values().copied().collect();
    Run {
        mode,
        workers,
        connections,
        completed: s.completed,
        failed: s.failed,
        conn_per_s: s.conn_per_s,
        p50_ms: s.p50_ms,
        p99_ms: s.p99_ms,
        max: counts.iter().copied().max().unwrap_or(0),
        min: counts.iter().copied().min().unwrap_or(0),
        cv: cv(&counts),
        per_worker,
        empty_wakeups: delta(|v| v.1),
        voluntary_ctxt: delta(|v| v.2),
        accepted_by_worker,
        errors: s.errors.clone(),
        busy: None,
        chaos: None,
    }
}

/// Coefficient of variation: 0 is a perfectly even spread.
pub fn cv(counts: &[u64]) -> f64 {
    if counts.is_empty() {
        return 0.0;
    }
    let n = counts.len() as f64;
    let mean = counts.iter().sum::<u64>() as f64 / n;
    if mean == 0.0 {
        return 0.0;
    }
    let var = counts.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

/// One column of a table of runs: its header, its width, and how a run fills it.
pub struct Column {
    /// A unit or identifier shown as written (`conn/s`, `p50 ms`), or a catalogue key.
    header: &'static str,
    words: bool,
    width: usize,
    cell: fn(&Run) -> String,
}

impl Column {
    fn header(&self) -> String {
        if self.words { tr!(self.header) } else { self.header.to_string() }
    }
}

/// A column headed by a unit or identifier, the same in every language.
const fn col(header: &'static str, width: usize, cell: fn(&Run) -> String) -> Column {
    Column { header, words: false, width, cell }
}

/// A column headed by words: `key` in the catalogue.
const fn word(key: &'static str, width: usize, cell: fn(&Run) -> String) -> Column {
    Column { header: key, words: true, width, cell }
}

/// `s` padded with spaces to `w` terminal columns (a Chinese character takes two), on the
/// right (`left`) or the left.
fn pad(s: &str, w: usize, left: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(unicode_width::UnicodeWidthStr::width(s)));
    if left { format!("{s}{fill}") } else { format!("{fill}{s}") }
}

/// `forklab bench`'s table: every figure.
pub const BENCH_COLUMNS: &[Column] = &[
    word("col-mode", 10, |r| r.mode.name().to_string()),
    word("col-workers", 7, |r| r.workers.to_string()),
    word("col-completed", 9, |r| r.completed.to_string()),
    word("col-failed", 6, |r| r.failed.to_string()),
    col("conn/s", 9, |r| format!("{:.0}", r.conn_per_s)),
    col("p50 ms", 8, |r| format!("{:.2}", r.p50_ms)),
    col("p99 ms", 8, |r| format!("{:.2}", r.p99_ms)),
    word("col-max", 6, |r| r.max.to_string()),
    word("col-min", 6, |r| r.min.to_string()),
    word("col-cv", 5, |r| format!("{:.2}", r.cv)),
    word("col-empty", 7, |r| r.empty_wakeups.to_string()),
    col("ctxt", 8, |r| r.voluntary_ctxt.to_string()),
];

/// A lesson's `compare`: the spread and the herd, not the speed.
pub const LESSON_COLUMNS: &[Column] = &[
    word("col-mode", 10, |r| r.mode.name().to_string()),
    word("col-completed", 9, |r| r.completed.to_string()),
    word("col-failed", 6, |r| r.failed.to_string()),
    word("col-max", 6, |r| r.max.to_string()),
    word("col-min", 6, |r| r.min.to_string()),
    word("col-cv", 5, |r| format!("{:.2}", r.cv)),
    word("col-empty-wakeups", 13, |r| r.empty_wakeups.to_string()),
    word("col-ctx-switches", 12, |r| r.voluntary_ctxt.to_string()),
];

/// A `compare` with a busy worker: who waited, not the herd.
pub const BUSY_COLUMNS: &[Column] = &[
    word("col-mode", 10, |r| r.mode.name().to_string()),
    word("col-completed", 9, |r| r.completed.to_string()),
    word("col-failed", 6, |r| r.failed.to_string()),
    col("p50 ms", 8, |r| format!("{:.1}", r.p50_ms)),
    col("p99 ms", 8, |r| format!("{:.1}", r.p99_ms)),
];

/// The runs as a table: a header row, then a row a run, each ending with the per-worker spread
/// and, when connections failed, why (`errors emfile:200`, the JSON's error names).
/// The first column is left-aligned, the others right-aligned.
pub fn table(runs: &[Run], columns: &[Column]) -> Vec<String> {
    let headers: Vec<String> = columns.iter().map(Column::header).collect();
    let widths: Vec<usize> = columns
        .iter()
        .zip(&headers)
        .map(|(c, h)| c.width.max(unicode_width::UnicodeWidthStr::width(h.as_str())))
        .collect();
    let row = |cells: Vec<String>, spread: String| {
        let mut line = String::new();
        for (i, (w, cell)) in widths.iter().zip(cells).enumerate() {
            line += &if i == 0 { pad(&cell, *w, true) } else { format!(" {}", pad(&cell, *w, false)) };
        }
        line + "  " + &spread
    };
    let mut lines = vec![row(headers.clone(), tr!("col-per-worker"))];
    for r in runs {
        let mut spread: Vec<String> = r.per_worker.iter().map(|(a, n)| format!("{a}:{n}")).collect();
        if !r.errors.is_empty() {
            spread.push(format!("  {}", tr!("col-errors")));
            spread.extend(r.errors.iter().map(|(kind, n)| format!("{kind}:{n}")));
        }
        lines.push(row(columns.iter().map(|c| (c.cell)(r)).collect(), spread.join(" ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Run {
        Run {
            mode: Mode::Shared,
            workers: 2,
            connections: 10,
            completed: 9,
            failed: 1,
            conn_per_s: 100.0,
            p50_ms: 1.0,
            p99_ms: 2.0,
            per_worker: [("W1".to_string(), 5), ("W2".to_string(), 4)].into(),
            max: 5,
            min: 4,
            cv: 0.1,
            empty_wakeups: 3,
            voluntary_ctxt: 12,
            accepted_by_worker: BTreeMap::new(),
            errors: [("refused".to_string(), 1)].into(),
            busy: None,
            chaos: None,
        }
    }

    /// Chinese headers take two terminal columns a character: the columns still line up.
    #[test]
    fn the_table_lines_up_in_both_languages() {
        use unicode_width::UnicodeWidthStr;
        for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Zh] {
            crate::i18n::set(lang);
            for columns in [BENCH_COLUMNS, LESSON_COLUMNS, BUSY_COLUMNS] {
                let lines = table(&[run()], columns);
                let (head, row) = (&lines[0], &lines[1]);
                // The last column ends at the same terminal column in the header and the row.
                let head_end = head[..head.rfind("  ").unwrap()].width();
                let row_end = row[..row.find("  W1:5 W2:4").unwrap()].width();
                assert_eq!(head_end, row_end, "{lang:?}\n{head}\n{row}");
            }
            let head = &table(&[run()], LESSON_COLUMNS)[0];
            match lang {
                crate::i18n::Lang::En => assert!(head.starts_with("mode") && head.contains("empty wakeups")),
                crate::i18n::Lang::Zh => assert!(head.starts_with("模式") && head.contains("空唤醒"), "{head}"),
            }
        }
        crate::i18n::set(crate::i18n::Lang::En);
    }

    #[test]
    fn an_even_spread_has_no_variation() {
        assert_eq!(cv(&[50, 50, 50, 50]), 0.0);
    }

    #[test]
    fn cv_is_stddev_over_mean() {
        // mean 2, population variance ((1)^2 + (1)^2) / 2 = 1, so cv = 0.5
        assert!((cv(&[1, 3]) - 0.5).abs() < 1e-12);
        assert_eq!(cv(&[]), 0.0);
        assert_eq!(cv(&[0, 0]), 0.0);
    }
}
