//! The process groups forklab started, so that every exit path (a panic hook, a fatal signal)
//! can end them with killpg(2).

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::sync::atomic::{AtomicI32, Ordering};

/// Process groups forklab started, so that every exit path (a panic hook included) can end
/// them with killpg. Atomics, not a Mutex: a panic hook must not block.
static GROUPS: [AtomicI32; 16] = [const { AtomicI32::new(0) }; 16];

pub fn register_group(pgid: i32) {
    for slot in &GROUPS {
        if slot.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return;
        }
    }
}

pub fn unregister_group(pgid: i32) {
    for slot in &GROUPS {
        let _ = slot.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// SIGKILL every process group forklab started. Safe to call from a panic hook.
pub fn kill_all_groups() {
    for slot in &GROUPS {
        let pgid = slot.swap(0, Ordering::SeqCst);
        if pgid > 0 {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
    }
}
