//! `forklab watch` over a real tree whose parent is SIGKILLed while its children live on: the
//! children are re-parented (to init under `--pid`, to forklab, the subreaper, under `-- CMD`),
//! and the screen follows them as live orphans of the tree, never as exited. And a zombie the
//! parent has not reaped is shown, state Z, by `--once --json` as by `ps`.

mod common;
use common::tmux::Tmux;
use common::*;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
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

const BIN: &str = env!("CARGO_BIN_EXE_forklab");
const WAIT: Duration = Duration::from_secs(30);

/// A shell that starts a Node listener and a sleep, then waits: the parent to kill.
fn tree_script(tag: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("forklab-orphans-{tag}.sh"));
    let script = "node -e \"require('net').createServer().listen(0, '127.0.0.1')\" &\nsleep 600 &\nwait\n";
    std::fs::write(&path, script).unwrap();
    path
}

/// The live processes carrying `tag`, whatever their name, as (pid, ppid, comm, state).
fn tagged_all(tag: &str) -> Vec<(i32, i32, String, String)> {
    let needle = format!("FORKLAB_TEST_TAG={tag}");
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else { continue };
        if !env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            continue;
        }
        let Some(f) = stat_fields(pid) else { continue };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string();
        if f[0] != "Z" && f[0] != "X" {
            out.push((pid, f[1].parse().unwrap(), comm, f[0].clone()));
        }
    }
    out
}

fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Each of `pids` is gone (or a zombie, which nothing runs in).
fn assert_gone(pids: &[i32]) {
    wait_until(&format!("{pids:?} gone"), || {
        pids.iter().all(|p| stat_fields(*p).is_none_or(|f| f[0] == "Z" || f[0] == "X")).then_some(())
    });
}

/// The screen row of `pid` in the processes pane.
fn row(screen: &str, pid: i32) -> Option<String> {
    screen.lines().find(|l| l.split_whitespace().any(|w| w == pid.to_string()) && l.contains("│")).map(String::from)
}

/// After the parent is SIGKILLed: both children are on screen, alive, marked orphan, under
/// `want_ppid`; none is called exited, and the events say where they went.
fn assert_orphans_followed(t: &Tmux, parent: i32, kids: &[i32], want_ppid: i32) {
    kill(Pid::from_raw(parent), Signal::SIGKILL).unwrap();
    let screen = t.wait_for("the children re-parented on screen", WAIT, |s| {
        kids.iter().all(|k| row(s, *k).is_some_and(|r| r.contains("orphan") && r.contains(&want_ppid.to_string())))
            && s.contains("lives on")
    });
    for k in kids {
        assert!(stat_fields(*k).is_some_and(|f| f[0] != "Z"), "{k} is alive");
        assert!(!screen.contains(&format!("pid {k} exited")), "{screen}");
        assert!(!row(&screen, *k).unwrap().contains("exited"), "{screen}");
    }
    assert!(screen.contains(&format!("its parent {parent} exited")), "{screen}");
    // Still followed samples later, not dropped after a highlight.
    std::thread::sleep(Duration::from_secs(4));
    let screen = t.screen();
    for k in kids {
        assert!(row(&screen, *k).is_some_and(|r| r.contains("orphan")), "{screen}");
    }
    assert!(!screen.contains("no processes yet"), "{screen}");
}

#[test]
fn under_pid_children_of_a_killed_parent_are_followed_alive() {
    let tag = new_tag();
    let script = tree_script(&tag);
    let mut sh = Command::new("sh")
        .arg(&script)
        .env("FORKLAB_TEST_TAG", &tag)
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let parent = sh.id() as i32;
    let _group = KillGroup(parent);
    let kids: Vec<i32> = wait_until("node and sleep under the shell", || {
        let k: Vec<i32> = tagged_all(&tag).into_iter().filter(|p| p.1 == parent).map(|p| p.0).collect();
        (k.len() == 2).then_some(k)
    });
    // Node takes a while to start on a busy machine: until its tree listens.
    wait_until("the tree listening", || {
        run(&tag, &["watch", "--pid", &parent.to_string(), "--once"]).0.success().then_some(())
    });
    let t = Tmux::start(&tag, 160, 45, &format!("{BIN} watch --pid {parent}"));
    struct KillTmux<'a>(&'a Tmux);
    impl Drop for KillTmux<'_> {
        fn drop(&mut self) {
            self.0.kill();
        }
    }
    let _session = KillTmux(&t);
    t.wait_for("the tree on screen", WAIT, |s| kids.iter().all(|k| row(s, *k).is_some()));
    assert_orphans_followed(&t, parent, &kids, 1);
    t.keys(&["q"]);
    t.wait_for("the shell", WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    t.kill();
    // Watching left them running; the test ends them.
    for k in &kids {
        assert!(stat_fields(*k).is_some_and(|f| f[0] != "Z"), "{k} still runs after watch --pid");
    }
    let _ = sh.wait();
    let _ = killpg(Pid::from_raw(parent), Signal::SIGKILL);
    assert_gone(&kids);
    assert_none_left(&tag, Duration::from_secs(2));
    let _ = std::fs::remove_file(script);
}

#[test]
fn under_a_command_children_of_a_killed_parent_go_to_forklab_and_are_followed() {
    let tag = new_tag();
    let script = tree_script(&tag);
    let t = Tmux::start(&tag, 160, 45, &format!("{BIN} watch -- sh {}", script.display()));
    // On a failure too: the session's end (SIGHUP) ends forklab, which ends the command.
    struct KillTmux<'a>(&'a Tmux);
    impl Drop for KillTmux<'_> {
        fn drop(&mut self) {
            self.0.kill();
        }
    }
    let _session = KillTmux(&t);
    let forklab = wait_until("forklab watch", || tagged_all(&tag).into_iter().find(|p| p.2 == "forklab").map(|p| p.0));
    let parent = wait_until("the shell under forklab", || {
        tagged_all(&tag).into_iter().find(|p| p.2 == "sh" && p.1 == forklab).map(|p| p.0)
    });
    let kids: Vec<i32> = wait_until("node and sleep under the shell", || {
        let k: Vec<i32> = tagged_all(&tag).into_iter().filter(|p| p.1 == parent).map(|p| p.0).collect();
        (k.len() == 2).then_some(k)
    });
    t.wait_for("the tree on screen", WAIT, |s| kids.iter().all(|k| row(s, *k).is_some()));
    assert_orphans_followed(&t, parent, &kids, forklab);
    let screen = t.screen();
    assert!(screen.contains(&format!("re-parented it to forklab pid {forklab}")), "{screen}");
    t.keys(&["q"]);
    t.wait_for("the shell", WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    t.kill();
    // forklab ended what it started, orphans included.
    assert_gone(&kids);
    assert_gone(&[forklab]);
    assert_none_left(&tag, Duration::from_secs(2));
    let _ = std::fs::remove_file(script);
}

/// `sh` starts `true` and becomes a Node listener that never waits for it: `true` stays a
/// zombie child of the server. `--once` and `--json` list it, state Z, as `ps` does.
#[test]
fn a_zombie_child_is_listed_with_state_z() {
    let tag = new_tag();
    let mut server = Command::new("sh")
        .args(["-c", "true & exec node -e \"require('net').createServer().listen(0, '127.0.0.1')\""])
        .env("FORKLAB_TEST_TAG", &tag)
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let root = server.id() as i32;
    let _group = KillGroup(root);
    let zombie = wait_until("the zombie child", || {
        std::fs::read_dir("/proc").unwrap().flatten().find_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let f = stat_fields(pid)?;
            (f[1] == root.to_string() && f[0] == "Z").then_some(pid)
        })
    });
    let json = wait_until("the tree listening", || {
        let (status, stdout, _) = run(&tag, &["watch", "--pid", &root.to_string(), "--once", "--json"]);
        status.success().then_some(stdout)
    });
    let snap: serde_json::Value = serde_json::from_str(&json).unwrap();
    let z =
        snap["processes"].as_array().unwrap().iter().find(|p| p["pid"] == zombie).unwrap_or_else(|| panic!("{snap}"));
    assert_eq!(z["state"], "Z", "{z}");
    assert_eq!(z["ppid"], root, "{z}");
    let (status, text, stderr) = run(&tag, &["watch", "--pid", &root.to_string(), "--once"]);
    assert!(status.success(), "{stderr}");
    assert!(text.lines().any(|l| l.contains(&zombie.to_string()) && l.contains(" Z ")), "{text}");
    let _ = killpg(Pid::from_raw(root), Signal::SIGKILL);
    let _ = server.wait();
    assert_gone(&[root]);
    assert_none_left(&tag, Duration::from_secs(2));
}
