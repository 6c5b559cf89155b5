//! The glossary: each Node API the course names, beside the system calls underneath it.
//! Only what /work's FACTS.md or Node's and libuv's source support; the API and the calls are
//! the same in every language, the note under them comes from the catalogue. docs/glossary.md
//! says the same in both languages (a test keeps it in step with this table).

/// (the Node API, the system calls under it, the catalogue key of its note)
pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("child_process.fork(path)", "socketpair + clone + execve", "glossary-fork"),
    ("subprocess.send(msg, handle)", "sendmsg + SCM_RIGHTS", "glossary-send-handle"),
    (
        "server.listen() (cluster worker)",
        "write on the IPC socketpair (a message to the primary)",
        "glossary-worker-listen",
    ),
    ("server.listen() (one process)", "socket + bind + listen, epoll_wait", "glossary-listen"),
    ("cluster SCHED_RR", "accept (primary) + sendmsg + SCM_RIGHTS", "glossary-rr"),
    ("cluster SCHED_NONE", "accept in every worker, epoll", "glossary-sched-none"),
    ("listen({ reusePort: true })", "setsockopt SO_REUSEPORT", "glossary-reuseport"),
    ("worker.on('exit', …)", "SIGCHLD + waitpid", "glossary-exit"),
    ("subprocess.kill(signal)", "kill", "glossary-kill"),
    ("spawn(cmd, { detached: true })", "clone + setsid + execve", "glossary-detached"),
];

/// The glossary as lines of text: the API, the calls under it, the note indented below.
pub fn lines() -> Vec<(String, String, String)> {
    ENTRIES.iter().map(|(api, calls, key)| (api.to_string(), calls.to_string(), tr!(key))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_docs_glossary_names_every_entry_in_both_languages() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/glossary.md")).unwrap();
        for (api, calls, key) in ENTRIES {
            assert!(doc.contains(api), "docs/glossary.md lacks `{api}`");
            assert!(doc.contains(calls), "docs/glossary.md lacks `{calls}`");
            for lang in [Lang::En, Lang::Zh] {
                let note = crate::i18n::tr_args(lang, key, &[]);
                assert_ne!(&note, key, "{key} has no note in {lang:?}");
                assert!(doc.contains(&note), "docs/glossary.md lacks the {lang:?} note of `{api}`: {note}");
            }
        }
    }
}
