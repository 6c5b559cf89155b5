//! Where the lesson screen is, for `forklab notes` in another terminal: the current-step file
//! in the runtime dir, written whenever the page changes and removed on the way out. The only
//! file the lesson screen writes while it runs; update and drawing never touch files.

use super::app::{App, Screen};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

#[derive(Default)]
pub(crate) struct NotesPublisher {
    published: Option<(String, usize)>,
    wrote: bool,
}

impl NotesPublisher {
    /// Best effort: notes are an aid, so a runtime dir that cannot be written is not an error.
    pub fn publish(&mut self, app: &App) {
        let now = match &app.screen {
            Screen::Lesson(v) => Some((app.lessons[v.index].id.clone(), v.steps.page)),
            Screen::Picker { .. } => None,
        };
        if now == self.published {
            return;
        }
        self.published = now.clone();
        let Ok(dir) = crate::sys::rundir::ensure() else { return };
        let path = crate::sys::rundir::current_step();
        let text = match now {
            Some((lesson, page)) => serde_json::json!({ "lesson": lesson, "page": page, "pid": std::process::id() }),
            None => serde_json::json!({ "lesson": null, "page": 0, "pid": std::process::id() }),
        };
        // Written whole, then renamed into place, so `notes` never reads half a file; the
        // temporary file is created new (O_EXCL), private to the user.
        let tmp = dir.join(format!(".current-step.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(text.to_string().as_bytes()));
        if written.is_ok() && std::fs::rename(&tmp, &path).is_ok() {
            self.wrote = true;
        }
    }

    /// On the way out: the notes window should not follow a lesson screen that is gone.
    pub fn clear(&self) {
        if self.wrote {
            let _ = std::fs::remove_file(crate::sys::rundir::current_step());
        }
    }
}
