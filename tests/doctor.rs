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
