//! Chinese through the built binary: the locale chooses it, `--lang` overrides the locale,
//! `list` and `play` speak it (play's `--json` stays English, an interface), and the picker in
//! tmux under `LANG=zh_CN.UTF-8` is Chinese and switches live with `L`.

mod common;
use common::tmux::Tmux;
use common::*;
use std::time::Duration;

const SCREEN_WAIT: Duration = Duration::from_secs(30);

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every lesson has a Chinese title in `--lang zh list`, and the same ids in the same order.
#[test]
fn list_in_chinese_shows_every_lesson_with_a_chinese_title() {
    let tag = new_tag();
    let (status, en, _) = run(&tag, &["--lang", "en", "list"]);
    assert!(status.success());
    let (status, zh, stderr) = run(&tag, &["--lang", "zh", "list"]);
    assert!(status.success(), "{stderr}");
    let ids = |s: &str| s.lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect::<Vec<_>>();
    assert_eq!(ids(&en), ids(&zh));
    for line in zh.lines() {
        assert!(has_cjk(line), "no Chinese title: {line}");
    }
    assert!(!has_cjk(&en), "{en}");
}

/// The locale chooses Chinese; `--lang en` wins over it; LC_ALL wins over LANG.
#[test]
fn the_locale_and_the_flag_choose_the_language() {
    let tag = new_tag();
    let list = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = forklab(&tag);
        c.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.args(args).arg("list").output().unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(has_cjk(&list(&[("LANG", "zh_CN.UTF-8")], &[])));
    assert!(has_cjk(&list(&[("LANG", "zh_TW.UTF-8")], &[])), "traditional falls back to simplified");
    assert!(!has_cjk(&list(&[("LANG", "zh_CN.UTF-8")], &["--lang", "en"])));
    assert!(!has_cjk(&list(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C.UTF-8")], &[])));
    assert!(!has_cjk(&list(&[], &[])));
}

/// An error a user meets is in Chinese too.
#[test]
fn an_unknown_lesson_is_reported_in_chinese() {
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["--lang", "zh", "play", "nosuch"]);
    assert!(!status.success());
    assert!(stderr.contains("没有名为 `nosuch` 的课程") && stderr.contains("accept"), "{stderr}");
}

/// A port another program holds: the error forklab's own code makes in its lowest layer
/// (sys/listener.rs, in the master) is Chinese too, and names the port.
#[test]
fn a_port_in_use_is_reported_in_chinese() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["--lang", "zh", "serve", "--port", &port]);
    assert!(!status.success());
    assert!(stderr.contains(&format!("端口 {port} 已被占用")), "{stderr}");
    assert!(!english_prose(&stderr), "{stderr}");
    assert_none_left(&tag, std::time::Duration::from_secs(2));
}

/// `--lang zh play` runs the same expects as English and passes; the transcript is Chinese,
/// the `--json` lines are the same keys and the same directives as in English.
#[test]
fn play_in_chinese_passes_the_same_expects() {
    let tag = new_tag();
    let (status, text, stderr) = run(&tag, &["--lang", "zh", "play", "fork"]);
    assert!(status.success(), "{text}\n{stderr}");
    assert!(text.contains("## 第 1/") && text.contains("个 `expect` 成立"), "{text}");
    let (status, json, _) = run(&tag, &["--lang", "zh", "play", "fork", "--json"]);
    assert!(played(status, &json), "{json}");
    let expects = |s: &str| -> Vec<String> {
        s.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["event"] == "expect")
            .map(|v| v["text"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (_, en_json, _) = run(&tag, &["--lang", "en", "play", "fork", "--json"]);
    assert_eq!(expects(&json), expects(&en_json));
    assert!(!expects(&json).is_empty());
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn the_picker_under_a_chinese_locale_is_chinese_and_l_switches_it() {
    let tag = new_tag();
    let t = Tmux::start(&tag, 80, 24, &format!("LC_ALL= LC_MESSAGES= LANG=zh_CN.UTF-8 {BIN}"));
    t.wait_for("the Chinese picker", SCREEN_WAIT, |s| s.contains("语言：中文") && s.contains("进程还是线程"));
    t.keys(&["L"]);
    t.wait_for("the English picker", SCREEN_WAIT, |s| {
        s.contains("language: English") && s.contains("Process or thread")
    });
    t.keys(&["L"]);
    t.wait_for("Chinese again", SCREEN_WAIT, |s| s.contains("语言：中文"));
    t.keys(&["g"]);
    t.wait_for("the glossary", SCREEN_WAIT, |s| s.contains("术语表") && s.contains("SCM_RIGHTS"));
    t.keys(&["g"]);
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert_none_left(&tag, Duration::from_secs(2));
}

const HEAD: &str = "+++\nid = \"x\"\ntitle = \"X\"\norder = 1\nsummary = \"s\"\n+++\n\n## One\ntext\n\n";

/// A lesson of its own in a temp `--lessons` folder: `body` follows the head, from line 11.
fn lesson_dir(what: &str, body: &str) -> TempDir {
    let dir = TempDir::new(what);
    std::fs::write(dir.0.join("x.md"), format!("{HEAD}{body}")).unwrap();
    dir
}

/// The lesson parser's errors are Chinese under `--lang zh`, with their `file:line:` kept;
/// the same lesson is refused in English under `--lang en`.
#[test]
fn a_malformed_lesson_is_reported_in_chinese() {
    let tag = new_tag();
    let cases = [
        ("<!-- do: frobnicate -->\n", "`do:` 中的未知动词 `frobnicate`", "unknown verb `frobnicate`"),
        ("<!-- reveal -->\n", "`<!-- reveal -->` 出现在没有 `ask:` 的步骤里", "in a step without an `ask:`"),
        ("<!-- expect: W1 served ~ 5 -->\n", "未知的比较符 `~`", "unknown comparison `~`"),
    ];
    for (body, zh, en) in cases {
        let dir = lesson_dir("zh-bad", body);
        let (status, stdout, stderr) = run(&tag, &["--lang", "zh", "--lessons", dir.path(), "play", "x"]);
        assert!(!status.success(), "{stdout}");
        assert!(stderr.contains("x.md:11:") && stderr.contains(zh), "{stderr}");
        let (status, _, stderr) = run(&tag, &["--lang", "en", "--lessons", dir.path(), "play", "x"]);
        assert!(!status.success());
        assert!(stderr.contains("x.md:11:") && stderr.contains(en) && !has_cjk(&stderr), "{stderr}");
    }
    assert_none_left(&tag, Duration::from_secs(2));
}

/// What a failing `expect` saw, and the error a directive ends with, are Chinese in `--lang zh
/// play`'s transcript; in English under `--lang en`, and in `--json` whatever the language.
#[test]
fn a_failing_expect_and_a_directive_error_are_reported_in_chinese() {
    let tag = new_tag();
    let dir = lesson_dir(
        "zh-expect",
        "<!-- do: spawn workers=1 -->\n<!-- expect: exited W1 code=0 -->\n<!-- expect: hung W1 -->\n\
         <!-- do: kill W3 signal=TERM -->\n",
    );
    let (status, stdout, stderr) = run(&tag, &["--lang", "zh", "--lessons", dir.path(), "play", "x"]);
    assert!(!status.success(), "{stdout}");
    assert!(stdout.contains("FAIL expect: exited W1 code=0 （W1 还没有退出）"), "{stdout}");
    assert!(stdout.contains("FAIL expect: hung W1 （W1 没有因为漏掉心跳而被发现卡住）"), "{stdout}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("没有活着的进程 `W3` 可以接收信号"), "{all}");
    let (status, stdout, stderr) = run(&tag, &["--lang", "en", "--lessons", dir.path(), "play", "x"]);
    assert!(!status.success(), "{stdout}");
    assert!(stdout.contains("FAIL expect: exited W1 code=0  (W1 has not exited)"), "{stdout}");
    // `--json` is an interface: its details stay English under `--lang zh`.
    let (_, json, _) = run(&tag, &["--lang", "zh", "--lessons", dir.path(), "play", "x", "--json"]);
    let detail = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "expect")
        .map(|v| v["detail"].as_str().unwrap_or("").to_string());
    assert_eq!(detail.as_deref(), Some("W1 has not exited"), "{json}");
    assert!(!json.lines().filter(|l| l.contains("\"expect\"")).any(has_cjk), "{json}");
    assert!(format!("{stdout}{stderr}").contains("no live process `W3` to signal"), "{stdout}{stderr}");
}

/// `watch` speaks Chinese: the errors a user meets, the snapshot's lines and the fired report;
/// its `--json` keeps its English keys.
#[test]
fn watch_speaks_chinese() {
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["--lang", "zh", "watch", "--pid", "99999999", "--once"]);
    assert!(!status.success());
    assert!(stderr.contains("没有 PID 为 99999999 的进程"), "{stderr}");
    let mut sleeper = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    let pid = sleeper.id().to_string();
    let (status, _, stderr) = run(&tag, &["--lang", "zh", "watch", "--pid", &pid, "--fire", "3"]);
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    assert!(!status.success());
    assert!(stderr.contains(&format!("进程 {pid} 的进程树里没有进程监听任何 TCP 端口")), "{stderr}");

    // A tree watch starts itself: forklab's own pool, two workers sharing one listener.
    let serve = [BIN, "serve", "--mode", "shared", "--workers", "2", "--port", "0"];
    let (status, text, stderr) = run(&tag, &[&["--lang", "zh", "watch", "--once", "--"][..], &serve[..]].concat());
    assert!(status.success(), "{text}\n{stderr}");
    assert!(text.contains("的进程树（观察端口 "), "{text}");
    assert!(text.contains("监听 127.0.0.1:") && text.contains("forklab-worker"), "{text}");
    assert!(!text.contains("process tree of") && !text.contains("listens on"), "{text}");
    let (status, text, stderr) = run(&tag, &[&["--lang", "zh", "watch", "--fire", "6", "--"][..], &serve[..]].concat());
    assert!(status.success(), "{text}\n{stderr}");
    assert!(text.contains("发起了 6 个连接：6 个已服务（6 个已归属，0 个未归属），0 个失败"), "{text}");
    let (status, json, stderr) =
        run(&tag, &[&["--lang", "zh", "watch", "--fire", "6", "--json", "--"][..], &serve[..]].concat());
    assert!(status.success(), "{json}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(json.lines().rfind(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!(report["completed"], 6, "{report}");
    assert_none_left(&tag, Duration::from_secs(5));
}

/// `doctor`'s details are Chinese under `--lang zh`; its `--json` stays English; `bench`'s
/// errors are Chinese.
#[test]
fn doctor_and_bench_speak_chinese() {
    let tag = new_tag();
    let (_, text, _) = run(&tag, &["--lang", "zh", "doctor"]);
    let fork = text.lines().find(|l| l.contains(" fork ")).unwrap_or_else(|| panic!("{text}"));
    assert!(fork.contains("fork 出 pid") && fork.contains("退出码 7"), "{text}");
    assert!(text.contains("stdin 和 stdout 都不是终端"), "{text}");
    let (_, json, _) = run(&tag, &["--lang", "zh", "doctor", "--json"]);
    assert!(!has_cjk(&json), "{json}");
    assert!(json.contains("waitpid reported exit code 7"), "{json}");
    // With nothing on PATH: strace and node are missing, and doctor says so in Chinese.
    let empty = TempDir::new("empty-path");
    let out = forklab(&tag).env("PATH", &empty.0).args(["--lang", "zh", "doctor"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PATH 上没有 strace"), "{text}");
    assert!(text.contains("PATH 上没有 `node`") && text.contains("apt-get install nodejs"), "{text}");
    let (status, _, stderr) = run(&tag, &["--lang", "zh", "bench", "--mode", "bogus"]);
    assert!(!status.success());
    assert!(stderr.contains("未知的 accept 模式 `bogus`"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// Two Latin words in a row outside '…' quotes and <…>/[…] placeholders: English prose.
fn english_prose(line: &str) -> bool {
    let mut plain = String::new();
    let mut quoted = false;
    for c in line.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted {
            plain.push(c);
        }
    }
    let mut run = 0;
    for w in plain.split(|c: char| c.is_whitespace() || ",:;()".contains(c)) {
        if w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic()) && w != "forklab" {
            run += 1;
            if run >= 2 {
                return true;
            }
        } else if !w.is_empty() {
            run = 0;
        }
    }
    false
}

/// `--help` under a Chinese locale, and a subcommand's under `--lang zh`, are Chinese (clap's
/// headings too), exit 0; English is clap's own.
#[test]
fn the_help_is_chinese() {
    let tag = new_tag();
    let mut c = forklab(&tag);
    c.env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", "zh_CN.UTF-8");
    let out = c.arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        help.contains("用法：forklab [选项] [命令]") && help.contains("命令:") && help.contains("显示帮助"),
        "{help}"
    );
    assert!(help.contains("在终端界面中打开一节课"), "{help}");
    let (status, play, _) = run(&tag, &["--lang", "zh", "play", "--help"]);
    assert!(status.success());
    assert!(play.contains("用法：forklab play [选项] <课程>") && play.contains("每行一个 JSON 对象"), "{play}");
    for line in help.lines().chain(play.lines()) {
        assert!(!english_prose(line), "English in the Chinese help: {line}");
    }
    let (status, en, _) = run(&tag, &["--lang", "en", "--help"]);
    assert!(status.success() && en.contains("Usage: forklab [OPTIONS] [COMMAND]"), "{en}");
}

/// A usage error under `--lang zh` is Chinese and exits 2, as clap's does; English is clap's.
#[test]
fn an_argument_error_is_chinese_and_exits_2() {
    let tag = new_tag();
    let (status, out, err) = run(&tag, &["--lang", "zh", "plya"]);
    assert_eq!(status.code(), Some(2), "{out}{err}");
    assert!(err.starts_with("错误：没有子命令 'plya'") && err.contains("'play'"), "{err}");
    let (status, _, err2) = run(&tag, &["--lang", "zh", "serve", "--workers", "100"]);
    assert_eq!(status.code(), Some(2));
    assert!(err2.contains("'100' 不是 '--workers <WORKERS>' 的有效值") && err2.contains("不在 1..=64 之内"), "{err2}");
    for line in err.lines().chain(err2.lines()) {
        assert!(!english_prose(line), "English in the Chinese error: {line}");
    }
    let (status, _, en) = run(&tag, &["--lang", "en", "plya"]);
    assert_eq!(status.code(), Some(2));
    assert!(en.starts_with("error: unrecognized subcommand 'plya'"), "{en}");
}

/// A global option given to a subcommand it does nothing in is a usage error (exit 2) naming
/// both, in either language, before anything starts; where it acts it still runs.
#[test]
fn an_option_that_does_nothing_there_is_refused_in_both_languages() {
    let tag = new_tag();
    let (status, out, err) = run(&tag, &["--lang", "en", "watch", "--seed", "3", "--", "sleep", "30"]);
    assert_eq!(status.code(), Some(2), "{out}{err}");
    assert!(err.starts_with("error: --seed has no effect on watch") && err.contains("Usage: forklab watch"), "{err}");
    let (status, out, err) = run(&tag, &["--lang", "zh", "--lessons", "/nonexistent", "doctor"]);
    assert_eq!(status.code(), Some(2), "{out}{err}");
    assert!(err.starts_with("错误：--lessons 对 doctor 不起作用") && err.contains("用法：forklab doctor"), "{err}");
    for line in err.lines() {
        assert!(!english_prose(line), "English in the Chinese error: {line}");
    }
    assert_none_left(&tag, Duration::from_secs(2));
    // Where it acts, it is taken: list reads the lessons of --lessons (none there).
    let (status, out, err) = run(&tag, &["--lang", "en", "list", "--lessons", "/nonexistent"]);
    assert_eq!(status.code(), Some(1), "{out}{err}");
    assert!(err.contains("/nonexistent") && !err.contains("no effect"), "{err}");
}

#[test]
fn the_prose_check_sees_english() {
    assert!(english_prose("error: unrecognized subcommand 'plya'"));
    assert!(!english_prose("错误：没有子命令 'plya'"));
    assert!(!english_prose("用法：forklab play [选项] <课程>"));
}

/// The daemon's lines come from the daemon and the master themselves (forks and re-execs of
/// forklab): started by a Chinese app, they speak Chinese; by an English one, or under
/// `--json`, English, word for word as before.
#[test]
fn the_daemon_and_the_master_speak_the_language_of_the_app() {
    let tag = new_tag();
    // `    daemon pid 123    step: detail`, as `play` prints the daemon's events.
    let details = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.trim_start().starts_with("daemon pid"))
            .filter_map(|l| l.split_once(": ").map(|(_, d)| d.to_string()))
            .collect()
    };
    let (status, text, stderr) = run(&tag, &["--lang", "zh", "play", "daemon"]);
    assert!(status.success(), "{text}\n{stderr}");
    let zh = details(&text);
    // fork, setsid, fork-again, umask, chdir, close-fds, stdio, pidfile, and the lines on fd 1.
    assert!(zh.len() >= 12, "{text}");
    for d in &zh {
        assert!(has_cjk(d), "an English daemon line under --lang zh: {d}");
    }
    for english in ["wrote", "forked", "pipe the master reads", "while the daemon lives", "point at", "session"] {
        assert!(!zh.iter().any(|d| d.contains(english)), "`{english}` in {zh:?}");
    }
    assert!(zh.iter().any(|d| d.contains("\"close-fds 完成\"") && d.contains("1 号文件描述符")), "{zh:?}");
    assert!(zh.iter().any(|d| d.contains("setsid() 建立了会话")), "{zh:?}");
    assert!(zh.iter().any(|d| d.contains("守护进程活着时一直持有它的 flock(2) 锁")), "{zh:?}");

    let (status, text, stderr) = run(&tag, &["--lang", "en", "play", "daemon"]);
    assert!(status.success(), "{text}\n{stderr}");
    let en = details(&text);
    assert_eq!(en.len(), zh.len(), "{text}");
    assert!(!en.iter().any(|d| has_cjk(d)), "{en:?}");
    assert!(en.iter().any(|d| d == "wrote \"close-fds done\" to its fd 1, a pipe the master reads"), "{en:?}");
    assert!(en.iter().any(|d| d.ends_with(", flock(2)-locked while the daemon lives")), "{en:?}");

    // `--json` is an interface: English details whatever the language, the pidfile a field.
    let (status, json, _) = run(&tag, &["--lang", "zh", "play", "daemon", "--json"]);
    assert!(played(status, &json), "{json}");
    let daemon: Vec<serde_json::Value> = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == "daemon")
        .collect();
    assert_eq!(daemon.len(), zh.len(), "{json}");
    assert!(!daemon.iter().any(|v| has_cjk(v["detail"].as_str().unwrap_or(""))), "{daemon:?}");
    let pidfile = daemon.iter().find(|v| v["step"] == "pidfile").and_then(|v| v["pidfile"].as_str());
    assert!(pidfile.is_some_and(|p| p.ends_with("/daemon.pid")), "{daemon:?}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// An error the master itself sends (`daemon setsid` before `daemon fork`) is Chinese under
/// `--lang zh`, English under `--lang en`.
#[test]
fn an_error_of_the_master_is_reported_in_chinese() {
    let tag = new_tag();
    let dir = lesson_dir("zh-master", "<!-- do: daemon setsid -->\n");
    let (status, stdout, stderr) = run(&tag, &["--lang", "zh", "--lessons", dir.path(), "play", "x"]);
    assert!(!status.success(), "{stdout}");
    assert!(stdout.contains("错误：还没有守护进程；要先做 `daemon fork`"), "{stdout}");
    assert!(stderr.contains("x.md:11:") && stderr.contains("还没有守护进程"), "{stderr}");
    assert!(!format!("{stdout}{stderr}").contains("no daemon yet"), "{stdout}{stderr}");
    let (status, stdout, stderr) = run(&tag, &["--lang", "en", "--lessons", dir.path(), "play", "x"]);
    assert!(!status.success(), "{stdout}");
    assert!(stderr.contains("no daemon yet; `daemon fork` comes first") && !has_cjk(&stderr), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// The workers' acknowledgements and what they say they received, shown in the ipc pane and
/// the transcript, are Chinese; the lesson still passes, since the app waits on what an ack
/// answers, not on its words.
#[test]
fn the_workers_messages_are_reported_in_chinese() {
    let tag = new_tag();
    let (status, text, stderr) = run(&tag, &["--lang", "zh", "play", "ipc"]);
    assert!(status.success(), "{text}\n{stderr}");
    assert!(text.contains("收到一条来自 master 的消息") && text.contains("确认（收到 master 的消息）"), "{text}");
    assert!(text.contains("由 W1 转来") && text.contains("句柄已收到"), "{text}");
    for english in ["ack (", "a note from", "relayed from", "handle received", "please send to"] {
        assert!(!text.contains(english), "`{english}` in {text}");
    }
    let (status, text, _) = run(&tag, &["--lang", "en", "play", "ipc"]);
    assert!(status.success(), "{text}");
    assert!(text.contains("ack (note from master)") && text.contains("received a note from master"), "{text}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// The lessons whose runner waits on the workers' acknowledgements (backlog's listen, zombie's
/// parent death, shutdown's drain and cut) pass in Chinese too: the runner reads what an ack
/// answers (`AckOf`), never the ack's words, which are in the language the roles speak.
#[test]
fn lessons_that_wait_on_acks_pass_in_chinese() {
    let tag = new_tag();
    for id in ["backlog", "zombie", "shutdown"] {
        let (status, text, stderr) = run(&tag, &["--lang", "zh", "play", id]);
        assert!(status.success(), "{id}:\n{text}\n{stderr}");
        assert!(text.contains("个 `expect` 成立，0 个失败"), "{id}:\n{text}");
        assert!(text.contains("确认"), "{id}: no acknowledgement shown\n{text}");
    }
    assert_none_left(&tag, Duration::from_secs(2));
}
