//! The built-in Node programs (`lessons/node/*.js`, embedded by build.rs) and a running one.
//!
//! A lesson cannot run an arbitrary command: `do: node NAME ...` starts only a program that
//! ships with forklab, written to forklab's private runtime dir and run with the `node` found
//! on PATH, under the same cleanup as any lab process ([`Started`]: its own process group,
//! registered for killpg on every exit path, PR_SET_PDEATHSIG). The program's primary
//! listens on a loopback control port of its own, which it writes to a file; forklab asks it
//! for its state and gives its workers orders there (docs/node.md lists the routes).

use super::watch::Started;
use super::{Abandoned, Stop};
use crate::sys::rundir;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod programs {
    // Written by build.rs: `NODE_PROGRAMS`, one (file stem, contents) pair per `lessons/node/*.js`.
    include!(concat!(env!("OUT_DIR"), "/node_programs.rs"));
}

/// Programs that another one starts, never a lesson: (the program, the one it forks). The study
/// note's master.js forks `./child1.js`.
const COMPANIONS: &[(&str, &str)] = &[("master", "child1")];

/// The names of the built-in Node programs, as `do: node NAME` takes them (a companion such as
/// child1 is started only by its program).
pub fn programs() -> Vec<&'static str> {
    let companion = |name: &str| COMPANIONS.iter().any(|(_, c)| *c == name);
    programs::NODE_PROGRAMS.iter().map(|(name, _)| *name).filter(|n| !companion(n)).collect()
}

/// The files program `name` runs from: itself and its companions.
fn files_of(name: &str) -> Vec<&str> {
    std::iter::once(name).chain(COMPANIONS.iter().filter(|(p, _)| *p == name).map(|(_, c)| *c)).collect()
}

/// The text of a built-in program.
pub fn program(name: &str) -> Option<&'static str> {
    programs::NODE_PROGRAMS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// How to get Node, for the one line a lesson that needs it prints where it is missing.
pub fn how_to_get() -> String {
    tr!("node-how-to-get")
}

/// The `node` on PATH, if there is one that can be executed.
pub fn node_on_path() -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("node"))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// `node --version` of the `node` on PATH (`v20.11.1`), or why there is none.
pub fn version() -> Result<String> {
    let node = node_on_path().ok_or_else(|| anyhow!("{}", tr!("node-not-on-path", how = how_to_get())))?;
    let out = std::process::Command::new(&node)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| tr!("node-running-version", node = node.display().to_string()))?;
    if !out.status.success() {
        bail!(tr!("node-version-failed", node = node.display().to_string(), status = out.status.to_string()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A worker of a running program, as its primary reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NodeWorker {
    /// Node's `worker.id`: 1, 2, ... and a new one for each fork (a respawn is not the old id).
    pub id: u32,
    pub pid: i32,
    pub listening: bool,
    /// Requests this worker served, as it told its primary over IPC, one message a request.
    pub served: u64,
}

/// A worker's end, as the primary's `exit` event gave it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NodeExit {
    pub id: u32,
    pub pid: i32,
    pub code: Option<i32>,
    pub signal: Option<String>,
}

/// What `GET /__forklab/state` answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NodeState {
    pub primary: i32,
    pub sched: String,
    /// The port the workers serve on; 0 until one listens.
    pub port: u16,
    pub respawn: bool,
    pub workers: Vec<NodeWorker>,
    pub exits: Vec<NodeExit>,
}

/// A built-in program, running.
pub struct NodeLab {
    pub name: String,
    pub started: Started,
    /// The primary's control port (loopback).
    pub control: u16,
    dir: PathBuf,
}

/// Generous: `node` starting on a loaded 2-core machine takes a few hundred ms per process.
const START_TIMEOUT: Duration = Duration::from_secs(20);

impl NodeLab {
    /// Writes program `name` to the runtime dir and starts it with `args` (after the control
    /// file); returns once `workers` workers listen.
    pub fn start(name: &str, args: &[String], workers: usize, stop: &Stop) -> Result<NodeLab> {
        let text = program(name).ok_or_else(|| anyhow!(tr!("node-no-program", name = name)))?;
        let node = node_on_path().ok_or_else(|| anyhow!("{}", tr!("node-not-on-path", how = how_to_get())))?;
        // The runtime dir's rules (docs/reliability.md): a dir 0700, files 0600 made with O_EXCL,
        // so nothing planted there first is used. A dir left by a dead forklab of the same pid
        // is removed first.
        let dir = rundir::node_dir(name)?;
        rundir::remove_files_then_dir(&dir, rundir::is_node_file);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| tr!("node-creating", path = dir.display().to_string()))?;
        for file in files_of(name) {
            let path = dir.join(format!("{file}.js"));
            let text = if file == name { text } else { program(file).unwrap_or_default() };
            private_file(&path)?
                .write_all(text.as_bytes())
                .with_context(|| tr!("node-writing", path = path.display().to_string()))?;
        }
        let script = dir.join(format!("{name}.js"));
        let control_file = dir.join(rundir::NODE_CONTROL);
        let log = private_file(&dir.join(rundir::NODE_LOG))?;
        let mut argv = vec![node.display().to_string(), script.display().to_string(), path_text(&control_file)];
        argv.extend(args.iter().cloned());
        // forklab's pid: a program whose processes can outlive their primary (the note's
        // child1.js) ends them once forklab is gone (docs/node.md, "Cleanup").
        argv.push(format!("lease={}", std::process::id()));
        // In its own dir: the note's master.js forks `./child1.js`, relative to its cwd.
        let started = Started::start_logged(&argv, &log, &dir)?;
        let mut lab = NodeLab { name: name.to_string(), started, control: 0, dir };
        let deadline = Instant::now() + START_TIMEOUT;
        while lab.control == 0 {
            if let Some(port) = std::fs::read_to_string(&control_file).ok().and_then(|t| t.trim().parse().ok()) {
                lab.control = port;
            } else if stop.stopped() {
                return Err(Abandoned.into());
            } else if Instant::now() > deadline || !crate::sys::procfs::is_live(lab.started.pid) {
                bail!(tr!("node-did-not-start", name = name, log = lab.log_tail()));
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        lab.wait_listening(workers, deadline, stop)?;
        Ok(lab)
    }

    /// Until `workers` workers listen (a respawn included).
    pub fn wait_listening(&self, workers: usize, deadline: Instant, stop: &Stop) -> Result<NodeState> {
        loop {
            if stop.stopped() {
                return Err(Abandoned.into());
            }
            let state = self.state()?;
            let listening = state.workers.iter().filter(|w| w.listening).count();
            if state.port != 0 && listening >= workers {
                return Ok(state);
            }
            if Instant::now() > deadline {
                bail!(tr!(
                    "node-workers-listening",
                    name = self.name.as_str(),
                    listening = listening,
                    workers = workers
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn state(&self) -> Result<NodeState> {
        let body = self.get("/__forklab/state")?;
        serde_json::from_str(&body).with_context(|| tr!("node-bad-state", body = body.as_str()))
    }

    /// `GET path` on the control port; the body of a 200 reply.
    pub fn get(&self, path: &str) -> Result<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.control))
            .with_context(|| tr!("node-control-connect", port = self.control))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
        let mut reply = String::new();
        s.take(1 << 20).read_to_string(&mut reply).with_context(|| tr!("node-control-read"))?;
        let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
        if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
            bail!(tr!(
                "node-control-refused",
                head = head.lines().next().unwrap_or(""),
                path = path,
                body = body.trim()
            ));
        }
        Ok(body.to_string())
    }

    /// Everything the program's processes wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join(rundir::NODE_LOG)).unwrap_or_default()
    }

    /// The last lines the program wrote (an uncaught exception's stack, say).
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join(rundir::NODE_LOG)).unwrap_or_default();
        let lines: Vec<&str> = log.lines().rev().take(3).collect();
        match lines.is_empty() {
            true => tr!("node-wrote-nothing"),
            false => lines.into_iter().rev().collect::<Vec<_>>().join(" | "),
        }
    }
}

impl Drop for NodeLab {
    fn drop(&mut self) {
        // `started` ends the process group when it drops, after this.
        // Its scripts, control port file and log, then the dir if that emptied it (nothing
        // else is removed).
        rundir::remove_files_then_dir(&self.dir, rundir::is_node_file);
    }
}

/// A new file, 0600, created with O_EXCL.
fn private_file(path: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| tr!("node-creating", path = path.display().to_string()))
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_program_is_built_in() {
        assert!(programs().contains(&"cluster"), "{:?}", programs());
        assert!(program("cluster").is_some_and(|t| t.contains("require('node:cluster')")));
        assert!(program("nope").is_none());
    }

    #[test]
    fn the_study_note_is_built_in_and_its_child_is_no_lesson_program() {
        assert!(programs().contains(&"master"), "{:?}", programs());
        assert!(!programs().contains(&"child1"), "{:?}", programs());
        assert_eq!(files_of("master"), ["master", "child1"]);
        assert!(
            program("child1").is_some_and(|t| t.contains("= http.createServer(") && !t.contains("= ttp.createServer"))
        );
    }

    #[test]
    fn the_state_parses() {
        let s: NodeState = serde_json::from_str(
            r#"{"primary":5,"sched":"rr","port":80,"respawn":false,"workers":[{"id":1,"pid":6,"listening":true,"served":2}],"exits":[{"id":2,"pid":7,"code":1,"signal":null}]}"#,
        )
        .unwrap();
        assert_eq!(s.workers[0].pid, 6);
        assert_eq!(s.exits[0].code, Some(1));
    }
}
