//! `--record FILE.cast`: what forklab writes to the terminal, as an asciicast v2 file
//! (https://docs.asciinema.org/manual/asciicast/v2/) that `asciinema play` replays.
//!
//! The terminal's writer is a `Tee`: every frame goes to the terminal and, when it is
//! flushed, to the file as one `"o"` event. Each step adds an `"m"` marker with its title.
//! Times count from the start of the recording; the header carries no wall-clock timestamp,
//! so two recordings of one lesson differ only where the processes did.

use anyhow::{Context, Result};
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub struct Cast {
    out: BufWriter<File>,
    start: Instant,
    /// The time of the last event: asciicast times must not go backwards.
    last: f64,
    path: std::path::PathBuf,
}

impl Cast {
    pub fn create(path: &Path, size: (u16, u16), title: &str, command: &str) -> Result<Cast> {
        let file = File::create(path).with_context(|| tr!("cast-creating", path = path.display().to_string()))?;
        let mut out = BufWriter::new(file);
        let header = json!({
            "version": 2,
            "width": size.0,
            "height": size.1,
            "title": title,
            "command": command,
            "env": { "TERM": std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into()), "SHELL": "" },
        });
        // Written through now, not at the end: a file that cannot be written (`/dev/full`, a
        // full disk) is named before the lesson starts, not after it.
        writeln!(out, "{header}")
            .and_then(|()| out.flush())
            .with_context(|| tr!("cast-writing", path = path.display().to_string()))?;
        Ok(Cast { out, start: Instant::now(), last: 0.0, path: path.to_path_buf() })
    }

    fn at(&mut self) -> f64 {
        // Microsecond resolution, as asciinema writes it.
        let t = (self.start.elapsed().as_micros() as f64 / 1e6).max(self.last);
        self.last = t;
        t
    }

    fn event(&mut self, kind: &str, data: &str) {
        let t = self.at();
        // A recording that cannot be written must not take the lesson down with it.
        let _ = writeln!(self.out, "{}", json!([t, kind, data]));
    }

    pub fn output(&mut self, bytes: &[u8]) {
        self.event("o", &String::from_utf8_lossy(bytes));
    }

    pub fn marker(&mut self, label: &str) {
        self.event("m", label);
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.event("r", &format!("{w}x{h}"));
    }

    pub fn finish(&mut self) -> Result<()> {
        self.out.flush().with_context(|| tr!("cast-writing", path = self.path.display().to_string()))
    }
}

/// The terminal's writer: stdout, and the recording when there is one.
pub struct Tee {
    out: std::io::Stdout,
    cast: Option<Arc<Mutex<Cast>>>,
    pending: Vec<u8>,
}

impl Tee {
    pub fn new(cast: Option<Arc<Mutex<Cast>>>) -> Tee {
        Tee { out: std::io::stdout(), cast, pending: Vec::new() }
    }
}

/// The recording of one lesson screen session (`--record`), or none: the writer the terminal
/// draws through, a marker when a step starts, the terminal's resizes, the file finished.
pub struct Recorder {
    cast: Option<Arc<Mutex<Cast>>>,
    /// The frame has a fixed size (`--size`): the terminal's resizes do not change it.
    fixed: bool,
    /// Steps run when the last marker was written.
    ran: usize,
}

impl Recorder {
    pub fn create(path: Option<&Path>, size: (u16, u16), fixed: bool, title: &str, command: &str) -> Result<Recorder> {
        let cast = match path {
            Some(path) => Some(Arc::new(Mutex::new(Cast::create(path, size, title, command)?))),
            None => None,
        };
        Ok(Recorder { cast, fixed, ran: 0 })
    }

    /// The terminal's writer: stdout, and this recording.
    pub fn tee(&self) -> Tee {
        Tee::new(self.cast.clone())
    }

    /// Before each frame: a marker with the step's title when a step has just started.
    pub fn frame(&mut self, app: &super::app::App) {
        let super::app::Screen::Lesson(v) = &app.screen else {
            self.ran = 0;
            return;
        };
        let ran = v.steps.ran;
        if ran <= self.ran {
            self.ran = ran;
            return;
        }
        self.ran = ran;
        if let (Some(cast), Some(step)) = (&self.cast, app.lessons[v.index].steps.get(ran - 1))
            && let Ok(mut c) = cast.lock()
        {
            c.marker(&tr!("cast-marker", n = ran, title = step.title.as_str()));
        }
    }

    /// The terminal was resized to `w`x`h`.
    pub fn resize(&self, w: u16, h: u16) {
        if let (Some(cast), false) = (&self.cast, self.fixed)
            && let Ok(mut c) = cast.lock()
        {
            c.resize(w, h);
        }
    }

    pub fn finish(&self) -> Result<()> {
        if let Some(cast) = &self.cast
            && let Ok(mut c) = cast.lock()
        {
            c.finish()?;
        }
        Ok(())
    }
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.cast.is_some() {
            self.pending.extend_from_slice(buf);
        }
        self.out.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if let Some(cast) = &self.cast
            && !self.pending.is_empty()
        {
            if let Ok(mut c) = cast.lock() {
                c.output(&self.pending);
            }
            self.pending.clear();
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cast_is_a_header_then_events_in_time_order() {
        let dir = std::env::temp_dir().join(format!("forklab-cast-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.cast");
        let mut c = Cast::create(&path, (100, 30), "forklab · fork", "forklab open fork").unwrap();
        c.output(b"\x1b[1;1Hhello \xe2\x94\x80");
        c.marker("step 1: fork()");
        c.resize(120, 40);
        c.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["version"], 2);
        assert_eq!(lines[0]["width"], 100);
        assert_eq!(lines[0]["height"], 30);
        assert_eq!(lines[1][1], "o");
        assert_eq!(lines[1][2], "\u{1b}[1;1Hhello ─");
        assert_eq!(lines[2][1], "m");
        assert_eq!(lines[2][2], "step 1: fork()");
        assert_eq!(lines[3][2], "120x40");
        let times: Vec<f64> = lines[1..].iter().map(|l| l[0].as_f64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }
}
