//! forklab's private runtime directory: `$XDG_RUNTIME_DIR/forklab`, or `/tmp/forklab-<uid>`
//! where there is no XDG runtime dir. Created with mode 0700; an existing one is used only if
//! it is a real directory (not a symlink) owned by this user and closed to everyone else, so
//! another user cannot plant or read what forklab keeps there.
//!
//! Everything forklab keeps at run time is in here, under names this module gives:
//! `current-step.<pid>` (where the lesson screen of app pid `<pid>` is, for `forklab notes`;
//! one a screen, so two screens do not overwrite each other's) and `daemon-<pid>/daemon.pid`
//! (the daemon lesson's pidfile, in a dir of its own per app), and `node-<pid>-<program>/`
//! (a built-in Node program's scripts, control port file and log, lab/node.rs). No other
//! `forklab-…` name is made beside it, so nothing can be confused with `forklab-<uid>`.
//!
//! Each forklab removes its own on the way out; one that was killed cannot, so each command
//! first sweeps what belongs to pids no longer running ([`sweep`]).

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
        Err(e) => return Err(e).with_context(|| tr!("sys-rundir-create", path = dir.display().to_string())),
    }
    let meta = std::fs::symlink_metadata(&dir).with_context(|| tr!("sys-reading", path = dir.display().to_string()))?;
    if !meta.is_dir() {
        bail!(tr!("sys-rundir-not-dir", path = dir.display().to_string()));
    }
    if meta.uid() != nix::unistd::getuid().as_raw() {
        bail!(tr!("sys-rundir-owner", path = dir.display().to_string()));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        bail!(tr!(
            "sys-rundir-open",
            path = dir.display().to_string(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777)
        ));
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

/// Remove what forklabs that are gone left behind: a killed lesson screen's current-step
/// file, a killed lab's Node program dir, a daemon dir whose app is gone. Best effort, and only
/// names this module gives, holding only the files forklab writes there (a dir with anything
/// else in it stays).
pub fn sweep() {
    sweep_in(&path());
}

fn sweep_in(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let gone = |pid: &str| pid.parse::<u32>().is_ok_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists());
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if let Some(pid) = name.strip_prefix(CURRENT_STEP).or_else(|| name.strip_prefix(".current-step.")) {
            if gone(pid) {
                let _ = std::fs::remove_file(&path);
            }
        } else if let Some(pid) = name.strip_prefix("daemon-") {
            if gone(pid) {
                remove_files_then_dir(&path, |f| f == "daemon.pid");
            }
        } else if let Some(rest) = name.strip_prefix(NODE)
            && let Some((pid, _program)) = rest.split_once('-')
            && gone(pid)
        {
            remove_files_then_dir(&path, is_node_file);
        }
    }
}

/// Removes the regular files of `dir` that `ours` names (never a link, never a dir), then
/// `dir` if that left it empty.
pub fn remove_files_then_dir(dir: &std::path::Path, ours: impl Fn(&str) -> bool) {
    let Ok(meta) = std::fs::symlink_metadata(dir) else { return };
    if !meta.is_dir() {
        return;
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && entry.file_name().to_str().is_some_and(&ours) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let _ = std::fs::remove_dir(dir);
}

const NODE: &str = "node-";
/// In a Node program's dir: the file its primary writes its control port to, and its log.
pub const NODE_CONTROL: &str = "control.port";
pub const NODE_LOG: &str = "node.log";

/// The files forklab writes in a Node program's dir: its scripts, the control port, the log.
pub fn is_node_file(name: &str) -> bool {
    name.ends_with(".js") || name == NODE_CONTROL || name == NODE_LOG
}

/// The dir this app keeps built-in Node program `program` in (not created). The runtime dir
/// is ensured.
pub fn node_dir(program: &str) -> Result<PathBuf> {
    Ok(ensure()?.join(format!("{NODE}{}-{program}", std::process::id())))
}

/// The daemon lesson's pidfile dir for the app of pid `app_pid` (not created: the daemon
/// makes it itself, with O_EXCL semantics, as daemon(7) asks). The runtime dir is ensured.
pub fn daemon_dir(app_pid: i32) -> Result<PathBuf> {
    Ok(ensure()?.join(format!("daemon-{app_pid}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_removes_what_dead_pids_left_and_keeps_the_living_and_the_unknown() {
        let dir = std::env::temp_dir().join(format!("forklab-sweep-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let me = std::process::id();
        let file = |name: &str| std::fs::write(dir.join(name), "x").unwrap();
        let sub = |name: &str, files: &[&str]| {
            std::fs::create_dir(dir.join(name)).unwrap();
            for f in files {
                std::fs::write(dir.join(name).join(f), "x").unwrap();
            }
        };
        file(&format!("current-step.{dead}"));
        file(&format!("current-step.{me}"));
        sub(&format!("node-{dead}-master"), &["master.js", "child1.js", "control.port", "node.log"]);
        sub(&format!("node-{me}-cluster"), &["cluster.js"]);
        sub(&format!("daemon-{dead}"), &["daemon.pid"]);
        // Not only forklab's files in it: kept, with what forklab put there removed.
        sub(&format!("node-{dead}-cluster"), &["cluster.js", "notes.txt"]);
        file("something-else");
        sweep_in(&dir);
        let mut left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        let mut want = vec![
            format!("current-step.{me}"),
            format!("node-{dead}-cluster"),
            format!("node-{me}-cluster"),
            "something-else".to_string(),
        ];
        want.sort();
        assert_eq!(left, want);
        assert!(!dir.join(format!("node-{dead}-cluster/cluster.js")).exists());
        assert!(dir.join(format!("node-{dead}-cluster/notes.txt")).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
