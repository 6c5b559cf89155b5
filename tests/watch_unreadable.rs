//! A tree forklab may read only in part: its root runs as `nobody`, its child as root, and
//! forklab runs as `nobody`. The child's listener cannot be seen, and forklab says so (with
//! the remedy) instead of claiming that nobody listens. Needs root to set it up; skipped
//! otherwise.

mod common;
use common::*;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the process group on drop, so a failing test leaves nothing running.
struct KillGroup(i32);

impl Drop for KillGroup {
    fn drop(&mut self) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(self.0), nix::sys::signal::Signal::SIGKILL);
    }
}

const NOBODY: u32 = 65534;
const LISTEN: &str = "require('net').createServer().listen(0, '127.0.0.1')";

fn as_nobody(tag: &str, args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let mut c = Command::new("setpriv");
    c.args([format!("--reuid={NOBODY}"), format!("--regid={NOBODY}"), "--clear-groups".into(), BIN.into()]);
    c.args(args).env("FORKLAB_TEST_TAG", tag).env("LANG", "C.UTF-8").env_remove("LC_ALL").env_remove("LC_MESSAGES");
    c.stdin(Stdio::null()).current_dir("/");
    output(c)
}

#[test]
fn a_listener_in_an_unreadable_child_is_never_reported_absent() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: needs root to start a tree of two users");
        return;
    }
    let tag = new_tag();
    // The child (root) listens; then the shell becomes a Node listener run as nobody.
    let script = format!(
        "node -e \"{LISTEN}\" & exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups node -e \"{LISTEN}\""
    );
    let mut sh = Command::new("sh")
        .args(["-c", &script])
        .env("FORKLAB_TEST_TAG", &tag)
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let root = sh.id() as i32;
    let _group = KillGroup(root);
    let root_s = root.to_string();
    // As root: both listen, and forklab reads both.
    let deadline = Instant::now() + DEADLINE;
    let full: Value = loop {
        let (status, stdout, _) = run(&tag, &["watch", "--pid", &root_s, "--once", "--json"]);
        if status.success() {
            let v: Value = serde_json::from_str(&stdout).unwrap();
            if v["ports"].as_array().unwrap().len() == 2 && v["processes"].as_array().unwrap().len() == 2 {
                break v;
            }
        }
        assert!(Instant::now() < deadline, "the two listeners never came up");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(full.get("fds_unreadable").is_none(), "{full}");
    let child = &full["processes"][1];
    let child_pid = child["pid"].as_i64().unwrap();
    let child_port = child["listeners"][0]["port"].as_u64().unwrap().to_string();

    // As nobody: the root's listener is seen, the child's fds are said to be unreadable.
    let (status, stdout, stderr) = as_nobody(&tag, &["watch", "--pid", &root_s, "--once", "--json"]);
    assert!(status.success(), "{stderr}");
    let part: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(part["fds_unreadable"], serde_json::json!([child_pid]), "{part}");
    let err = part["processes"][1]["fds_error"].as_str().unwrap_or_else(|| panic!("{part}"));
    assert!(err.contains("Permission denied") && err.contains("as root"), "{err}");
    assert!(part["processes"][0].get("fds_error").is_none(), "{part}");
    let (_, text, _) = as_nobody(&tag, &["watch", "--pid", &root_s, "--once"]);
    assert!(text.contains("fds: not readable: EACCES"), "{text}");

    // Asked for the child's port: not "nobody listens", but why forklab cannot see it.
    let (status, _, stderr) = as_nobody(&tag, &["watch", "--pid", &root_s, "--port", &child_port, "--once"]);
    assert!(!status.success());
    assert!(!stderr.contains("nobody in the tree"), "{stderr}");
    assert!(stderr.contains(&format!("the fds of {child_pid} could not be read")), "{stderr}");
    assert!(stderr.contains("run forklab as the same user as that process, or as root"), "{stderr}");

    let _ = killpg(Pid::from_raw(root), Signal::SIGKILL);
    let _ = sh.wait();
    assert_none_left(&tag, Duration::from_secs(2));
}
