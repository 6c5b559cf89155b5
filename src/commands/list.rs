//! `forklab list`: the lessons, one a line.

use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

pub fn run(lessons_dir: Option<&Path>) -> Result<ExitCode> {
    for l in crate::lesson::lessons(lessons_dir)? {
        crate::sys::term::println(&format!("{:<10} {:<40} {}", l.id, l.title, l.summary))?;
    }
    Ok(ExitCode::SUCCESS)
}
