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
            let mut s = TcpStream::connect(("127.0.0.1", port)).context("connecting an idle keep-alive connection")?;
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
        let n = s.read(&mut buf).context("reading the reply on an idle connection")?;
        if n == 0 {
            bail!("the connection closed before its reply was whole");
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

/// Read each connection once, waiting up to `wait` in all: how did each end?
pub fn ended(conns: Vec<TcpStream>, wait: Duration) -> IdleEnd {
    let mut end = IdleEnd::default();
    let deadline = std::time::Instant::now() + wait;
    for mut s in conns {
        // A zero timeout means none to set_read_timeout: wait at least a millisecond.
        let left = deadline.saturating_duration_since(std::time::Instant::now()).max(Duration::from_millis(1));
        let _ = s.set_read_timeout(Some(left));
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(0) => end.graceful += 1,
            Ok(_) => end.open += 1,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => end.open += 1,
            Err(_) => end.reset += 1,
        }
    }
    end
}
