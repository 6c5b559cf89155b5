//! The fault suite's chaos switch (`forklab bench --chaos-ms N`): while the load runs, a thread
//! of the app SIGKILLs a random worker of the pool every N ms, from outside, as the OOM killer
//! or a careless `kill -9` would. The master is not told; it learns from SIGCHLD like from any
//! crash, and must respawn the place while the other workers keep serving.
//!
//! It picks among workers that have run for at least `SETTLED`: a worker killed again and
//! again right after it starts is a crash loop, which the master answers by backing off and
//! finally giving up (PM2's `min_uptime`). That is a different fault, with a different promise.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longer than the master's 1 s crash-loop threshold, with the scan period as margin.
pub const SETTLED: Duration = Duration::from_millis(1200);

/// What the chaos did, reported in the bench's JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChaosFigures {
    pub every_ms: u64,
    /// The random generator's seed, to replay a run's choices.
    pub seed: u64,
    /// Workers killed with SIGKILL.
    pub kills: u64,
    /// Ticks when no worker had been up long enough to be killed.
    pub skipped: u64,
    /// Exits of killed workers that the master reported (`exited` with SIGKILL).
    pub exits_seen: u64,
    /// Workers the master started again.
    pub respawns: u64,
    /// Places the master gave up on.
    pub gave_up: u64,
    /// Live, ready workers once the chaos stopped and the pool settled.
    pub workers_at_end: usize,
}

pub struct Chaos {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<ChaosFigures>,
}

impl Chaos {
    /// Start killing a worker of `master` every `every`.
    pub fn start(master: i32, every: Duration) -> std::io::Result<Chaos> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let seed = seed();
        let thread = std::thread::Builder::new().name("chaos".into()).spawn(move || {
            let mut figures = ChaosFigures { every_ms: every.as_millis() as u64, seed, ..ChaosFigures::default() };
            let mut rng = seed | 1;
            // A killed process may take a while to die under load (it must be scheduled to
            // exit): never pick it again, or one death would count as two kills.
            let mut killed = std::collections::HashSet::new();
            let mut next = Instant::now() + every;
            while !flag.load(Ordering::SeqCst) {
                if Instant::now() >= next {
                    next += every;
                    let settled: Vec<i32> = workers_of(master)
                        .into_iter()
                        .filter(|p| !killed.contains(p) && age(*p).is_some_and(|a| a >= SETTLED))
                        .collect();
                    if settled.is_empty() {
                        figures.skipped += 1;
                    } else {
                        let pid = settled[(xorshift(&mut rng) % settled.len() as u64) as usize];
                        if kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok() {
                            figures.kills += 1;
                            killed.insert(pid);
                        }
                    }
                }
                std::thread::sleep(next.saturating_duration_since(Instant::now()).min(Duration::from_millis(50)));
            }
            figures
        })?;
        Ok(Chaos { stop, thread })
    }

    pub fn stop(self) -> ChaosFigures {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap_or_default()
    }
}

/// The live workers of `master`, from the kernel's list of its children (proc(5)).
pub fn workers_of(master: i32) -> Vec<i32> {
    let children = std::fs::read_to_string(format!("/proc/{master}/task/{master}/children")).unwrap_or_default();
    children
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .filter(|&pid: &i32| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            comm.trim() == "forklab-worker" && crate::sys::procfs::is_live(pid)
        })
        .collect()
}

/// How long process `pid` has run: its start time (proc(5), field 22, in clock ticks since
/// boot) against the system's uptime.
fn age(pid: i32) -> Option<Duration> {
    let start_ticks = super::watch::start_of(pid)?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()?;
    let hz = crate::sys::procfs::ticks_per_second();
    Some(Duration::from_secs_f64((uptime - start_ticks as f64 / hz).max(0.0)))
}

/// `--seed N`: every random choice forklab makes (which worker the chaos kills) follows it.
pub static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

fn seed() -> u64 {
    if let Some(s) = SEED.get() {
        return *s;
    }
    if let Some(s) = std::env::var("FORKLAB_CHAOS_SEED").ok().and_then(|s| s.parse().ok()) {
        return s;
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    (nanos as u64) ^ ((std::process::id() as u64) << 32)
}

/// Marsaglia's xorshift64: plenty for picking a victim.
fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_age_comes_from_proc() {
        let me = std::process::id() as i32;
        let a = age(me).expect("our own age");
        assert!(a < Duration::from_secs(24 * 3600), "{a:?}");
        std::thread::sleep(Duration::from_millis(50));
        assert!(age(me).unwrap() >= a);
        assert_eq!(age(i32::MAX), None);
    }

    #[test]
    fn a_process_without_worker_children_has_no_workers() {
        assert!(workers_of(std::process::id() as i32).is_empty());
        assert!(workers_of(i32::MAX).is_empty());
    }

    #[test]
    fn xorshift_is_a_deterministic_stream() {
        let (mut a, mut b) = (42u64, 42u64);
        let xs: Vec<u64> = (0..5).map(|_| xorshift(&mut a)).collect();
        let ys: Vec<u64> = (0..5).map(|_| xorshift(&mut b)).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|w| w[0] != w[1]));
    }
}
