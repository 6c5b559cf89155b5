//! Two switches for the fault suite and the benchmarks: when forklab started, and a panic on
//! request.

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
