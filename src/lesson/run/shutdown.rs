//! The shutdown lesson's directives: connections held open across a worker's end (idle
//! keep-alive ones, and ones waiting for a slow reply), workers told to drain on SIGTERM, and
//! the pool stopped as a supervisor stops a service (SIGTERM, then SIGKILL after a grace).

use super::{Fired, Info, Runner, Transcript, idle};
use crate::proto::client::{ClientSummary, ConnError, ConnRecord};
use crate::proto::{AckOf, Cmd, Event, role};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Connections a `hold` opened, until `wait hold` reads how they ended.
pub(super) struct Holding {
    idle: Vec<TcpStream>,
    /// Each slow request's connection, and when its request was sent.
    slow: Vec<(TcpStream, Instant)>,
    ms: u32,
    /// The pool's mode when they were opened (a `stop` may end the pool before `wait hold`).
    mode: &'static str,
}

impl Runner {
    /// `drain ms=N`: every worker acknowledges that SIGTERM now drains it.
    pub(super) fn drain(&mut self, ms: u32, out: &mut Transcript) -> Result<()> {
        anyhow::ensure!(self.pool()?.mode != crate::proto::mode::Mode::Blocking, tr!("run-drain-blocking"));
        let workers = self.seen.pids.keys().filter(|a| a.starts_with('W')).count();
        self.lab.send(&Cmd::Drain { ms })?;
        let mut acks = 0;
        self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::Message { to, ack: Some(AckOf::Drain), .. } if to == role::MASTER => {
                acks += 1;
                (acks >= workers).then_some(())
            }
            _ => None,
        })
    }

    /// `hold idle=N slow=M ms=T`: N keep-alive connections served once, then quiet; M
    /// connections that each sent `GET /slow/T` and wait for its reply. Returns once the
    /// workers have accepted every one of them.
    pub(super) fn hold(&mut self, idle_n: u32, slow_n: u32, ms: u32, out: &mut Transcript) -> Result<()> {
        let pool = self.pool()?;
        anyhow::ensure!(pool.mode != crate::proto::mode::Mode::Blocking, tr!("run-hold-blocking"));
        let (port, mode) = (pool.port, pool.mode.name());
        let before = self.accepted_total(out)?;
        let idle = idle::open(port, idle_n as usize)?;
        let mut slow = Vec::new();
        for i in 0..slow_n {
            let mut s = TcpStream::connect(("127.0.0.1", port)).with_context(|| tr!("run-connecting-slow"))?;
            s.set_nodelay(true)?;
            write!(s, "GET /slow/{ms}/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
            slow.push((s, Instant::now()));
        }
        // Accepted, not waiting in the listener's queue: each is a worker's to finish.
        let want = u64::from(idle_n + slow_n);
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut accepted = self.accepted_total(out)?.saturating_sub(before);
        while accepted < want && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            accepted = self.accepted_total(out)?.saturating_sub(before);
        }
        anyhow::ensure!(accepted >= want, tr!("run-held-not-accepted", accepted = accepted, want = want));
        out.info(Info::Holding { idle: idle_n, slow: slow_n, ms });
        self.holding = Some(Holding { idle, slow, ms, mode });
        Ok(())
    }

    /// `wait hold`: read every slow request's reply (or how it failed) and how each idle
    /// connection ended. The slow requests are what `failed` and `completed` count.
    pub(super) fn wait_hold(&mut self, out: &mut Transcript) -> Result<()> {
        let Holding { idle, slow, ms, mode } = self.holding.take().with_context(|| tr!("run-nothing-held"))?;
        let started = slow.iter().map(|(_, sent)| *sent).min().unwrap_or_else(Instant::now);
        let deadline = Instant::now() + Duration::from_millis(u64::from(ms)) + Duration::from_secs(5);
        let records: Vec<ConnRecord> = (slow.into_iter().enumerate())
            .map(|(i, (mut s, sent))| slow_reply(i as u32, &mut s, sent, deadline))
            .collect();
        let ended = idle::ended(idle, Duration::from_millis(200), &self.lab.stop());
        self.measured.held_idle = Some(ended);
        out.info(Info::IdleEnded(ended));
        let summary = summary(&records, started.elapsed());
        let per_worker = self.per_worker(&summary);
        let fired = Fired { summary, per_worker, accepted: records.len() as u64 };
        out.fired(mode, &fired);
        let failed: Vec<ConnRecord> = records.into_iter().filter(|c| !c.ok).collect();
        if !failed.is_empty() {
            out.info(Info::FailedConns(failed));
        }
        self.measured.fire = Some(fired);
        Ok(())
    }

    /// `stop grace=MS`: the master sends SIGTERM to every worker and SIGKILL to any left
    /// after the grace; the pool is gone when it reports `PoolStopped`.
    pub(super) fn stop_grace(&mut self, grace_ms: u32, out: &mut Transcript) -> Result<()> {
        self.pool()?;
        self.lab.send(&Cmd::Term { grace_ms })?;
        self.wait_event(out, Duration::from_secs(15), |ev| matches!(ev, Event::PoolStopped { .. }))?;
        self.lab.pool = None;
        Ok(())
    }
}

/// Read one slow request's reply: the worker that sent it, or why none came.
fn slow_reply(conn: u32, s: &mut TcpStream, sent: Instant, deadline: Instant) -> ConnRecord {
    let (worker, error) = match read_reply(s, deadline) {
        Ok(w) => (Some(w), None),
        Err(e) => (None, Some(e)),
    };
    let us = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
    ConnRecord { conn, ok: error.is_none(), worker, pid: None, error, us, ..ConnRecord::default() }
}

/// A whole `200` reply with its `X-Worker` alias, or what went wrong: an end of file before
/// it was whole (`closed_early`), a reset, a timeout.
fn read_reply(s: &mut TcpStream, deadline: Instant) -> Result<String, ConnError> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        let _ = s.set_read_timeout(Some(left));
        let n = match s.read(&mut buf) {
            Ok(0) => return Err(ConnError::ClosedEarly),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(ConnError::Timeout);
            }
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted) => {
                return Err(ConnError::Reset);
            }
            Err(_) => return Err(ConnError::Other),
        };
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        let Some(end) = text.find("\r\n\r\n") else { continue };
        let head = &text[..end];
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if got.len() < end + 4 + len {
            continue;
        }
        if !head.starts_with("HTTP/1.1 200 ") {
            return Err(ConnError::BadResponse);
        }
        let worker = head.lines().find_map(|l| l.strip_prefix("X-Worker: ")).and_then(|v| v.split_whitespace().next());
        return worker.map(str::to_string).ok_or(ConnError::BadResponse);
    }
}

/// The slow requests' outcome, in the client's summary form.
fn summary(records: &[ConnRecord], elapsed: Duration) -> ClientSummary {
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_worker: BTreeMap<String, u64> = BTreeMap::new();
    let mut ms: Vec<f64> = Vec::new();
    for r in records {
        match (&r.error, &r.worker) {
            (None, Some(w)) => {
                *per_worker.entry(w.clone()).or_default() += 1;
                ms.push(r.us as f64 / 1000.0);
            }
            (e, _) => *errors.entry(e.unwrap_or(ConnError::Other).as_str().to_string()).or_default() += 1,
        }
    }
    ms.sort_by(f64::total_cmp);
    let completed = ms.len() as u64;
    let fired = records.len() as u64;
    let rank = |pct: usize| if ms.is_empty() { 0.0 } else { ms[(pct * ms.len()).div_ceil(100).clamp(1, ms.len()) - 1] };
    let elapsed_s = elapsed.as_secs_f64();
    ClientSummary {
        done: true,
        fired,
        completed,
        failed: fired - completed,
        errors,
        per_worker,
        elapsed_s,
        conn_per_s: if elapsed_s > 0.0 { completed as f64 / elapsed_s } else { 0.0 },
        p50_ms: rank(50),
        p99_ms: rank(99),
        max_ms: ms.last().copied().unwrap_or(0.0),
        // The held connections are not a fire's: no keep-alive tally, no visit counts.
        kept_alive: 0,
        switched: 0,
        kept_replies: None,
        visits: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::checks::{Observation, check};
    use super::super::idle::IdleEnd;
    use super::*;
    use crate::lesson::{Expect, Metric, Op};

    fn claim(metric: Metric, value: f64) -> Expect {
        Expect::Metric { metric, op: Op::Eq, value }
    }

    fn record(conn: u32, worker: Option<&str>, error: Option<ConnError>) -> ConnRecord {
        ConnRecord {
            conn,
            ok: error.is_none(),
            worker: worker.map(String::from),
            pid: None,
            error,
            us: 1_500_000,
            ..ConnRecord::default()
        }
    }

    #[test]
    fn idle_claims_hold_on_how_wait_hold_read_the_idle_connections() {
        let mut o = Observation::default();
        o.measured.held_idle = Some(IdleEnd { graceful: 5, reset: 0, open: 0 });
        assert_eq!(check(&claim(Metric::IdleClosed, 5.0), &o), (true, "idle_closed is 5".into()));
        assert!(check(&claim(Metric::IdleReset, 0.0), &o).0);
        // Reset instead of closed: both claims fail.
        o.measured.held_idle = Some(IdleEnd { graceful: 0, reset: 5, open: 0 });
        assert_eq!(check(&claim(Metric::IdleClosed, 5.0), &o), (false, "idle_closed is 0".into()));
        assert!(!check(&claim(Metric::IdleReset, 0.0), &o).0);
        // Still open (the worker never closed them): not closed.
        o.measured.held_idle = Some(IdleEnd { graceful: 0, reset: 0, open: 5 });
        assert!(!check(&claim(Metric::IdleClosed, 5.0), &o).0);
        // Before any `wait hold`, nothing is known.
        assert!(!check(&claim(Metric::IdleClosed, 0.0), &Observation::default()).0);
    }

    #[test]
    fn the_held_requests_are_counted_as_a_fire_is() {
        let records = [
            record(0, Some("W1"), None),
            record(1, None, Some(ConnError::ClosedEarly)),
            record(2, None, Some(ConnError::ClosedEarly)),
            record(3, None, Some(ConnError::Reset)),
        ];
        let s = summary(&records, Duration::from_secs(2));
        assert_eq!((s.fired, s.completed, s.failed), (4, 1, 3));
        assert_eq!(s.errors.get("closed_early"), Some(&2));
        assert_eq!(s.errors.get("reset"), Some(&1));
        assert_eq!(s.per_worker.get("W1"), Some(&1));
        assert_eq!(s.max_ms, 1500.0);
        // `failed == 3` holds on these, and `failed == 0` does not.
        let mut o = Observation::default();
        let fired = Fired { per_worker: s.per_worker.clone(), summary: s, accepted: 4 };
        o.measured.fire = Some(fired);
        assert!(check(&claim(Metric::Failed, 3.0), &o).0);
        assert!(!check(&claim(Metric::Failed, 0.0), &o).0);
        let none = summary(&[], Duration::ZERO);
        assert_eq!((none.fired, none.failed, none.max_ms), (0, 0, 0.0));
    }

    #[test]
    fn a_reply_is_read_whole_and_an_early_end_is_closed_early() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut a, _) = listener.accept().unwrap();
            let body = "hello\n";
            let head = format!("HTTP/1.1 200 OK\r\nX-Worker: W2 pid 7\r\nContent-Length: {}\r\n\r\n", body.len());
            // In two pieces: the reader waits for the whole body.
            a.write_all(head.as_bytes()).unwrap();
            std::thread::sleep(Duration::from_millis(20));
            a.write_all(body.as_bytes()).unwrap();
            let (b, _) = listener.accept().unwrap();
            drop(b);
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut s = TcpStream::connect(addr).unwrap();
        assert_eq!(read_reply(&mut s, deadline), Ok("W2".to_string()));
        let mut s = TcpStream::connect(addr).unwrap();
        assert_eq!(read_reply(&mut s, deadline), Err(ConnError::ClosedEarly));
        server.join().unwrap();
    }
}
