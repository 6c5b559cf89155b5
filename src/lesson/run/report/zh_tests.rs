//! The transcript's lines in Chinese: a fire's figures, its failures and a Node program's
//! workers read as Chinese, with no English word or ASCII comma among the Chinese; `--json`
//! keeps its English keys and values.

use super::{Info, Report};
use crate::i18n::Lang;
use crate::lesson::run::Fired;
use crate::proto::client::ConnRecord;

fn fired(failed: &[(&str, u64)], p50: f64) -> Report {
    let n: u64 = failed.iter().map(|(_, n)| n).sum();
    let summary = serde_json::from_value(serde_json::json!({
        "done": true, "fired": 20, "completed": 20 - n, "failed": n,
        "errors": failed.iter().map(|(k, n)| (k.to_string(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
        "per_worker": {}, "elapsed_s": 1.0, "conn_per_s": 20.0, "p50_ms": p50, "p99_ms": p50 * 2.0, "max_ms": 1.0
    }))
    .unwrap();
    Report::Fired { mode: "rr".into(), fired: Fired { summary, per_worker: Default::default(), accepted: 0 } }
}

fn in_lang<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    crate::i18n::set(lang);
    let out = f();
    crate::i18n::set(Lang::En);
    out
}

#[test]
fn a_fire_line_is_chinese_with_chinese_punctuation() {
    let r = fired(&[("refused", 18), ("closed_early", 1)], 0.5);
    let zh = in_lang(Lang::Zh, || r.text());
    assert!(zh.contains("20 连接/秒，p50 0.50 ms，p99 1.00 ms"), "{zh}");
    assert!(zh.contains("（1 个提前关闭、18 个被拒绝）"), "{zh}");
    assert!(!zh.contains(", ") && !zh.contains("refused") && !zh.contains("closed_early"), "{zh}");
    let en = in_lang(Lang::En, || r.text());
    assert!(en.ends_with("20 conn/s, p50 0.50 ms, p99 1.00 ms (1 closed_early, 18 refused)"), "{en}");
    // The JSON keeps the kinds' names.
    let json = r.json();
    assert_eq!(json["errors"]["closed_early"], 1, "{json}");
}

#[test]
fn failed_connections_and_node_workers_are_listed_in_chinese() {
    let conn = |n: u32, worker: Option<&str>| -> ConnRecord {
        serde_json::from_value(serde_json::json!({"conn": n, "ok": false, "worker": worker, "error": "reset", "us": 5}))
            .unwrap()
    };
    let failed = Report::Info(Info::FailedConns(vec![conn(10, Some("W2")), conn(13, None)]));
    let zh = in_lang(Lang::Zh, || failed.text());
    assert!(zh.contains("#10 被重置（最后由 W2 处理）、#13 被重置"), "{zh}");
    let en = in_lang(Lang::En, || failed.text());
    assert!(en.contains("#10 reset (last served by W2), #13 reset"), "{en}");
    let node = Report::Info(Info::Node {
        program: "cluster".into(),
        sched: "rr".into(),
        port: 8090,
        primary: 7,
        workers: vec![("W1".into(), 8), ("W2".into(), 9)],
    });
    let zh = in_lang(Lang::Zh, || node.text());
    assert!(zh.contains("W1 pid 8、W2 pid 9"), "{zh}");
}

/// A checked expect's detail sits in Chinese brackets in Chinese, in ASCII ones in English.
#[test]
fn an_expect_detail_is_in_chinese_brackets() {
    let r = Report::Expect { text: "expect: sticky".into(), passed: true, detail: "4 个连接中有 4 个".into() };
    let zh = in_lang(Lang::Zh, || r.text());
    assert!(zh.ends_with("expect: sticky （4 个连接中有 4 个）"), "{zh}");
    let r = Report::Expect { text: "expect: sticky".into(), passed: true, detail: "4 of 4".into() };
    let en = in_lang(Lang::En, || r.text());
    assert!(en.ends_with("expect: sticky  (4 of 4)"), "{en}");
}
