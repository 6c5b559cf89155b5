//! The lab's events as people read them, in the language in use: the events pane, "what
//! happened", `play`'s transcript and `serve`. The words come from the catalogue (`ev-*`);
//! `proto::Event::text` (test-only) says the same in English, and a test keeps the two
//! identical in English. The free texts an event carries (a daemon's detail, a message's
//! `what`, an error's message) the roles word themselves, in the language the app started
//! them with (`--lang`, see `role_args` in lab/mod.rs).

use crate::proto::{Event, HowListening, StopWhy};

/// One line for people: `W2     pid 1234    killed by SIGKILL`.
pub fn event_text(ev: &Event) -> String {
    let who = format!("{:<6} pid {:<7}", ev.alias(), ev.pid());
    format!("{who} {}", what(ev))
}

/// A failed connection's kind (`refused`, `closed_early`: the `--json` value) in the language
/// in use.
pub fn failure_kind(kind: &str) -> String {
    tr!("fail-kind", kind = kind)
}

fn what(ev: &Event) -> String {
    match ev {
        Event::Spawned { ppid, role, .. } => tr!("ev-spawned", role = role.as_str(), ppid = *ppid),
        Event::Listening { port, fd, inode, how, .. } => {
            let how = match how {
                HowListening::Opened => tr!("ev-how-opened"),
                HowListening::Inherited => tr!("ev-how-inherited"),
                HowListening::Received => tr!("ev-how-received"),
                HowListening::Reuseport => tr!("ev-how-reuseport"),
            };
            tr!("ev-listening", port = *port, fd = *fd, inode = inode.to_string(), how = how)
        }
        Event::FdPassed { to, fd, inode, what, .. } => {
            tr!("ev-fd-passed", what = what.as_str(), fd = *fd, inode = inode.to_string(), to = to.as_str())
        }
        Event::Accepted { n, total, .. } => tr!("ev-accepted", n = *n, total = *total),
        Event::PoolReady { mode, port, workers, .. } => {
            tr!("ev-pool-ready", workers = *workers, mode = mode.to_string(), port = *port)
        }
        Event::PoolStopped { .. } => tr!("ev-pool-stopped"),
        Event::Stats { accepted, requests, empty_wakeups, voluntary_ctxt, .. } => tr!(
            "ev-stats",
            accepted = *accepted,
            requests = *requests,
            empty = *empty_wakeups,
            voluntary = *voluntary_ctxt
        ),
        Event::Exited { code, signal, core_dumped, .. } => match (code, signal) {
            (Some(c), _) => tr!("ev-exited-code", code = *c),
            (None, Some(s)) if *core_dumped => tr!("ev-killed-core", signal = s.as_str()),
            (None, Some(s)) => tr!("ev-killed", signal = s.as_str()),
            (None, None) => tr!("ev-exited"),
        },
        Event::Respawning { delay_ms: 0, restarts: 0, .. } => tr!("ev-respawning-now"),
        Event::Respawning { delay_ms, restarts, .. } => tr!("ev-respawning", delay = *delay_ms, restarts = *restarts),
        Event::GaveUp { restarts, .. } => tr!("ev-gave-up", restarts = *restarts),
        Event::Signaled { signal, by, why: None, .. } => tr!("ev-signaled", signal = signal.as_str(), by = by.as_str()),
        // The why is a code the master sends (its English is the `--json` value), worded here.
        Event::Signaled { signal, by, why: Some(why), .. } => {
            let why = match why {
                StopWhy::BlockedInAccept => tr!("why-blocked-in-accept"),
                StopWhy::ChannelRefused => tr!("why-channel-refused"),
            };
            format!("{}: {why}", tr!("ev-signaled", signal = signal.as_str(), by = by.as_str()))
        }
        Event::Error { message, .. } => tr!("ev-error", message = message.as_str()),
        Event::CrashOrdered { how, open_conns, .. } => tr!("ev-crash-ordered", how = how.as_str(), open = *open_conns),
        Event::Hung { silent_ms, .. } => tr!("ev-hung", ms = *silent_ms),
        Event::Message { from, to, what, bytes, fds, rtt_us, .. } => {
            let rtt = rtt_us.map(|us| tr!("ev-round-trip", us = us)).unwrap_or_default();
            tr!(
                "ev-message",
                from = from.as_str(),
                to = to.as_str(),
                what = what.as_str(),
                bytes = *bytes,
                fds = *fds,
                rtt = rtt
            )
        }
        Event::HandleGot { fd, inode, .. } => tr!("ev-handle-got", fd = *fd, inode = inode.to_string()),
        Event::WorkerReady { .. } => tr!("ev-worker-ready"),
        Event::Retiring { replaced_by, .. } => tr!("ev-retiring", by = replaced_by.as_str()),
        Event::Rolled { replaced, .. } => tr!("ev-rolled", replaced = *replaced),
        Event::Threads { tids, .. } => {
            let list: Vec<String> = tids.iter().map(|t| t.to_string()).collect();
            tr!("ev-threads", n = tids.len(), tids = list.join(" "))
        }
        Event::WorkDone { threads: 1, ms, .. } => tr!("ev-work-done-one", ms = *ms),
        Event::WorkDone { threads, ms, .. } => tr!("ev-work-done", ms = *ms, threads = *threads),
        Event::Counter { tid, shared, value, .. } => {
            let what = if *shared { tr!("ev-counter-shared") } else { tr!("ev-counter-own") };
            tr!("ev-counter", tid = *tid, what = what, value = value.to_string())
        }
        Event::Daemon { step, detail, .. } => format!("{step}: {detail}"),
        Event::Cost { what, figures, .. } => {
            let figures: Vec<String> = figures.iter().map(|(k, v)| format!("{k} {v}")).collect();
            tr!("ev-cost", what = what.as_str(), figures = crate::i18n::list(&figures))
        }
        Event::Heartbeat { .. } => tr!("ev-heartbeat"),
        Event::Took { .. } => tr!("ev-took"),
        Event::Pong { seq, .. } => tr!("ev-pong", seq = *seq),
        Event::Ack { what, .. } => tr!("ev-ack", what = what.as_str()),
        Event::RelayOut { to, .. } => tr!("ev-relay-out", to = to.as_str()),
        Event::Reaped { signals, children, .. } => tr!("ev-reaped", signals = *signals, children = *children),
        Event::Received { what, bytes, fds, .. } => {
            tr!("ev-received", what = what.as_str(), bytes = *bytes, fds = *fds)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::proto::mode::Mode;

    fn every_kind() -> Vec<Event> {
        let alias = || "W1".to_string();
        let pid = 1234;
        let mut out = vec![
            Event::Spawned { alias: alias(), pid, ppid: 1, role: "worker".into() },
            Event::FdPassed { alias: alias(), pid, to: "W2".into(), fd: 7, inode: 99, what: "listener".into() },
            Event::Accepted { alias: alias(), pid, n: 1, total: 5 },
            Event::Accepted { alias: alias(), pid, n: 3, total: 5 },
            Event::PoolReady { alias: alias(), pid, mode: Mode::Rr, port: 8090, workers: 4 },
            Event::PoolStopped { alias: alias(), pid },
            Event::Stats {
                alias: alias(),
                pid,
                accepted: 1,
                requests: 2,
                wakeups: 3,
                empty_wakeups: 4,
                voluntary_ctxt: 5,
                nonvoluntary_ctxt: 6,
            },
            Event::Exited { alias: alias(), pid, code: Some(101), signal: None, core_dumped: false },
            Event::Exited { alias: alias(), pid, code: None, signal: Some("SIGSEGV".into()), core_dumped: true },
            Event::Exited { alias: alias(), pid, code: None, signal: Some("SIGKILL".into()), core_dumped: false },
            Event::Exited { alias: alias(), pid, code: None, signal: None, core_dumped: false },
            Event::Respawning { alias: alias(), pid, delay_ms: 0, restarts: 0 },
            Event::Respawning { alias: alias(), pid, delay_ms: 400, restarts: 2 },
            Event::GaveUp { alias: alias(), pid, restarts: 16 },
            Event::Signaled { alias: alias(), pid, signal: "SIGTERM".into(), by: "forklab".into(), why: None },
            Event::Signaled {
                alias: alias(),
                pid,
                signal: "SIGTERM".into(),
                by: "master".into(),
                why: Some(StopWhy::BlockedInAccept),
            },
            Event::Error { alias: alias(), pid, kind: "x".into(), message: "boom".into() },
            Event::CrashOrdered { alias: alias(), pid, how: "segv".into(), open_conns: 3 },
            Event::Hung { alias: alias(), pid, silent_ms: 1500 },
            Event::HandleGot { alias: alias(), pid, fd: 9, inode: 68950465 },
            Event::WorkerReady { alias: alias(), pid },
            Event::Retiring { alias: alias(), pid, replaced_by: "W5".into() },
            Event::Rolled { alias: alias(), pid, replaced: 4 },
            Event::Threads { alias: alias(), pid, tids: vec![1, 2, 3] },
            Event::WorkDone { alias: alias(), pid, threads: 1, ms: 1000 },
            Event::WorkDone { alias: alias(), pid, threads: 2, ms: 1000 },
            Event::Cost { alias: alias(), pid, what: "fork".into(), figures: vec![("us".into(), 120)] },
            Event::Counter { alias: alias(), pid, tid: 5, shared: true, value: 2_000_000 },
            Event::Counter { alias: alias(), pid, tid: 5, shared: false, value: 1_000_000 },
            Event::Daemon { alias: alias(), pid, step: "setsid".into(), detail: "sid 1234".into(), pidfile: None },
            Event::Heartbeat { alias: alias(), pid },
            Event::Took { alias: alias(), pid },
            Event::Pong { alias: alias(), pid, seq: 3 },
            Event::Ack { alias: alias(), pid, of: crate::proto::AckOf::Note, what: "reload".into() },
            Event::RelayOut { alias: alias(), pid, to: "W2".into(), text: "hi".into() },
            Event::Reaped { alias: alias(), pid, signals: 1, children: 1 },
            Event::Reaped { alias: alias(), pid, signals: 1, children: 2 },
            Event::Received {
                alias: alias(),
                pid,
                from: "master".into(),
                cmd: "handle".into(),
                what: "a handle".into(),
                bytes: 1,
                fds: 1,
            },
        ];
        for how in [HowListening::Opened, HowListening::Inherited, HowListening::Received, HowListening::Reuseport] {
            out.push(Event::Listening { alias: alias(), pid, port: 8090, fd: 6, inode: 68950465, how });
        }
        for rtt_us in [None, Some(85)] {
            out.push(Event::Message {
                alias: alias(),
                pid,
                from: "master".into(),
                to: "W1".into(),
                what: "ping".into(),
                bytes: 12,
                fds: 0,
                rtt_us,
                ack: None,
            });
        }
        out
    }

    /// In English the catalogue says exactly what `Event::text` says; in Chinese, something
    /// else for every kind but the daemon's step lines (named by their syscalls) and `pong`.
    #[test]
    fn the_catalogue_says_what_the_event_says() {
        crate::i18n::set(Lang::En);
        for ev in every_kind() {
            assert_eq!(event_text(&ev), ev.text());
        }
        crate::i18n::set(Lang::Zh);
        for ev in every_kind().iter().filter(|e| !matches!(e, Event::Daemon { .. } | Event::Pong { .. })) {
            assert_ne!(event_text(ev), ev.text(), "{ev:?}");
        }
        crate::i18n::set(Lang::En);
    }

    /// The master's why is a code: `--json` keeps its English sentence, the screen words it in
    /// the language in use.
    #[test]
    fn the_why_of_a_signal_is_english_in_json_and_worded_on_screen() {
        for why in [StopWhy::BlockedInAccept, StopWhy::ChannelRefused] {
            let ev = Event::Signaled {
                alias: "W1".into(),
                pid: 7,
                signal: "SIGTERM".into(),
                by: "master".into(),
                why: Some(why),
            };
            let json = serde_json::to_value(&ev).unwrap();
            assert_eq!(json["why"], why.english());
            assert_eq!(serde_json::from_value::<Event>(json).unwrap(), ev);
            crate::i18n::set(Lang::En);
            assert!(event_text(&ev).ends_with(why.english()), "{}", event_text(&ev));
            crate::i18n::set(Lang::Zh);
            let zh = event_text(&ev);
            assert!(!zh.contains(why.english()) && zh.contains("进程池") && zh.contains("SIGTERM"), "{zh}");
            crate::i18n::set(Lang::En);
        }
    }

    /// A signal event names the process that received the signal first, and its sender after
    /// "from": "W1 … got SIGTERM from forklab", "收到 forklab 发来的 SIGTERM", the master
    /// named in Chinese too.
    #[test]
    fn a_signal_event_reads_as_received_from_its_sender() {
        let ev = |by: &str| Event::Signaled {
            alias: "W1".into(),
            pid: 7,
            signal: "SIGTERM".into(),
            by: by.into(),
            why: None,
        };
        crate::i18n::set(Lang::En);
        assert!(event_text(&ev("forklab")).ends_with("got SIGTERM from forklab"), "{}", event_text(&ev("forklab")));
        crate::i18n::set(Lang::Zh);
        assert!(event_text(&ev("forklab")).ends_with("收到 forklab 发来的 SIGTERM"), "{}", event_text(&ev("forklab")));
        assert!(event_text(&ev("master")).ends_with("收到主进程发来的 SIGTERM"), "{}", event_text(&ev("master")));
        crate::i18n::set(Lang::En);
    }
}
