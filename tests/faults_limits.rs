//! Fault suite: the machine's limits. Too few processes or threads for the user
//! (RLIMIT_NPROC), too few file descriptors (RLIMIT_NOFILE), a lab asked for more work than
//! can finish, and a lab started under `nice`: each ends in a clear one-line error naming the
//! cause, or behaves as documented, and leaves no process behind.

mod common;
use common::tmux::Tmux;
use common::*;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// forklab as a user that RLIMIT_NPROC holds to `nproc` processes and threads, counted apart
/// from every other process of the machine; None (and why, printed) when this machine cannot.
///
/// The kernel counts RLIMIT_NPROC per user, over every process and thread of that user
/// (setrlimit(2)), so a limit of 24 meant 24 minus what else the user ran: with dozens of Node
/// threads of `nobody` from another test run, forklab could not start its own threads and
/// the test failed before the client ran. So forklab runs as a user nothing else runs as:
/// - as root, whose own processes the limit never stops (the kernel exempts root, and any
///   process with CAP_SYS_RESOURCE or CAP_SYS_ADMIN), under a fresh uid that no process has;
/// - as any other user, in a new user namespace (unshare(1) `--map-current-user`): the kernel
///   counts a user's processes per user namespace (its ucounts, since Linux 5.14), and checks
///   the limit against those of the namespace the process is in.
fn limited(tag: &str, nproc: u32, args: &[&str]) -> Option<Command> {
    let script = format!("ulimit -u {nproc} && exec \"$0\" \"$@\"");
    let mut c = if nix::unistd::getuid().is_root() {
        let uid = fresh_uid().to_string();
        let mut c = Command::new("setpriv");
        c.args(["--reuid", &uid, "--regid", &uid, "--clear-groups", "--", "bash", "-c", &script]);
        c
    } else {
        let probe = Command::new("unshare").args(["--user", "--map-current-user", "true"]).output();
        if !probe.as_ref().is_ok_and(|o| o.status.success()) {
            println!("not run: no user namespace for a count of this user's processes alone: {probe:?}");
            return None;
        }
        let mut c = Command::new("unshare");
        c.args(["--user", "--map-current-user", "--", "bash", "-c", &script]);
        c
    };
    c.arg(BIN).args(args).env("FORKLAB_TEST_TAG", tag).stdin(Stdio::null()).current_dir("/");
    Some(c)
}

/// A uid that no process of the machine has, different for each call (up to 64) in every test
/// process: above the uids systems hand out (accounts stop at 60000, systemd's dynamic users
/// at 65519, subordinate ranges for containers start at 100000), and checked in /proc.
fn fresh_uid() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    for _ in 0..64 {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % 64;
        // pids are below 2^22 (proc(5)): every test process has its own 64 uids.
        let uid = ((1 << 30) + (std::process::id() << 6) + n).to_string();
        let statuses = std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok());
        let mut statuses = statuses.filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok());
        // `Uid:` real, effective, saved, filesystem.
        let taken = statuses
            .any(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().skip(1).any(|u| u == uid)));
        if !taken {
            return uid.parse().unwrap();
        }
    }
    panic!("every uid of this test process is some process's");
}

/// One line, `forklab: …`, exit code 1: not a panic's message and backtrace.
fn one_line_error(stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("forklab: ")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
}

#[test]
fn no_thread_for_the_signal_thread_is_a_one_line_error() {
    let tag = new_tag();
    let Some(limited) = limited(&tag, 1, &["play", "fork"]) else { return };
    let (status, _, stderr) = output(limited);
    assert_eq!(status.code(), Some(1), "{stderr}");
    one_line_error(&stderr);
    assert!(stderr.contains("starting the signal thread") && stderr.contains("os error 11"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// The load client cannot start its threads: what it said reaches the user, not only "gave no
/// summary".
#[test]
fn the_load_clients_own_error_reaches_the_user() {
    let tag = new_tag();
    let args = ["bench", "--mode", "shared", "--workers", "2", "--connections", "200", "--concurrency", "64"];
    let Some(limited) = limited(&tag, 24, &args) else { return };
    let (status, _, stderr) = output(limited);
    assert_eq!(status.code(), Some(1), "{stderr}");
    one_line_error(&stderr);
    assert!(stderr.contains("forklab-client: starting client thread"), "{stderr}");
    assert!(stderr.contains("Resource temporarily unavailable"), "{stderr}");
    assert!(stderr.contains("EAGAIN"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// The master cannot fork every worker asked for: the error names the worker and the limit,
/// and says what to do. It said only "fork: EAGAIN: Try again".
#[test]
fn a_worker_the_process_limit_forbids_names_the_limit() {
    let tag = new_tag();
    let args = ["bench", "--mode", "shared", "--workers", "64", "--connections", "10"];
    let Some(limited) = limited(&tag, 24, &args) else { return };
    let (status, _, stderr) = output(limited);
    assert_eq!(status.code(), Some(1), "{stderr}");
    one_line_error(&stderr);
    assert!(stderr.contains("forking W") && stderr.contains("EAGAIN"), "{stderr}");
    assert!(stderr.contains("`ulimit -u`") && stderr.contains("run fewer workers"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// `watch --fire` cannot start a thread for each connection at once: the error says which and
/// what to do, and the watched server goes with forklab. It panicked ("failed to spawn thread").
#[test]
fn a_fire_the_thread_limit_forbids_is_a_one_line_error() {
    let tag = new_tag();
    let js = "require('http').createServer((q, s) => s.end('hi')).listen(0, '127.0.0.1')";
    let args = ["watch", "--fire", "200", "--concurrency", "100", "--", "node", "-e", js];
    let Some(limited) = limited(&tag, 24, &args) else { return };
    let (status, _, stderr) = output(limited);
    assert_eq!(status.code(), Some(1), "{stderr}");
    one_line_error(&stderr);
    assert!(stderr.contains("starting load thread") && stderr.contains("EAGAIN"), "{stderr}");
    assert!(stderr.contains("lower --concurrency"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// The client with 32 fds and 256 connections at once: the connections it could not open are
/// named `emfile`, in the JSON and in the table. Each connection asks 20 times, so that it stays
/// open long enough for its thread's neighbours to open theirs: with one request each, a fast
/// pool answered every connection before 30 were open at once (seen once: 300 done, no error).
#[test]
fn a_client_out_of_fds_names_emfile() {
    for json in [true, false] {
        let tag = new_tag();
        let mut c = forklab(&tag);
        let args = ["--connections", "300", "--concurrency", "256", "--keepalive", "20"];
        c.args(["bench", "--mode", "shared", "--workers", "2"]).args(args);
        if json {
            c.arg("--json");
        }
        // SAFETY: setrlimit is a plain system call, async-signal-safe.
        unsafe {
            c.pre_exec(|| {
                nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, 32, 32)
                    .map_err(std::io::Error::from)
            });
        }
        let (status, stdout, stderr) = output(c);
        assert!(status.success(), "{stderr}");
        if json {
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let run = &doc["runs"][0];
            let emfile = run["errors"]["emfile"].as_u64().unwrap_or(0);
            assert!(emfile > 0, "{run}");
            assert_eq!(run["errors"].get("other"), None, "{run}");
        } else {
            let row = stdout.lines().find(|l| l.starts_with("shared")).expect("a row for shared");
            assert!(row.contains("errors emfile:"), "{stdout}");
        }
        assert_none_left(&tag, Duration::from_secs(2));
    }
}

/// `fire 1000000 concurrency=256 keepalive=1000` is a billion requests: it is refused when the
/// lesson is read, with the bound, instead of running into its two-minute wait.
#[test]
fn a_fire_that_cannot_finish_is_refused_with_its_bound() {
    let dir = std::env::temp_dir().join(format!("forklab-bigfire-{}", new_tag()));
    std::fs::create_dir_all(&dir).unwrap();
    let lesson = "+++\nid = \"x\"\ntitle = \"X\"\norder = 1\nsummary = \"s\"\n+++\n\n## One\ntext\n\n\
                  <!-- do: spawn workers=2 -->\n<!-- do: fire 1000000 concurrency=256 keepalive=1000 -->\n";
    std::fs::write(dir.join("x.md"), lesson).unwrap();
    let tag = new_tag();
    let started = Instant::now();
    let (status, stdout, stderr) = run(&tag, &["--lessons", dir.to_str().unwrap(), "play", "x"]);
    assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("x.md:12:"), "{stderr}");
    assert!(stderr.contains("1000000000 requests") && stderr.contains("at most 100000"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(!stdout.contains("spawned"), "{stdout}");
    assert_none_left(&tag, Duration::from_secs(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The nice value of `/proc/<pid>/stat`.
fn nice_of(pid: i32) -> i32 {
    stat_fields(pid).unwrap()[16].parse().unwrap()
}

/// `nice -n 5 forklab open fork`: the lab runs 10 nicer than the app (15), not at 10, which
/// would be *less* nice than a user asked for the app.
#[test]
fn the_lab_is_ten_nicer_than_the_app_whatever_the_apps_nice() {
    let tag = new_tag();
    let t = Tmux::start(&tag, 100, 30, &format!("nice -n 5 {BIN} open fork"));
    t.wait_for_intro(Duration::from_secs(30));
    let deadline = Instant::now() + DEADLINE;
    let (app, master) = loop {
        let procs = tagged(&tag);
        let find = |name: &str| procs.iter().find(|(_, n)| n == name).map(|(p, _)| *p);
        if let (Some(app), Some(master)) = (find("forklab"), find("forklab-master")) {
            break (app, master);
        }
        assert!(Instant::now() < deadline, "no master: {procs:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(nice_of(app), 5);
    assert_eq!(nice_of(master), 15);
    t.keys(&["q"]);
    t.wait_for("the shell", Duration::from_secs(30), |s| s.contains("FORKLAB-EXITED rc=0"));
    assert_none_left(&tag, Duration::from_secs(2));
}

/// A port below 1024 as a user without privileges: a clear error that says why and suggests
/// `--port 0`, not a bare EACCES.
#[test]
fn a_low_port_without_privileges_says_why() {
    // ip(7): ports below net.ipv4.ip_unprivileged_port_start (1024 by default) need privileges.
    let start: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1024);
    if start == 0 {
        println!("not run: this machine lets anyone bind every port (ip_unprivileged_port_start is 0)");
        return;
    }
    let port = (start - 1).min(1023).to_string();
    let tag = new_tag();
    let Some(limited) = limited(&tag, 4096, &["serve", "--port", &port]) else { return };
    let (status, _, stderr) = output(limited);
    assert!(!status.success());
    one_line_error(&stderr);
    assert!(stderr.contains(&format!("port {port} is below 1024")) && stderr.contains("--port 0"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}
