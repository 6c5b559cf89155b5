//! The crate's source files, read as text: every `.rs` under `src/`, walked once here for the
//! tests that read the code (tests/layout.rs, tests/catalogue.rs).

use std::path::{Path, PathBuf};

pub struct SourceFile {
    pub path: PathBuf,
    /// `src/lesson/run/mod.rs`, as the tests name a file.
    pub rel: String,
    /// The module path: `src/lesson/run.rs` is ["lesson", "run"], `src/lesson/mod.rs` ["lesson"].
    pub module: Vec<String>,
    pub text: String,
    /// A file that is itself only compiled for tests (`#[cfg(test)] mod fuzz;` names it).
    pub test_only: bool,
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `src/`, in path order.
pub fn rust_sources() -> Vec<SourceFile> {
    let src = root().join("src");
    let mut out = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel_src = path.strip_prefix(&src).unwrap().with_extension("");
                let mut module: Vec<String> = rel_src.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if module.last().is_some_and(|m| m == "mod" || m == "main") {
                    module.pop();
                }
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let rel = path.strip_prefix(root()).unwrap().display().to_string();
                out.push(SourceFile { path, rel, module, text, test_only: false });
            }
        }
    }
    let test_only: Vec<Vec<String>> = out
        .iter()
        .flat_map(|s| test_modules(&s.text).into_iter().map(|m| [s.module.clone(), vec![m]].concat()))
        .collect();
    for s in &mut out {
        s.test_only = test_only.contains(&s.module);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The modules a file declares for tests only, in files of their own: `#[cfg(test)] mod x;`.
fn test_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]\n") {
        let after = rest[i + "#[cfg(test)]\n".len()..].trim_start_matches("pub(crate) ").trim_start_matches("pub ");
        let Some(after) = after.strip_prefix("mod ") else {
            rest = &rest[i + 1..];
            continue;
        };
        if let Some(name) = after.split(';').next().filter(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_')) {
            found.push(name.to_string());
        }
        rest = after;
    }
    found
}

/// The file without its `#[cfg(test)] mod tests { … }` tail.
pub fn without_test_tail(text: &str) -> &str {
    match text.find("\n#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    }
}
