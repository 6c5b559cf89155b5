//! forklab's private runtime directory: `$XDG_RUNTIME_DIR/forklab`, or `/tmp/forklab-<uid>`
//! where there is no XDG runtime dir. Created with mode 0700; an existing one is used only if
//! it is a real directory (not a symlink) owned by this user and closed to everyone else, so
//! another user cannot plant or read what forklab keeps there.
//!
//! Everything forklab keeps at run time is in here, under names this module gives:
//! `current-step.<pid>` (where the lesson screen of app pid `<pid>` is, for `forklab notes`;
//! one a screen, so two screens do not overwrite each other's) and `daemon-<pid>/daemon.pid`
//! (the daemon lesson's pidfile, in a dir of its own per app). No other `forklab-…` name is
//! made beside it, so nothing can be confused with `forklab-<uid>`.

use anyhow::{Context, Result, bail};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::PathBuf;

pub fn path() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(base) => PathBuf::from(base).join("forklab"),
        None => std::env::temp_dir().join(format!("forklab-{}", nix::unistd::getuid())),
    }
}

/// The directory, created if missing, checked if present.
pub fn ensure() -> Result<PathBuf> {
    let dir = path();
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating the runtime directory {}", dir.display())),
    }
    let meta = std::fs::symlink_metadata(&dir).with_context(|| format!("reading {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("{} is not a directory; remove it and try again", dir.display());
    }
    if meta.uid() != nix::unistd::getuid().as_raw() {
        bail!("{} belongs to another user; forklab keeps its files only in a directory of its own", dir.display());
    }
    if meta.permissions().mode() & 0o077 != 0 {
        bail!("{} is open to other users (mode {:o}); expected 0700", dir.display(), meta.permissions().mode() & 0o777);
    }
    Ok(dir)
}

const CURRENT_STEP: &str = "current-step.";

/// Where this process's lesson screen says which step it is on, for `forklab notes`.
pub fn current_step() -> PathBuf {
    path().join(format!("{CURRENT_STEP}{}", std::process::id()))
}

/// Every lesson screen's current-step file, with the app pid its name gives (screens that
/// were killed included: the caller checks the pid still runs).
pub fn current_steps() -> Vec<(i32, PathBuf)> {
    let Ok(dir) = std::fs::read_dir(path()) else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.strip_prefix(CURRENT_STEP)?.parse().ok()?;
            Some((pid, e.path()))
        })
        .collect()
}

/// The daemon lesson's pidfile dir for the app of pid `app_pid` (not created: the daemon
/// makes it itself, with O_EXCL semantics, as daemon(7) asks). The runtime dir is ensured.
pub fn daemon_dir(app_pid: i32) -> Result<PathBuf> {
    Ok(ensure()?.join(format!("daemon-{app_pid}")))
}
