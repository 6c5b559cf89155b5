//! Lessons through the built binary: the built-in ones pass, bad ones are refused clearly.

mod common;
use common::*;
use serde_json::Value;
use std::time::Duration;

fn play(id: &str) {
    let tag = new_tag();
    let (status, stdout, stderr) = run(&tag, &["play", id, "--json"]);
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(last["event"], "summary", "{stdout}\n{stderr}");
    assert_eq!(last["lesson"], id);
    assert_eq!(last["expects_failed"], 0, "{stdout}\n{stderr}");
    assert!(last["expects_passed"].as_u64().unwrap() > 0);
    assert!(status.success(), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn play_fork_passes() {
    play("fork");
}

#[test]
fn play_accept_passes() {
    play("accept");
}

#[test]
fn an_unknown_lesson_lists_the_real_ones() {
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["play", "nosuch"]);
    assert!(!status.success());
    assert!(stderr.contains("unknown lesson `nosuch`"), "{stderr}");
    assert!(stderr.contains("fork") && stderr.contains("accept"), "{stderr}");
}

#[test]
fn a_malformed_lesson_is_refused_with_its_line() {
    let dir = std::env::temp_dir().join(format!("forklab-lessons-{}", new_tag()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bad.md"),
        "+++\nid = \"bad\"\ntitle = \"Bad\"\norder = 1\nsummary = \"s\"\n+++\n\n## One\ntext\n<!-- do: launch rockets -->\n",
    )
    .unwrap();
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["--lessons", dir.to_str().unwrap(), "play", "bad"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!status.success());
    assert!(stderr.contains("bad.md:10:"), "{stderr}");
    assert!(stderr.contains("`launch`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn list_prints_each_lesson_a_line() {
    let tag = new_tag();
    let (status, stdout, _) = run(&tag, &["list"]);
    assert!(status.success());
    let ids: Vec<&str> = stdout.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(ids.contains(&"fork") && ids.contains(&"accept"), "{stdout}");
}

#[test]
fn a_panic_mid_lesson_leaves_no_process() {
    let tag = new_tag();
    let out = forklab(&tag).env("FORKLAB_PANIC_AT", "step:2").args(["play", "fork"]).output().unwrap();
    assert_eq!(out.status.code(), Some(101));
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn sigterm_mid_lesson_leaves_no_process() {
    let tag = new_tag();
    let mut child =
        forklab(&tag).args(["play", "accept", "--json"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    // Wait until the pool is up (a worker listens), then stop the app from outside.
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.contains("\"pool\""))), "the pool never came up");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    drop(lines);
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_none_left(&tag, Duration::from_secs(2));
}
