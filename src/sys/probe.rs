//! Switches for the fault suite and the benchmarks: when forklab started, and a panic or a
//! hang on request.

static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// When this process started running forklab code (for the first-frame figure).
pub fn started() -> std::time::Instant {
    *STARTED.get_or_init(std::time::Instant::now)
}

/// The fault suite's switch: `FORKLAB_PANIC_AT=serve` or `=step:3` makes the app panic there,
/// so tests can prove that a panic, too, leaves no process behind.
pub fn panic_if_asked(place: &str) {
    if std::env::var("FORKLAB_PANIC_AT").is_ok_and(|p| p == place) {
        panic!("FORKLAB_PANIC_AT={place}: panicking on purpose");
    }
}

/// The fault suite's other switch: `FORKLAB_HANG_AT=step:2` makes the calling thread stop
/// there for good, deaf to every gate, so tests can prove that a quit signal still ends
/// forklab and all it started within 2 s (the signal thread's deadline, reaper.rs).
pub fn hang_if_asked(place: &str) {
    if std::env::var("FORKLAB_HANG_AT").is_ok_and(|p| p == place) {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

/// Whether a stop signal (SIGTERM, SIGINT, SIGHUP) waits for this thread, blocked: a long
/// measurement in a single-threaded role (the master's cost figures) looks now and then, so
/// that a stop is not held up until it ends (sigpending(2)).
pub fn stop_pending() -> bool {
    // SAFETY: sigset_t is plain data that sigemptyset initialises; sigpending and sigismember
    // only write and read that local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        if libc::sigpending(&mut set) != 0 {
            return false;
        }
        [libc::SIGTERM, libc::SIGINT, libc::SIGHUP].iter().any(|&s| libc::sigismember(&set, s) == 1)
    }
}
