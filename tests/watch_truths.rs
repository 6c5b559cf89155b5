//! Smaller truths of `forklab watch`, through the built binary: every holder of a Unix
//! socket's other end is named, a command that daemonizes is said to, and `--help` describes
//! `--json`.

mod common;
use common::*;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use std::os::fd::AsRawFd;
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

/// A shell and its two children all hold both ends of one socketpair (fds 3 and 4) and a
/// listener (fd 5), as nginx's master and workers hold the channel the master made.
#[test]
fn a_unix_peer_held_by_three_processes_names_all_three() {
    let tag = new_tag();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let fds = [a.as_raw_fd(), b.as_raw_fd(), l.as_raw_fd()];
    let mut c = Command::new("sh");
    c.args(["-c", "sleep 600 & sleep 600 & wait"]).env("FORKLAB_TEST_TAG", &tag).stdin(Stdio::null()).process_group(0);
    // SAFETY: dup2 is async-signal-safe; the new fds 3, 4 and 5 lose FD_CLOEXEC and are inherited.
    unsafe {
        c.pre_exec(move || {
            // Out of the way first: dup2 onto the fd itself would keep its FD_CLOEXEC.
            for (i, fd) in fds.iter().enumerate() {
                if libc::dup2(*fd, 100 + i as i32) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for i in 0..fds.len() as i32 {
                if libc::dup2(100 + i, 3 + i) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut sh = c.spawn().unwrap();
    drop((a, b, l));
    let root = sh.id() as i32;
    let _group = KillGroup(root);
    let deadline = Instant::now() + DEADLINE;
    let snap: Value = loop {
        let (status, stdout, stderr) = run(&tag, &["watch", "--pid", &root.to_string(), "--once", "--json"]);
        assert!(status.success(), "{stderr}");
        let v: Value = serde_json::from_str(&stdout).unwrap();
        if v["processes"].as_array().unwrap().len() == 3 {
            break v;
        }
        assert!(Instant::now() < deadline, "the two sleeps never ran: {v}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let pids: Vec<i64> = snap["processes"].as_array().unwrap().iter().map(|p| p["pid"].as_i64().unwrap()).collect();
    for p in snap["processes"].as_array().unwrap() {
        let fd3 = p["fds"].as_array().unwrap().iter().find(|f| f["fd"] == 3).unwrap();
        assert_eq!(fd3["kind"], "unix", "{fd3}");
        let holders: Vec<i64> = fd3["peer_pids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        assert_eq!(holders, pids, "every holder of the other end, in tree order: {fd3}");
        assert_eq!(fd3["peer_pid"], pids[0], "{fd3}");
    }
    let (_, text, _) = run(&tag, &["watch", "--pid", &root.to_string(), "--once"]);
    let all = format!("peer in {}, {}, {}", pids[0], pids[1], pids[2]);
    assert!(text.contains(&all), "{all} not in {text}");
    let _ = killpg(Pid::from_raw(root), Signal::SIGKILL);
    let _ = sh.wait();
    assert_none_left(&tag, Duration::from_secs(2));
}

/// A command that forks its server into the background and exits 0, as nginx does with
/// `daemon on`: said to daemonize, with how to watch it; the daemon does not outlive forklab.
#[test]
fn a_command_that_daemonizes_is_said_to_and_ended() {
    let tag = new_tag();
    let daemon =
        "node -e \"require('net').createServer().listen(0, '127.0.0.1'); setTimeout(() => {}, 600000)\" & exit 0";
    // The daemon listens only after its parent has exited: its parent's exit is what is seen.
    let (status, _, stderr) = run(&tag, &["watch", "--once", "--", "sh", "-c", daemon]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for w in ["exited with code 0 before it listened", "daemonizes", "--pid", "daemon off;"] {
        assert!(stderr.contains(w), "{w:?} not in {stderr}");
    }
    assert_none_left(&tag, Duration::from_secs(5));
}

#[test]
fn watch_help_describes_every_option() {
    let (status, help, _) = run(&new_tag(), &["watch", "--help"]);
    assert!(status.success());
    let at = help.lines().position(|l| l.trim_start().starts_with("--json")).unwrap_or_else(|| panic!("{help}"));
    let json: Vec<&str> = help.lines().skip(at).take(2).collect();
    assert!(json.join(" ").contains("Print JSON"), "{json:?}");
    let pid = help.lines().skip_while(|l| !l.contains("--pid")).take(3).collect::<Vec<_>>().join(" ");
    assert!(pid.contains("SIGTERM"), "{pid}");
}
