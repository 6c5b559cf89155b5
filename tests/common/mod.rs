//! Helpers for driving the built binary. Each test tags the processes it starts with a unique
//! environment variable (inherited across exec and fork), so it can find every process that
//! forklab started for it, and nothing else, and assert that none outlives the test.

#![allow(dead_code)]

pub mod sources;
pub mod tmux;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_forklab");

/// A generous deadline: it only fails a broken build.
pub const DEADLINE: Duration = Duration::from_secs(30);

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A tag unique to one test in this run.
pub fn new_tag() -> String {
    format!("t{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst))
}

pub fn forklab(tag: &str) -> Command {
    let mut c = Command::new(BIN);
    // Without RUST_BACKTRACE: with it, a deliberate panic spends most of a second (several on a
    // loaded machine) symbolizing a debug build's backtrace after the lab is already killed,
    // and the tests time how fast forklab itself is gone, not how fast a backtrace prints.
    c.env("FORKLAB_TEST_TAG", tag).env_remove("RUST_BACKTRACE").stdin(Stdio::null());
    // English unless a test asks for another language: the tests read forklab's words, and a
    // developer's zh_CN locale would otherwise turn them Chinese (tests/i18n.rs sets its own).
    c.env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", "C.UTF-8");
    c
}

/// A CPU claim (a line of `play --json`) that failed because other programs used the cores,
/// and said so: the claim working on a shared machine. `all-cores-busy`, and a `pids` count
/// short of a process that was told to work and got too little of the CPU to count.
pub fn busy_machine(line: &str) -> bool {
    let cpu_claim = line.contains("\"text\":\"expect: all-cores-busy\"") || line.contains("\"text\":\"expect: pids ");
    cpu_claim && line.contains("the machine was busy")
}

/// A `play --json` run passed, but for CPU claims that failed only because the machine was busy.
pub fn played(status: std::process::ExitStatus, stdout: &str) -> bool {
    let failed: Vec<&str> = stdout.lines().filter(|l| l.contains("\"passed\":false")).collect();
    let summary = stdout.lines().last().unwrap_or("");
    status.success()
        || (status.code() == Some(1) && summary.contains("\"summary\"") && failed.iter().all(|l| busy_machine(l)))
}

/// The lesson ids `forklab list` prints, one a line (at least the two the course began with).
pub fn lesson_ids() -> Vec<String> {
    let (status, stdout, stderr) = run(&new_tag(), &["list"]);
    assert!(status.success(), "{stderr}");
    let ids: Vec<String> = stdout.lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect();
    assert!(ids.len() >= 2, "{stdout}");
    ids
}

/// The fields of `/proc/<pid>/stat` after the command name, so index 0 is field 3 (state),
/// 1 is the PPID, 11 and 12 utime and stime, 16 the nice value (proc(5)); `None` once the
/// process is gone.
pub fn stat_fields(pid: i32) -> Option<Vec<String>> {
    // Lossy: a command name need not be UTF-8, and such a process is not gone.
    let stat = String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/stat")).ok()?).into_owned();
    Some(stat.rsplit_once(')')?.1.split_whitespace().map(String::from).collect())
}

/// Live (non-zombie) forklab processes carrying `tag` in their environment, as (pid, name).
pub fn tagged(tag: &str) -> Vec<(i32, String)> {
    let needle = format!("FORKLAB_TEST_TAG={tag}");
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return found };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else { continue };
        if !env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            continue;
        }
        let state = stat_fields(pid).and_then(|f| f.into_iter().next()).unwrap_or_default();
        if state.is_empty() || state == "Z" || state == "X" {
            continue;
        }
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        // Only forklab's own processes (and the Node programs a lesson runs): a test's tmux
        // shell carries the tag too.
        if name.starts_with("forklab") || name.trim() == "node" {
            found.push((pid, name.trim().to_string()));
        }
    }
    found
}

/// Wait until no process with `tag` is left; panic naming the ones left after `within`.
pub fn assert_none_left(tag: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let left = tagged(tag);
        if left.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            let states: Vec<String> = left
                .iter()
                .map(|(pid, _)| {
                    let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
                    let stat = stat_fields(*pid).and_then(|f| f.into_iter().next()).unwrap_or_default();
                    format!("{pid} {stat} {wchan}")
                })
                .collect();
            for (pid, _) in &left {
                // Do not let a failing test leak into the next: end them, then fail.
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(*pid), nix::sys::signal::Signal::SIGKILL);
            }
            panic!("processes left after {within:?}: {left:?} (state, wchan: {states:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `forklab serve --json`, its events read on a thread.
pub struct Serve {
    pub child: Child,
    pub tag: String,
    pub lines: Receiver<Value>,
    pub seen: Vec<Value>,
}

impl Serve {
    pub fn start(extra: &[&str]) -> Serve {
        Serve::start_with_env(extra, &[])
    }

    /// The same with environment variables set (the fault suite's test switches).
    pub fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> Serve {
        let tag = new_tag();
        let mut cmd = forklab(&tag);
        cmd.envs(env.iter().copied()).args(["serve", "--port", "0", "--json"]).args(extra);
        Serve::spawn(tag, cmd)
    }

    /// Start a prepared `forklab serve --json` command (tagged with `tag`).
    pub fn spawn(tag: String, mut cmd: Command) -> Serve {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("starting forklab serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && tx.send(v).is_err()
                {
                    return;
                }
            }
        });
        Serve { child, tag, lines, seen: Vec::new() }
    }

    /// The next event for which `pick` is true (events before it are kept in `seen`).
    pub fn wait_for(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pick(&v) {
                        return v;
                    }
                }
                Err(_) => panic!("no {what} event; saw {:#?}", self.seen),
            }
        }
    }

    pub fn ready(&mut self) -> Value {
        self.wait_for("pool_ready", |v| v["event"] == "pool_ready")
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), sig).unwrap();
    }

    /// Wait for the app to exit; returns its status.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "forklab serve did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request with `Connection: close`; returns the whole reply.
pub fn http_get(port: u16) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connecting to the pool");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply
}

/// Run forklab to completion with a tag; returns (status, stdout, stderr).
pub fn run(tag: &str, args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let mut c = forklab(tag);
    c.args(args);
    output(c)
}

/// Run a command built around forklab to completion; returns (status, stdout, stderr).
pub fn output(mut c: Command) -> (std::process::ExitStatus, String, String) {
    let out = c.output().expect("running forklab");
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A private (0700) folder of the test's own under the temp dir, removed with everything in
/// it when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("forklab-{what}-{}", new_tag()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
