//! Embeds every `lessons/*.md` and `lessons/zh/*.md` (and the Node programs, `lessons/node/*.js`) in the binary, so forklab runs with no files beside it.
//!
//! Writes `$OUT_DIR/lessons.rs` with one `(stem, include_str!(absolute path))` pair per
//! lesson, sorted by file name. The lessons are parsed at run time by `lesson::embedded`
//! (and checked by its unit tests), not here: a build script cannot use the crate's own
//! modules, and a lesson error reads better as the parser's `file:line: message`.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() -> Result<(), Box<dyn Error>> {
    // A directory here makes cargo rerun this script when any file in it changes or is
    // added; with no `lessons/` yet, cargo reruns it on every build, which costs nothing.
    println!("cargo:rerun-if-changed=lessons");

    println!("cargo:rerun-if-changed=lessons/zh");
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR")?).join("lessons");
    let mut source = String::new();
    // The English lessons, and their Chinese versions (`lessons/zh/<id>.md`), if any.
    for (name, dir) in [("EMBEDDED", dir.clone()), ("EMBEDDED_ZH", dir.join("zh"))] {
        writeln!(source, "pub const {name}: &[(&str, &str)] = &[")?;
        for path in lesson_files(&dir)? {
            let stem = path.file_stem().and_then(|s| s.to_str());
            let (Some(stem), Some(full)) = (stem, path.to_str()) else {
                return Err(format!("lesson path `{}` is not utf-8", path.display()).into());
            };
            // `{:?}` writes a valid Rust string literal, escaping quotes and backslashes.
            writeln!(source, "    ({stem:?}, include_str!({full:?})),")?;
        }
        source.push_str("];\n");
    }

    let out = Path::new(&env::var("OUT_DIR")?).join("lessons.rs");
    fs::write(&out, source).map_err(|e| format!("writing `{}`: {e}", out.display()))?;

    // The built-in Node programs (`lessons/node/*.js`), by file name, for `do: node NAME`.
    let mut source = String::from("pub const NODE_PROGRAMS: &[(&str, &str)] = &[\n");
    for path in files_ending(&dir.join("node"), "js")? {
        let stem = path.file_stem().and_then(|s| s.to_str());
        let (Some(stem), Some(full)) = (stem, path.to_str()) else {
            return Err(format!("program path `{}` is not utf-8", path.display()).into());
        };
        writeln!(source, "    ({stem:?}, include_str!({full:?})),")?;
    }
    source.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR")?).join("node_programs.rs");
    fs::write(&out, source).map_err(|e| format!("writing `{}`: {e}", out.display()))?;
    Ok(())
}

/// The `*.md` files in `dir`, sorted by file name; none if the directory does not exist.
fn lesson_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    files_ending(dir, "md")
}

/// The `*.EXT` files in `dir`, sorted by file name; none if the directory does not exist.
fn files_ending(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("reading `{}`: {e}", dir.display()).into()),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == ext) && path.is_file() {
            files.push(path);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}
