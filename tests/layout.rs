//! The layout stays the way README's "How it is built" draws it: imports run one way between
//! the top-level modules (`sys ← proto ← roles`, `sys/proto ← lab ← lesson ← ui ← commands ←
//! main`, and `i18n` under all of them), no two sibling files import each other in a ring, no file has more than 900 lines of
//! non-test code, and no function is longer than 120 lines.
//!
//! Read as text, like `duplicates` reads it: a `crate::x::…` or `super::x` path anywhere in a
//! file (a `use` or a path in code) is an import of `x`, and a `tr!(` one of `i18n`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const MAX_FILE_LINES: usize = 900;
const MAX_FN_LINES: usize = 120;

/// The top-level modules from the bottom layer up: a module may import only those before it
/// (and `cli`, the clap types, is imported only by `main` and `commands`).
const LAYERS: &[(&str, &[&str])] = &[
    ("i18n", &[]),
    ("sys", &["i18n"]),
    ("proto", &["sys", "i18n"]),
    ("roles", &["sys", "proto", "i18n"]),
    ("lab", &["sys", "proto", "i18n"]),
    ("lesson", &["sys", "proto", "lab", "i18n"]),
    ("ui", &["sys", "proto", "lab", "lesson", "i18n"]),
    ("cli", &["proto", "ui", "i18n"]),
    ("commands", &["sys", "proto", "lab", "lesson", "ui", "cli", "roles", "i18n"]),
];

mod common;
use common::sources::{SourceFile, rust_sources, without_test_tail};

struct Source {
    /// The module path: `src/lesson/run.rs` is ["lesson", "run"], `src/lesson/mod.rs` ["lesson"].
    module: Vec<String>,
    path: PathBuf,
    /// The file without its `#[cfg(test)] mod tests { … }` tail.
    code: String,
}

/// The files compiled into forklab (a file that is itself only compiled for tests is test
/// code: it may reach across layers and be as long as its cases), without their tests' tail.
fn sources() -> Vec<Source> {
    rust_sources()
        .into_iter()
        .filter(|s| !s.test_only)
        .map(|SourceFile { module, path, text, .. }| Source {
            module,
            path,
            code: without_test_tail(&text).to_string(),
        })
        .collect()
}

/// The names that follow `prefix` in the text: `crate::` gives top-level modules.
fn names_after<'a>(code: &'a str, prefix: &str) -> BTreeSet<&'a str> {
    let mut names = BTreeSet::new();
    for (i, _) in code.match_indices(prefix) {
        let rest = &code[i + prefix.len()..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if end > 0 {
            names.insert(&rest[..end]);
        }
    }
    names
}

/// Lines that are comments are not code: a doc comment may name a module without importing it.
fn without_comments(code: &str) -> String {
    code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_import_only_the_layers_below() {
    let mut wrong = Vec::new();
    for s in sources() {
        let Some(top) = s.module.first() else { continue };
        let Some((_, allowed)) = LAYERS.iter().find(|(name, _)| name == top) else {
            wrong.push(format!("{}: top-level module `{top}` is not in the layer table", s.path.display()));
            continue;
        };
        let code = without_comments(&s.code);
        // `tr!` (the catalogue's macro, exported crate-wide) is a use of `i18n` too.
        let words = code.contains("tr!(").then_some("i18n");
        for used in names_after(&code, "crate::").into_iter().chain(words) {
            if used != top && !allowed.contains(&used) {
                wrong.push(format!("{}: `{top}` imports `crate::{used}`", s.path.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

#[test]
fn no_sibling_files_import_each_other_in_a_ring() {
    // Within each folder: an edge from one file to a sibling it names (`super::x`, or the full
    // `crate::folder::x`). A child using its parent's items is fine, so `mod.rs` is no node.
    let mut graphs: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let all = sources();
    for s in &all {
        let Some((name, parent)) = s.module.split_last() else { continue };
        let siblings: BTreeSet<&str> = all
            .iter()
            .filter(|o| o.module.len() == s.module.len() && o.module.starts_with(parent))
            .map(|o| o.module.last().unwrap().as_str())
            .collect();
        let code = without_comments(&s.code);
        let mut uses = names_after(&code, "super::");
        let full = format!("crate::{}::", parent.join("::"));
        if !parent.is_empty() {
            uses.extend(names_after(&code, &full));
        } else {
            uses.extend(names_after(&code, "crate::"));
        }
        let edges = graphs.entry(parent.to_vec()).or_default().entry(name.clone()).or_default();
        for u in uses {
            if u != name && siblings.contains(u) {
                edges.insert(u.to_string());
            }
        }
    }
    let rings: Vec<String> = graphs
        .iter()
        .filter_map(|(folder, g)| find_cycle(g).map(|c| format!("src/{}: {}", folder.join("/"), c.join(" → "))))
        .collect();
    assert!(rings.is_empty(), "sibling files that import each other in a ring:\n{}", rings.join("\n"));
}
#[test]
fn no_file_is_over_900_lines_of_code() {
    let long: Vec<String> = sources()
        .iter()
        .map(|s| (s.path.display().to_string(), s.code.lines().count()))
        .filter(|(_, n)| *n > MAX_FILE_LINES)
        .map(|(p, n)| format!("{p}: {n} lines"))
        .collect();
    assert!(long.is_empty(), "files over {MAX_FILE_LINES} lines of non-test code:\n{}", long.join("\n"));
}

#[test]
fn no_function_is_over_120_lines() {
    let mut long = Vec::new();
    for s in sources() {
        let lines: Vec<&str> = s.code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn ", "const fn ", "pub const fn "]
                .iter()
                .any(|p| t.starts_with(p));
            if !is_fn || t.ends_with(';') {
                continue;
            }
            // The body ends at the first line after it that closes at the same indentation.
            let indent = line.len() - t.len();
            let close = " ".repeat(indent) + "}";
            if let Some(end) = lines[i + 1..].iter().position(|l| l.starts_with(&close) && l.trim() == "}") {
                let n = end + 2;
                if n > MAX_FN_LINES {
                    let name = t.split('(').next().unwrap_or(t);
                    long.push(format!("{}:{}: `{name}` is {n} lines", s.path.display(), i + 1));
                }
            }
        }
    }
    assert!(long.is_empty(), "functions over {MAX_FN_LINES} lines:\n{}", long.join("\n"));
}
