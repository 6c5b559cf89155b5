//! What the lessons ask a worker to do besides serving: spin the CPU (`busy`, `work` on
//! threads), count on a copy-on-write or a shared counter, and die in the ways real processes
//! die (the crash lesson).

use super::Worker;
use crate::proto::Event;
use crate::sys::chan::Chan;
use crate::sys::procfs;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// A counter in this process's memory. The master's copy stays 0; each forked worker gets a
/// copy-on-write copy of it and changes only its own (fork(2)).
pub static COUNTER: AtomicU64 = AtomicU64::new(0);

impl Worker {
    /// Report what this crash will cost, then die the way `how` says.
    pub(super) fn crash_ordered(&mut self, how: String) {
        // What this crash will cost, as the kernel shows it now: the sockets in our fd
        // table other than our channel and our listener are the connections we hold
        // (the master stopped handing us new ones).
        let own: Vec<RawFd> =
            [self.chan.as_raw_fd()].into_iter().chain(self.listener.as_ref().map(|l| l.as_raw_fd())).collect();
        let table = procfs::fd_table(self.pid).unwrap_or_default();
        let open_conns = table.iter().filter(|e| e.socket_inode().is_some() && !own.contains(&e.fd)).count() as u64;
        let (alias, pid) = (self.alias.clone(), self.pid);
        let how_now = if how == "loop" { "exit".to_string() } else { how.clone() };
        self.send(Event::CrashOrdered { alias, pid, how, open_conns });
        crash(&how_now, &self.alias, self.pid, &self.chan)
    }

    /// `threads` threads of this one process spin on the CPU; they share its PID, each has its
    /// own TID in /proc/<pid>/task. The event loop waits for them, as a blocked Node loop would.
    pub(super) fn threads(&mut self, threads: usize, ms: u32) {
        let started = Arc::new(Barrier::new(threads + 1));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let started = started.clone();
                std::thread::spawn(move || {
                    started.wait();
                    busy(ms);
                })
            })
            .collect();
        started.wait();
        self.send(Event::Threads { alias: self.alias.clone(), pid: self.pid, tids: procfs::tids(self.pid) });
        for h in handles {
            let _ = h.join();
        }
        self.send(Event::WorkDone { alias: self.alias.clone(), pid: self.pid, threads, ms });
    }

    /// With `threads`: that many threads add to one counter they share, then each reads it.
    /// Without: this process adds to its own copy of COUNTER, which fork() made copy-on-write.
    pub(super) fn counter(&mut self, threads: Option<u32>, add: u64) {
        let Some(n) = threads else {
            let value = COUNTER.fetch_add(add, Ordering::SeqCst) + add;
            let tid = nix::unistd::gettid().as_raw();
            self.send(Event::Counter { alias: self.alias.clone(), pid: self.pid, tid, shared: false, value });
            return;
        };
        let shared = Arc::new(AtomicU64::new(0));
        let done = Arc::new(Barrier::new(n as usize));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let (shared, done) = (shared.clone(), done.clone());
                std::thread::spawn(move || {
                    for _ in 0..add {
                        shared.fetch_add(1, Ordering::SeqCst);
                    }
                    // Every thread has added; now each reads what they all wrote.
                    done.wait();
                    (nix::unistd::gettid().as_raw(), shared.load(Ordering::SeqCst))
                })
            })
            .collect();
        for h in handles {
            if let Ok((tid, value)) = h.join() {
                self.send(Event::Counter { alias: self.alias.clone(), pid: self.pid, tid, shared: true, value });
            }
        }
    }
}

/// Spin on the CPU for `ms`, as a synchronous JavaScript computation blocks Node's one thread:
/// nothing else this worker holds is served meanwhile.
pub fn busy(ms: u32) {
    let end = Instant::now() + Duration::from_millis(ms as u64);
    let mut x: u64 = 0;
    while Instant::now() < end {
        for i in 0..10_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
    }
}

/// Die the way `how` says, for real: each is what the kernel and waitpid(2) then report.
pub(super) fn crash(how: &str, alias: &str, pid: i32, chan: &Chan) {
    match how {
        "segv" => segfault(),
        // The panic unwinds to `master::become_worker`, which ends the process with code 101,
        // as Rust's runtime does after a panic in `main`.
        "panic" => panic!("{alias} (pid {pid}): {}", tr!("worker-panicking")),
        "abort" => std::process::abort(),
        "exit" => std::process::exit(1),
        "hang" => loop {
            // An endless loop: the event loop never runs again, so heartbeats go unanswered.
            std::hint::spin_loop();
        },
        "thread-segv" => {
            let started = Arc::new(Barrier::new(3));
            for _ in 0..2 {
                let started = started.clone();
                std::thread::spawn(move || {
                    started.wait();
                    std::thread::sleep(Duration::from_secs(60));
                });
            }
            started.wait();
            let tids = procfs::tids(pid);
            let _ = chan.send(&Event::Threads { alias: alias.to_string(), pid, tids }, &[], false);
            // One thread faults; the signal ends the whole process, every thread with it.
            let _ = std::thread::spawn(segfault).join();
            std::process::exit(2);
        }
        _ => {}
    }
}

/// A write to a page mapped with no access: the MMU faults and the kernel sends SIGSEGV, as
/// for a C null-pointer write. Done through mmap so that it is a real fault, not undefined
/// behaviour the compiler could remove.
pub(super) fn segfault() {
    // SAFETY: mmap of a fresh anonymous page has no preconditions; the write to it is meant to
    // fault (PROT_NONE) and never returns.
    unsafe {
        let page =
            libc::mmap(std::ptr::null_mut(), 4096, libc::PROT_NONE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0);
        if page == libc::MAP_FAILED {
            libc::raise(libc::SIGSEGV);
        }
        std::ptr::write_volatile(page.cast::<u8>(), 1);
    }
}
