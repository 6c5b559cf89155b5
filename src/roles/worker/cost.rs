//! What a thread costs, measured in a worker (a worker may start threads): `thread` times
//! creating one (pthread_create under std::thread::spawn); `pipe-threads` passes one byte back
//! and forth with a second thread of this process over two pipes. The master measures the same
//! between processes (master/cost.rs) with the same ping-pong, below.

use super::Worker;
use crate::proto::Event;
use crate::sys::procfs;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

impl Worker {
    pub(super) fn cost(&mut self, what: &str, rounds: u32) {
        let rounds = rounds.max(1);
        let figures = match what {
            "thread" => Ok(thread_time(rounds)),
            "pipe-threads" => ping_pong(rounds),
            other => Err(anyhow::anyhow!("{}", tr!("role-unknown-measurement", what = other))),
        };
        match figures {
            Ok(figures) => {
                let figures = figures.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                self.send(Event::Cost { alias: self.alias.clone(), pid: self.pid, what: what.into(), figures });
            }
            Err(e) => self.send(Event::Error {
                alias: self.alias.clone(),
                pid: self.pid,
                kind: "cost_failed".into(),
                message: tr!("role-measuring-failed", what = what, error = format!("{e:#}")),
            }),
        }
    }
}

/// The creating side of std::thread::spawn (pthread_create), `rounds` times; each thread
/// returns at once and is joined.
fn thread_time(rounds: u32) -> Vec<(&'static str, u64)> {
    let mut times = Vec::with_capacity(rounds as usize);
    for _ in 0..rounds {
        let started = Instant::now();
        let handle = std::thread::spawn(|| {});
        times.push(started.elapsed());
        let _ = handle.join();
    }
    start_times(times)
}

/// The ping-pong of master/cost.rs between two threads of this process.
fn ping_pong(rounds: u32) -> Result<Vec<(&'static str, u64)>> {
    let (to_thread_r, to_thread_w) = nix::unistd::pipe().context("pipe")?;
    let (to_main_r, to_main_w) = nix::unistd::pipe().context("pipe")?;
    let (mut input, mut output) = (File::from(to_thread_r), File::from(to_main_w));
    let other = std::thread::spawn(move || {
        let before = procfs::own_voluntary_switches();
        let ok = echo(&mut input, &mut output, rounds).is_ok();
        (ok, procfs::own_voluntary_switches().saturating_sub(before))
    });
    let (mut output, mut input) = (File::from(to_thread_w), File::from(to_main_r));
    let result = serve(&mut output, &mut input, rounds);
    drop((output, input));
    let (ok, theirs) = other.join().map_err(|_| anyhow::anyhow!("{}", tr!("worker-echo-panicked")))?;
    let (spent, mine) = result?;
    anyhow::ensure!(ok, "{}", tr!("worker-echo-failed"));
    Ok(round_trips(rounds, spent, mine + theirs))
}

/// The side that starts: write a byte, wait for one back. Returns the time and this thread's
/// voluntary switches.
pub fn serve(output: &mut File, input: &mut File, rounds: u32) -> Result<(Duration, u64)> {
    let mut byte = [1u8];
    let before = procfs::own_voluntary_switches();
    let started = Instant::now();
    for i in 0..rounds {
        // A stop that came meanwhile ends the measurement, not the other way round.
        if i % 256 == 0 && crate::sys::probe::stop_pending() {
            anyhow::bail!("stopped");
        }
        output.write_all(&byte).context("write")?;
        input.read_exact(&mut byte).context("read")?;
    }
    Ok((started.elapsed(), procfs::own_voluntary_switches().saturating_sub(before)))
}

/// The side that answers: wait for a byte, write it back.
pub fn echo(input: &mut File, output: &mut File, rounds: u32) -> Result<()> {
    let mut byte = [0u8];
    for _ in 0..rounds {
        input.read_exact(&mut byte)?;
        output.write_all(&byte)?;
    }
    Ok(())
}

/// The figures of `rounds` starts (a fork, a thread), from the time of each: how many, the
/// total, the mean (`ns_each`) and the median (`ns_median`, the middle start once sorted).
/// One start the scheduler held up while another program had the core moves the mean by its
/// whole delay over the number of starts, and the median not at all.
pub fn start_times(mut times: Vec<Duration>) -> Vec<(&'static str, u64)> {
    times.sort_unstable();
    let n = times.len().max(1) as u64;
    let ns = times.iter().sum::<Duration>().as_nanos() as u64;
    let median = times.get(times.len() / 2).map_or(0, |d| d.as_nanos() as u64);
    vec![("rounds", times.len() as u64), ("us_total", ns / 1000), ("ns_each", ns / n), ("ns_median", median)]
}

/// The figures of a ping-pong: round trips, time each, switches each (both sides).
pub fn round_trips(rounds: u32, spent: Duration, switches: u64) -> Vec<(&'static str, u64)> {
    let n = u64::from(rounds);
    let ns = spent.as_nanos() as u64;
    vec![
        ("rounds", n),
        ("ns_each", ns / n),
        ("switches", switches),
        ("switches_per_s", (switches as f64 / spent.as_secs_f64().max(1e-9)) as u64),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One start held up for a millisecond among 199 of 20 µs: the mean moves by 5 µs, the
    /// median stays where the starts were.
    #[test]
    fn the_median_start_is_not_moved_by_one_held_up() {
        let mut times = vec![Duration::from_micros(20); 199];
        times.push(Duration::from_millis(1));
        let figures = start_times(times);
        let get = |name| figures.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(get("rounds"), 200);
        assert_eq!(get("ns_median"), 20_000);
        assert_eq!(get("ns_each"), (199 * 20_000 + 1_000_000) / 200);
        assert_eq!(get("us_total"), 4_980);
        assert_eq!(start_times(Vec::new()).iter().find(|(n, _)| *n == "ns_median").unwrap().1, 0);
    }
}
