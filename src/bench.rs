//! `forklab bench`: the pool against the load client, mode by mode. Every count comes from the
//! processes: the client attributes each completed connection to the worker named in its reply,
//! and the workers' own counters give their accepts, wake-ups and context switches.

use crate::cli::BenchArgs;
use crate::client::{ClientArgs, ClientSummary};
use crate::lab::{Client, Lab};
use crate::mode::{Handle, Mode};
use crate::proto::Event;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::{ExitCode, Stdio};
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
    /// With `--chaos-ms`: the kills and how the pool came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chaos: Option<crate::chaos::ChaosFigures>,
}

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
            Err(e) => bail!("{e}, or all"),
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
        };
        let run = match args.chaos_ms {
            Some(ms) => measure_with_chaos(&mut lab, mode, args.workers as usize, client, ms)?,
            None => measure(&mut lab, mode, args.workers as usize, client, &mut |_| {})?,
        };
        if !args.json {
            eprintln!("{mode:<10} done: {} completed, {} failed", run.completed, run.failed);
            if let Some(c) = &run.chaos {
                eprintln!(
                    "{mode:<10} chaos: {} workers killed, {} respawned, {} given up, {} of {} workers at the end",
                    c.kills, c.respawns, c.gave_up, c.workers_at_end, run.workers
                );
            }
        }
        runs.push(run);
    }
    lab.shutdown(&mut |_| {})?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&Report { runs })?);
    } else {
        print!("{}", table(&runs));
    }
    Ok(ExitCode::SUCCESS)
}

/// Start the pool in `mode`, fire the client at it, and gather the figures. `seen` gets the
/// lab's events on the way (the lesson screen draws the pools a comparison starts).
pub fn measure(
    lab: &mut Lab,
    mode: Mode,
    workers: usize,
    mut client: ClientArgs,
    seen: &mut dyn FnMut(&Event),
) -> Result<Run> {
    let info = lab.start_pool(mode, workers, 0, Handle::Inherit, seen)?;
    client.port = info.port;
    let before = lab.stats(seen)?;
    let summary = Client::start(&client)?.finish(client_timeout(&client), &mut |_| {})?;
    let after = settled_stats(lab, &summary, seen)?;
    Ok(figures(mode, info.workers, client.connections, &summary, &before, &after))
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
    std::thread::sleep(crate::chaos::SETTLED);
    let before = lab.stats(&mut |_| {})?;
    let chaos = crate::chaos::Chaos::start(lab.master_pid, Duration::from_millis(every_ms))?;
    let summary = Client::start(&client)?.finish(client_timeout(&client), &mut |_| {});
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
            Event::Spawned { role, .. } if role == "worker" => respawns += 1,
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
    figures_of_chaos.workers_at_end = crate::chaos::workers_of(lab.master_pid).len().min(lab.stats(&mut |_| {})?.len());
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

fn table(runs: &[Run]) -> String {
    let mut s = format!(
        "{:<10} {:>7} {:>9} {:>6} {:>9} {:>8} {:>8} {:>6} {:>6} {:>5} {:>7} {:>8}  {}\n",
        "mode",
        "workers",
        "completed",
        "failed",
        "conn/s",
        "p50 ms",
        "p99 ms",
        "max",
        "min",
        "cv",
        "empty",
        "ctxt",
        "per worker"
    );
    for r in runs {
        let spread: Vec<String> = r.per_worker.iter().map(|(a, n)| format!("{a}:{n}")).collect();
        s += &format!(
            "{:<10} {:>7} {:>9} {:>6} {:>9.0} {:>8.2} {:>8.2} {:>6} {:>6} {:>5.2} {:>7} {:>8}  {}\n",
            r.mode.name(),
            r.workers,
            r.completed,
            r.failed,
            r.conn_per_s,
            r.p50_ms,
            r.p99_ms,
            r.max,
            r.min,
            r.cv,
            r.empty_wakeups,
            r.voluntary_ctxt,
            spread.join(" ")
        );
    }
    s
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
