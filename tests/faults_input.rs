//! Fault suite: bad input through the built binary is refused with a clear error, and nothing
//! else happens (no panic, no process started, no file written).

mod common;
use common::tmux::Tmux;
use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// The smallest valid lesson: front matter and one step with a line of text.
const HEAD: &str = "+++\nid = \"x\"\ntitle = \"X\"\norder = 1\nsummary = \"s\"\n+++\n\n## One\ntext\n";

/// `forklab --lessons DIR ARGS` must fail with `want` in its error, quickly, starting nothing.
fn refused(dir: &Path, args: &[&str], want: &[&str]) {
    let tag = new_tag();
    let started = Instant::now();
    let mut all = vec!["--lessons", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let (status, stdout, stderr) = run(&tag, &all);
    assert!(!status.success(), "{args:?} succeeded: {stdout}");
    assert_eq!(status.code(), Some(1), "{stderr}");
    for w in want {
        assert!(stderr.contains(w), "{args:?}: no `{w}` in {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(!stdout.contains("\"spawned\""), "a process was started: {stdout}");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn a_huge_lesson_file_is_refused_by_its_size() {
    let dir = TempDir::new("huge");
    let path = dir.0.join("x.md");
    // 64 MiB, written sparse: forklab must not read it whole to refuse it.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(64 * 1024 * 1024).unwrap();
    for args in [&["list"][..], &["play", "x"]] {
        refused(&dir.0, args, &[&format!("{}:", path.display()), "larger than 256 KiB"]);
    }
}

#[test]
fn a_binary_lesson_file_is_refused() {
    let dir = TempDir::new("binary");
    // The start of a real program as a lesson: binary data, nul bytes included.
    let elf = std::fs::read(BIN).unwrap();
    std::fs::write(dir.0.join("x.md"), &elf[..64 * 1024]).unwrap();
    refused(&dir.0, &["play", "x"], &["x.md:", "not a text lesson"]);
    // Not utf-8 but no nul.
    std::fs::write(dir.0.join("x.md"), [HEAD.as_bytes(), b"\xff\xfe\xfd\n"].concat()).unwrap();
    refused(&dir.0, &["play", "x"], &["x.md:10:", "not valid utf-8"]);
}

#[test]
fn a_directive_outside_the_vocabulary_never_runs() {
    let dir = TempDir::new("vocab");
    let marker = dir.0.join("ran");
    let lines = [
        format!("<!-- do: exec /bin/sh -c 'touch {}' -->", marker.display()),
        format!("<!-- do: spawn workers=2 cmd=/bin/touch args={} -->", marker.display()),
        format!("<!-- run: touch {} -->", marker.display()),
        "<!-- expect: $(touch x) == 1 -->".to_string(),
    ];
    for (line, want) in lines.iter().zip(["`exec`", "unknown option `cmd`", "unknown directive `run:`", "expect"]) {
        std::fs::write(dir.0.join("x.md"), format!("{HEAD}{line}\n")).unwrap();
        refused(&dir.0, &["play", "x"], &["x.md:10:", want]);
        assert!(!marker.exists(), "{line} ran something");
    }
}

#[test]
fn a_role_outside_the_vocabulary_is_refused() {
    let tag = new_tag();
    for args in [&["__worker"][..], &["__daemon"], &["__nosuch", "x"]] {
        let (status, _, stderr) = run(&tag, args);
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("unrecognized subcommand"), "{stderr}");
    }
    // The client role with arguments that are not its JSON.
    for junk in ["not json", "{\"port\": 99999999}", "[]", "{}"] {
        let (status, _, stderr) = run(&tag, &["__client", junk]);
        assert_eq!(status.code(), Some(2), "{junk}: {stderr}");
        assert!(stderr.contains("forklab-client: bad arguments"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The master role started by hand, without the channel the app gives it on fd 3.
    let (status, _, stderr) = run(&tag, &["__master"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("forklab-master: fd 3 is not a channel from forklab"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn a_busy_port_is_a_clear_error_for_serve_in_every_mode() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for mode in ["shared", "exclusive", "blocking", "rr", "reuseport"] {
        let tag = new_tag();
        let (status, _, stderr) = run(&tag, &["serve", "--mode", mode, "--port", &port]);
        assert!(!status.success());
        assert!(stderr.contains(&format!("port {port} is in use")) && stderr.contains("--port 0"), "{mode}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_none_left(&tag, Duration::from_secs(2));
    }
}

/// The data dir cannot be created (its parent is a file): the lesson still runs to its end,
/// the finish is simply not remembered, and forklab quits cleanly.
#[test]
fn an_unwritable_data_dir_degrades_gracefully() {
    let dir = TempDir::new("data");
    let not_a_dir = dir.0.join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let tag = new_tag();
    let t = Tmux::start(&tag, 100, 30, &format!("XDG_DATA_HOME={} {BIN} open fork", not_a_dir.display()));
    t.wait_for_intro(Duration::from_secs(30));
    let deadline = Instant::now() + Duration::from_secs(60);
    // Step to the end: a step still running ignores the key, so press until complete.
    while !t.screen().contains("lesson complete") {
        assert!(Instant::now() < deadline, "never completed:\n{}", t.screen());
        t.keys(&["Right"]);
        std::thread::sleep(Duration::from_millis(200));
    }
    t.keys(&["q"]);
    t.keys(&["q"]);
    let screen = t.wait_for("the shell", Duration::from_secs(30), |s| s.contains("FORKLAB-EXITED"));
    assert!(screen.contains("FORKLAB-EXITED rc=0"), "{screen}");
    assert!(!screen.contains("panicked"), "{screen}");
    assert_eq!(std::fs::read(&not_a_dir).unwrap(), b"", "the file in the way was written");
    assert_none_left(&tag, Duration::from_secs(2));
    let _ = dir.path();
}

/// A FIFO, a device or a folder named like a lesson is refused, not opened and waited on.
#[test]
fn a_lesson_that_is_not_a_regular_file_is_refused() {
    let dir = TempDir::new("special");
    let path = dir.0.join("x.md");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    refused(&dir.0, &["list"], &["x.md` is not a regular file"]);
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    refused(&dir.0, &["list"], &["x.md` is not a regular file"]);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    refused(&dir.0, &["list"], &["x.md` is not a regular file"]);
}

/// A negative number given to a numeric flag is refused as that flag's value, naming both,
/// not taken for an unknown flag (`unexpected argument '-1' found`), in both languages.
#[test]
fn a_negative_number_is_refused_as_the_value_of_its_flag() {
    let cases: [&[&str]; 9] = [
        &["--seed", "-1", "list"],
        &["--refresh", "-250", "list"],
        &["serve", "--workers", "-3"],
        &["serve", "--port", "-1"],
        &["bench", "--connections", "-5"],
        &["bench", "--chaos-ms", "-100"],
        &["open", "threads", "--autoplay", "-1"],
        &["shot", "threads", "--step", "-1", "--out", "x.svg"],
        &["watch", "--fire", "-2", "--", "true"],
    ];
    for lang in ["en", "zh"] {
        for args in cases {
            let tag = new_tag();
            let flag = args.iter().find(|a| a.starts_with("--")).unwrap();
            let value = args[args.iter().position(|a| a == flag).unwrap() + 1];
            let mut all = vec!["--lang", lang];
            all.extend_from_slice(args);
            let (status, stdout, stderr) = run(&tag, &all);
            assert_eq!(status.code(), Some(2), "{all:?}: {stdout}{stderr}");
            assert!(stderr.contains(&format!("'{value}'")) && stderr.contains(flag), "{all:?}: {stderr}");
            assert!(!stderr.contains("unexpected argument") && !stderr.contains("意外的参数"), "{all:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert_none_left(&tag, Duration::from_secs(2));
        }
    }
    // A negative PID parses, and is then refused as no process ID.
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["watch", "--pid", "-5", "--once"]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("-5 is not a process ID"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// A lesson with no `## ` step is refused at a real line of the file (its last), not line 0.
#[test]
fn a_lesson_without_steps_is_refused_at_its_last_line() {
    let dir = TempDir::new("nosteps");
    std::fs::write(dir.0.join("x.md"), HEAD.replace("## One\ntext\n", "just an intro\n### not a step\n")).unwrap();
    let file = dir.0.join("x.md").display().to_string();
    refused(&dir.0, &["list"], &[&format!("{file}:9: the lesson has no steps")]);
    std::fs::write(dir.0.join("x.md"), HEAD.replace("\n## One\ntext\n", "")).unwrap();
    refused(&dir.0, &["play", "x"], &[&format!("{file}:6: the lesson has no steps")]);
}

/// A translation (`DIR/zh/<id>.md`) with a directive its English lesson lacks is refused at
/// the line of that directive, saying the English step has nothing more there.
#[test]
fn a_translation_with_an_extra_directive_names_its_line() {
    let dir = TempDir::new("drift");
    std::fs::create_dir(dir.0.join("zh")).unwrap();
    std::fs::write(dir.0.join("x.md"), HEAD).unwrap();
    std::fs::write(dir.0.join("zh/x.md"), format!("{HEAD}\n<!-- do: spawn workers=2 -->\n")).unwrap();
    let zh = dir.0.join("zh/x.md").display().to_string();
    let (tag, args) = (new_tag(), ["--lessons", dir.path(), "--lang", "zh", "list"]);
    let (status, _, stderr) = run(&tag, &args);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&zh) && stderr.contains("第 11 行") && stderr.contains("do: spawn workers=2"), "{stderr}");
    assert!(stderr.contains("再无内容") && !stderr.contains("no reveal"), "{stderr}");
    let (status, _, stderr) = run(&tag, &["--lessons", dir.path(), "--lang", "zh", "play", "x"]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("第 11 行"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// A lesson whose front matter asks for a port that is in use says so, pointing at its
/// `[setup]` (`play` has no --port to choose another with), and leaves nothing running.
#[test]
fn a_lessons_busy_port_points_at_its_front_matter_not_at_a_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = TempDir::new("busyport");
    let lesson = HEAD.replace("+++\n\n## One", &format!("[setup]\nport = {port}\n+++\n\n## One"));
    std::fs::write(dir.0.join("x.md"), format!("{lesson}<!-- do: spawn workers=2 -->\n")).unwrap();
    for lang in ["en", "zh"] {
        let tag = new_tag();
        let (status, stdout, stderr) = run(&tag, &["--lessons", dir.path(), "--lang", lang, "play", "x"]);
        assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
        let said = if lang == "en" { format!("port {port} is in use") } else { format!("端口 {port} 已被占用") };
        assert!(stderr.contains(&said) && stderr.contains(&format!("`port = {port}`")), "{stderr}");
        assert!(stderr.contains("[setup]") && stderr.contains("x.md:"), "{stderr}");
        assert!(!stdout.contains("--port") && !stderr.contains("--port"), "{stdout}{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_none_left(&tag, Duration::from_secs(2));
    }
    drop(taken);
}

/// A `--lessons` folder whose path is not UTF-8 (a byte 0xff) opens like any other: the lesson
/// screen then says it needs a terminal. Before, forklab panicked collecting its own arguments
/// with `std::env::args`, which cannot hold such a byte.
#[test]
fn a_lessons_folder_whose_path_is_not_utf8_is_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = TempDir::new("nonutf8");
    let dir = tmp.0.join(std::ffi::OsStr::from_bytes(b"lessons-\xff"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("x.md"), HEAD).unwrap();
    let tag = new_tag();
    let mut cmd = forklab(&tag);
    cmd.arg("--lessons").arg(&dir).args(["open", "x"]);
    let (status, _, stderr) = output(cmd);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}
