//! Idle keep-alive connections for a rolling restart to drain: each sends one request, reads
//! its whole reply (so a worker holds it) and then waits, as a browser's spare connection does.
//! After the restart each is read once more: a graceful close is an end of file (FIN), not a
//! reset.

use anyhow::{Context, Result, bail};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How the idle connections ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdleEnd {
    /// Closed with an end of file: the worker closed it.
    pub graceful: usize,
    /// Reset (ECONNRESET), or failed otherwise.
    pub reset: usize,
    /// Still open when read.
    pub open: usize,
}

/// Open `n` keep-alive connections to the pool on `port`, each served one request.
pub fn open(port: u16, n: usize) -> Result<Vec<TcpStream>> {
    (0..n)
        .map(|i| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).with_context(|| tr!("run-connecting-idle"))?;
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            write!(s, "GET /idle/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")?;
            read_reply(&mut s)?;
            Ok(s)
        })
        .collect()
}

/// Read one whole reply: its head, then Content-Length bytes of body.
fn read_reply(s: &mut TcpStream) -> Result<()> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = s.read(&mut buf).with_context(|| tr!("run-reading-idle-reply"))?;
        if n == 0 {
            bail!(tr!("run-reply-cut"));
        }
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = (text[..end].lines())
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                return Ok(());
            }
        }
    }
}

/// Read each connection once, waiting up to `wait` in all: how did each end? The wait is
/// read in slices of 50 ms, so that a quit signal or the learner leaving (`stop`) ends it at
/// once: what is not read by then counts as still open.
pub fn ended(conns: Vec<TcpStream>, wait: Duration, stop: &crate::lab::Stop) -> IdleEnd {
    let mut end = IdleEnd::default();
    let deadline = std::time::Instant::now() + wait;
    for mut s in conns {
        let mut buf = [0u8; 256];
        let got = loop {
            // A zero timeout means none to set_read_timeout: wait at least a millisecond.
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let _ = s.set_read_timeout(Some(left.clamp(Duration::from_millis(1), Duration::from_millis(50))));
            match s.read(&mut buf) {
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if left.is_zero() || stop.is_closed() {
                        break Err(e);
                    }
                }
                other => break other,
            }
        };
        match got {
            Ok(0) => end.graceful += 1,
            Ok(_) => end.open += 1,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => end.open += 1,
            Err(_) => end.reset += 1,
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_ends_the_wait_for_connections_that_stay_open() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let conn = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (_held, _) = listener.accept().unwrap();
        let started = std::time::Instant::now();
        let end = ended(vec![conn], Duration::from_secs(30), &crate::lab::Stop::abandoned());
        assert_eq!(end, IdleEnd { open: 1, ..IdleEnd::default() });
        assert!(started.elapsed() < Duration::from_secs(10), "waited {:?}", started.elapsed());
    }
}
