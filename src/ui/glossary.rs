//! The glossary: each Node API the course names, beside the system calls underneath it.
//! Only what /work's FACTS.md or Node's and libuv's source support; the API and the calls are
//! the same in every language, the note under them comes from the catalogue. docs/glossary.md
//! says the same in both languages (a test keeps it in step with this table).

/// The entries, each a catalogue key: `<key>-api` is the Node API, `<key>-calls` the system
/// calls under it (code names, the same in both languages but for the words beside them, like
/// "(cluster worker)"), and `<key>` the note.
pub const ENTRIES: &[&str] = &[
    "glossary-fork",
    "glossary-send-handle",
    "glossary-worker-listen",
    "glossary-listen",
    "glossary-rr",
    "glossary-sched-none",
    "glossary-reuseport",
    "glossary-exit",
    "glossary-kill",
    "glossary-detached",
];

/// One entry in the language in use: the API, the calls under it, the note.
fn entry(lang: crate::i18n::Lang, key: &str) -> (String, String, String) {
    let tr = |k: &str| crate::i18n::tr_args(lang, k, &[]);
    (tr(&format!("{key}-api")), tr(&format!("{key}-calls")), tr(key))
}

/// The glossary as lines of text: the API, the calls under it, the note indented below.
pub fn lines() -> Vec<(String, String, String)> {
    ENTRIES.iter().map(|key| entry(crate::i18n::current(), key)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_docs_glossary_names_every_entry_in_both_languages() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/glossary.md")).unwrap();
        let (en, zh) = doc.split_once("## 中文").expect("docs/glossary.md has its Chinese half");
        for key in ENTRIES {
            for (lang, half) in [(Lang::En, en), (Lang::Zh, zh)] {
                let (api, calls, note) = entry(lang, key);
                for (text, what) in [(&api, "-api"), (&calls, "-calls"), (&note, "")] {
                    assert!(!text.starts_with("glossary-"), "{key}{what} is not in the {lang:?} catalogue");
                }
                let row = format!("| `{api}` | {calls} | {note} |");
                assert!(half.contains(&row), "docs/glossary.md's {lang:?} half lacks\n{row}");
            }
        }
    }
}
