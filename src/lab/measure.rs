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
            format!(
                "{mode} under chaos: {kills} workers killed, {exits} exits reported, {respawns} respawned, \
                 {gave_up} given up, pool ready again: {ready}"
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
    header: &'static str,
    width: usize,
    cell: fn(&Run) -> String,
}

const fn col(header: &'static str, width: usize, cell: fn(&Run) -> String) -> Column {
    Column { header, width, cell }
}

/// `forklab bench`'s table: every figure.
pub const BENCH_COLUMNS: &[Column] = &[
    col("mode", 10, |r| r.mode.name().to_string()),
    col("workers", 7, |r| r.workers.to_string()),
    col("completed", 9, |r| r.completed.to_string()),
    col("failed", 6, |r| r.failed.to_string()),
    col("conn/s", 9, |r| format!("{:.0}", r.conn_per_s)),
    col("p50 ms", 8, |r| format!("{:.2}", r.p50_ms)),
    col("p99 ms", 8, |r| format!("{:.2}", r.p99_ms)),
    col("max", 6, |r| r.max.to_string()),
    col("min", 6, |r| r.min.to_string()),
    col("cv", 5, |r| format!("{:.2}", r.cv)),
    col("empty", 7, |r| r.empty_wakeups.to_string()),
    col("ctxt", 8, |r| r.voluntary_ctxt.to_string()),
];

/// A lesson's `compare`: the spread and the herd, not the speed.
pub const LESSON_COLUMNS: &[Column] = &[
    col("mode", 10, |r| r.mode.name().to_string()),
    col("completed", 9, |r| r.completed.to_string()),
    col("failed", 6, |r| r.failed.to_string()),
    col("max", 6, |r| r.max.to_string()),
    col("min", 6, |r| r.min.to_string()),
    col("cv", 5, |r| format!("{:.2}", r.cv)),
    col("empty wakeups", 13, |r| r.empty_wakeups.to_string()),
    col("ctx switches", 12, |r| r.voluntary_ctxt.to_string()),
];

/// A `compare` with a busy worker: who waited, not the herd.
pub const BUSY_COLUMNS: &[Column] = &[
    col("mode", 10, |r| r.mode.name().to_string()),
    col("completed", 9, |r| r.completed.to_string()),
    col("failed", 6, |r| r.failed.to_string()),
    col("p50 ms", 8, |r| format!("{:.1}", r.p50_ms)),
    col("p99 ms", 8, |r| format!("{:.1}", r.p99_ms)),
];

/// The runs as a table: a header row, then a row a run, each ending with the per-worker spread
/// and, when connections failed, why (`errors emfile:200`, the JSON's error names).
/// The first column is left-aligned, the others right-aligned.
pub fn table(runs: &[Run], columns: &[Column]) -> Vec<String> {
    let row = |cells: Vec<String>, spread: String| {
        let mut line = String::new();
        for (i, (c, cell)) in columns.iter().zip(cells).enumerate() {
            let w = c.width;
            line += &if i == 0 { format!("{cell:<w$}") } else { format!(" {cell:>w$}") };
        }
        line + "  " + &spread
    };
    let mut lines = vec![row(columns.iter().map(|c| c.header.to_string()).collect(), "per worker".into())];
    for r in runs {
        let mut spread: Vec<String> = r.per_worker.iter().map(|(a, n)| format!("{a}:{n}")).collect();
        if !r.errors.is_empty() {
            spread.push("  errors".into());
            spread.extend(r.errors.iter().map(|(kind, n)| format!("{kind}:{n}")));
        }
        lines.push(row(columns.iter().map(|c| (c.cell)(r)).collect(), spread.join(" ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

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
