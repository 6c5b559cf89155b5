//! What forklab writes to a terminal as text. Lesson files and other processes supply much of
//! it (titles, narration, error messages quoting a value), and a terminal obeys any escape
//! sequence it is sent: `ESC ] 0 ; … BEL` retitles the window, `ESC [ 2 J` clears the screen,
//! some sequences answer back as if typed (console_codes(4)). So every text line a command
//! prints goes through `clean`, the one place that turns control characters into text. The
//! lesson screen draws through ratatui, whose buffer drops them itself.

use std::borrow::Cow;
use std::io::Write;

/// `text` with every control character but newline and tab written as a visible escape
/// (`ESC` becomes `\u{1b}`): C0, DEL and C1 (U+0080..U+009F, where U+009B is a CSI of its
/// own for some terminals). Escaped rather than dropped, so the reader sees what is there.
pub fn clean(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An error's text with each `(os error N)` also naming the errno, `(os error 11, EAGAIN)`:
/// the name is what errno(3), the man pages and a search know it by.
pub fn name_errnos(text: &str) -> String {
    const MARK: &str = "(os error ";
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
        let errno = after[..digits].parse().ok().map(nix::errno::Errno::from_raw);
        match errno {
            Some(e) if after[digits..].starts_with(')') && e != nix::errno::Errno::UnknownErrno => {
                out.push_str(&rest[..at + MARK.len() + digits]);
                out.push_str(&format!(", {e:?}"));
                rest = &after[digits..];
            }
            _ => {
                out.push_str(&rest[..at + MARK.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The reader of forklab's stdout went away (`forklab serve | head -1`): not a failure to
/// report, but a reason to stop. `main` ends quietly with 141, as a shell reports a program
/// killed by SIGPIPE, after the command has stopped its processes.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// The exit code for `StdoutClosed`: 128 + SIGPIPE.
pub const STDOUT_CLOSED_CODE: u8 = 128 + libc::SIGPIPE as u8;

/// Print one line of text (cleaned) to stdout. A closed stdout is `StdoutClosed`: Rust ignores
/// SIGPIPE, so the write fails with EPIPE instead of killing forklab before it cleans up.
pub fn println(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", clean(text)).and_then(|()| out.flush()).map_err(closed_or)
}

/// Print a line that is already safe (JSON, whose encoder escapes control characters).
pub fn println_raw(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).map_err(closed_or)
}

/// Whether stdout is a pipe whose reader has gone, found without writing: poll(2) reports
/// POLLERR on the writing end of a pipe with no reader left (pipe(7)). A command that prints
/// only now and then (`serve` between events) checks this, so `serve | head -1` ends when
/// `head` does, not at the next event.
pub fn stdout_gone() -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let stdout = std::io::stdout();
    let mut fds = [PollFd::new(std::os::fd::AsFd::as_fd(&stdout), PollFlags::empty())];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(1))
        && fds[0].revents().is_some_and(|r| r.contains(PollFlags::POLLERR))
}

/// EPIPE becomes `StdoutClosed`; anything else stays an error that says what failed.
pub fn closed_or(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow::Error::new(e).context(tr!("sys-stdout-write"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errnos_are_named_beside_their_numbers() {
        assert_eq!(
            name_errnos("a: Resource temporarily unavailable (os error 11); b (os error 24)"),
            "a: Resource temporarily unavailable (os error 11, EAGAIN); b (os error 24, EMFILE)"
        );
        assert_eq!(name_errnos("(os error x) (os error 99999) (os error"), "(os error x) (os error 99999) (os error");
    }

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        let text = "step 2/4 · fork — the é and ─ stay\n\tindented";
        assert!(matches!(clean(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn every_control_character_but_newline_and_tab_is_escaped() {
        assert_eq!(clean("a\x1b]0;pwned\x07b"), r"a\u{1b}]0;pwned\u{7}b");
        assert_eq!(clean("\x1b[2J\r\x7f\u{9b}31m"), r"\u{1b}[2J\u{d}\u{7f}\u{9b}31m");
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let s = clean(&c.to_string()).into_owned();
            if c == '\n' || c == '\t' {
                assert_eq!(s, c.to_string());
            } else {
                assert!(!s.chars().any(char::is_control), "{c:?} -> {s:?}");
            }
        }
    }
}
