//! What a process costs, measured in the master: it is single-threaded, so it may fork and
//! its child may run any code. `fork` times fork(2) itself; `pipe-procs` passes one byte back
//! and forth with a child over two pipes; `cow` writes, in a child, every page of 64 MiB the
//! parent had written; `rss` reads the resident memory of the master and each worker.
//! Each reports one `Event::Cost` with what the processes measured.

use super::Master;
use crate::proto::{Event, role};
use crate::roles::worker::cost::{echo, round_trips, serve, start_times};
use crate::sys::procfs;
use anyhow::{Context, Result, bail};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};
use std::fs::File;
use std::io::{Read, Write};
use std::time::Instant;

/// The memory the copy-on-write measurement writes, and the page size it steps by.
const COW_BYTES: usize = 64 << 20;
const PAGE: usize = 4096;

impl Master {
    pub(super) fn cost(&mut self, what: &str, rounds: u32) {
        let rounds = rounds.max(1);
        let figures = match what {
            "fork" => fork_time(rounds),
            "pipe-procs" => ping_pong(rounds),
            "cow" => cow(),
            "rss" => {
                let figures = self.rss();
                self.emit(Event::Cost { alias: role::MASTER.into(), pid: self.pid, what: what.into(), figures });
                return;
            }
            other => Err(anyhow::anyhow!("{}", tr!("role-unknown-measurement", what = other))),
        };
        match figures {
            Ok(figures) => {
                let figures = figures.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                self.emit(Event::Cost { alias: role::MASTER.into(), pid: self.pid, what: what.into(), figures });
            }
            Err(e) => self.error("cost_failed", tr!("role-measuring-failed", what = what, error = format!("{e:#}"))),
        }
    }

    /// VmRSS of the master and of each live worker, from /proc/<pid>/status.
    fn rss(&self) -> Vec<(String, u64)> {
        let mut figures = vec![("master_kib".to_string(), procfs::status(self.pid).map_or(0, |s| s.rss_kib))];
        let mut most = 0;
        for slot in self.pool.iter().flat_map(|p| p.slots.values()) {
            if let Some(pid) = slot.pid {
                let kib = procfs::status(pid).map_or(0, |s| s.rss_kib);
                most = most.max(kib);
                figures.push((format!("{}_kib", slot.alias), kib));
            }
        }
        figures.push(("worker_max_kib".to_string(), most));
        figures
    }
}

/// The parent's side of fork(2), `rounds` times; each child _exits at once and is reaped here
/// (the master is single-threaded: its reaping loop does not run meanwhile).
fn fork_time(rounds: u32) -> Result<Vec<(&'static str, u64)>> {
    let mut times = Vec::with_capacity(rounds as usize);
    for i in 0..rounds {
        // A stop that came meanwhile ends the measurement, not the other way round.
        if i % 64 == 0 && crate::sys::probe::stop_pending() {
            anyhow::bail!("stopped");
        }
        let started = Instant::now();
        // SAFETY: the master is single-threaded; the child only calls _exit.
        match unsafe { fork() }.context("fork")? {
            ForkResult::Child => unsafe { libc::_exit(0) },
            ForkResult::Parent { child } => {
                times.push(started.elapsed());
                waitpid(child, None).context("waitpid")?;
            }
        }
    }
    Ok(start_times(times))
}

/// One byte to a child and one back, `rounds` times, over two pipes: each side blocks in
/// read(2) until the other has written. The child reports its own voluntary switches.
fn ping_pong(rounds: u32) -> Result<Vec<(&'static str, u64)>> {
    let (to_child_r, to_child_w) = nix::unistd::pipe().context("pipe")?;
    let (to_parent_r, to_parent_w) = nix::unistd::pipe().context("pipe")?;
    // SAFETY: the master is single-threaded; the child may run any code.
    match unsafe { fork() }.context("fork")? {
        ForkResult::Child => {
            drop((to_child_w, to_parent_r));
            let (mut input, mut output) = (File::from(to_child_r), File::from(to_parent_w));
            let before = procfs::own_voluntary_switches();
            let ok = echo(&mut input, &mut output, rounds).is_ok();
            let switches = procfs::own_voluntary_switches().saturating_sub(before);
            let ok = ok && output.write_all(&switches.to_le_bytes()).is_ok();
            // SAFETY: _exit is always safe; it skips the master's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        ForkResult::Parent { child } => {
            drop((to_child_r, to_parent_w));
            let (mut output, mut input) = (File::from(to_child_w), File::from(to_parent_r));
            let result = serve(&mut output, &mut input, rounds);
            let mut theirs = [0u8; 8];
            let read = input.read_exact(&mut theirs);
            drop((output, input));
            waitpid(child, None).context("waitpid")?;
            let (spent, mine) = result?;
            read.with_context(|| tr!("master-reading-count"))?;
            Ok(round_trips(rounds, spent, mine + u64::from_le_bytes(theirs)))
        }
    }
}

/// 64 MiB written by the parent, then every page of it written by a child: the child's
/// shared and private memory from /proc/self/smaps_rollup before and after its writes.
fn cow() -> Result<Vec<(&'static str, u64)>> {
    let mut block = vec![0u8; COW_BYTES];
    for i in (0..COW_BYTES).step_by(PAGE) {
        block[i] = 1;
    }
    let (r, w) = nix::unistd::pipe().context("pipe")?;
    // SAFETY: the master is single-threaded; the child may run any code.
    match unsafe { fork() }.context("fork")? {
        ForkResult::Child => {
            drop(r);
            let (_, shared0, private0) = procfs::own_memory_kib();
            for i in (0..COW_BYTES).step_by(PAGE) {
                // SAFETY: i is inside the block; a volatile write so that every page is written.
                unsafe { std::ptr::write_volatile(block.as_mut_ptr().add(i), 2) };
            }
            let (_, shared1, private1) = procfs::own_memory_kib();
            let mut out = File::from(w);
            let bytes: Vec<u8> = [shared0, private0, shared1, private1].iter().flat_map(|v| v.to_le_bytes()).collect();
            let ok = out.write_all(&bytes).is_ok();
            // SAFETY: _exit is always safe; it skips the master's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        ForkResult::Parent { child } => {
            drop(w);
            let mut bytes = [0u8; 32];
            let read = File::from(r).read_exact(&mut bytes);
            waitpid(child, None).context("waitpid")?;
            drop(block);
            read.with_context(|| tr!("master-reading-figures"))?;
            let v = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or_default());
            if v(0) == 0 && v(1) == 0 {
                bail!("{}", tr!("master-smaps-failed"));
            }
            Ok(vec![
                ("written_kib", (COW_BYTES / 1024) as u64),
                ("shared_before_kib", v(0)),
                ("private_before_kib", v(1)),
                ("shared_after_kib", v(2)),
                ("private_after_kib", v(3)),
            ])
        }
    }
}
