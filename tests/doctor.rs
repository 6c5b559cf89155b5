//! `forklab doctor` on this machine: every required check passes, and the JSON says so.

mod common;
use common::*;

#[test]
fn doctor_passes_here_and_reports_json() {
    let tag = new_tag();
    let (status, stdout, stderr) = run(&tag, &["doctor", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    assert!(status.success(), "{stdout}");
    assert_eq!(doc["ok"], true);
    let names: Vec<&str> = doc["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    for n in ["fork", "scm_rights", "reuseport", "subreaper", "proc_fds", "tty"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    // No tty under the test harness: reported, but not required.
    let tty = doc["checks"].as_array().unwrap().iter().find(|c| c["name"] == "tty").unwrap();
    assert_eq!(tty["required"], false);
}

/// strace is reported (not required): attached here (`.ci/run` installs it), and said to be
/// missing, with what to do, when PATH cannot find it.
#[test]
fn doctor_reports_strace_and_says_when_it_is_missing() {
    let strace =
        |doc: &serde_json::Value| doc["checks"].as_array().unwrap().iter().find(|c| c["name"] == "strace").cloned();
    let tag = new_tag();
    let (_, stdout, stderr) = run(&tag, &["doctor", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    let here = strace(&doc).expect("a strace check");
    assert_eq!(here["required"], false);
    assert_eq!(here["ok"], true, "{here}");
    assert!(here["detail"].as_str().unwrap().contains("attached"), "{here}");

    let out = forklab(&tag).args(["doctor", "--json"]).env("PATH", "/nonexistent").output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing = strace(&doc).unwrap();
    assert_eq!(missing["ok"], false);
    assert!(missing["detail"].as_str().unwrap().contains("strace is not on PATH"), "{missing}");
    assert_none_left(&tag, std::time::Duration::from_secs(5));
}
