//! The backlog lesson's directives: the listener's backlog set with listen(2), workers that
//! stop accepting, connections opened from forklab one at a time, and the accept queue read
//! from the kernel (sock_diag: connections established on the port that no process has a
//! file for yet are the ones waiting to be accepted).

use super::{Info, Runner, Transcript};
use crate::proto::{AckOf, Cmd, Event, role};
use crate::sys::sockdiag::{Ports, SockDiag, TCP_ESTABLISHED};
use anyhow::{Context, Result};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long each `connect` waits for its handshake. On loopback a handshake the listener
/// answers takes microseconds; one whose SYN was dropped waits for a retry (about 1 s).
const HANDSHAKE: Duration = Duration::from_millis(300);

impl Runner {
    /// `backlog N`: the master calls listen(2) again on the pool's listener.
    pub(super) fn backlog(&mut self, n: u32, out: &mut Transcript) -> Result<()> {
        self.pool()?;
        self.lab.send(&Cmd::Backlog { n })?;
        self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::Ack { alias, of: AckOf::Listen, .. } if alias == role::MASTER => Some(()),
            _ => None,
        })
    }

    /// `accept on|off`: every worker acknowledges; after `on`, wait until the queue is empty.
    pub(super) fn accept(&mut self, on: bool, out: &mut Transcript) -> Result<()> {
        let workers = self.seen.pids.keys().filter(|a| a.starts_with('W')).count();
        self.lab.send(&Cmd::Accept { on })?;
        let want = if on { AckOf::AcceptOn } else { AckOf::AcceptOff };
        let mut acks = 0;
        self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::Message { to, ack: Some(ack), .. } if to == role::MASTER && *ack == want => {
                acks += 1;
                (acks >= workers).then_some(())
            }
            _ => None,
        })?;
        if on {
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut queued = self.queued()?;
            while queued > 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
                queued = self.queued()?;
            }
            self.measured.queued = Some(queued);
            out.info(Info::Queue { established: None, queued });
            // Accepted now, the held connections are done with: a worker told to stop waits
            // for a connection that has not sent its request yet.
            self.held.clear();
        }
        Ok(())
    }

    /// `connect N`: one connection after another, each given HANDSHAKE to complete; the ones
    /// that do are held open. Then the accept queue as the kernel shows it.
    pub(super) fn connect(&mut self, n: u32, out: &mut Transcript) -> Result<()> {
        let port = self.pool()?.port;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        self.held.clear();
        let mut timed_out = 0;
        let stop = self.lab.stop();
        for _ in 0..n {
            if stop.is_closed() {
                return Err(crate::lab::Abandoned.into());
            }
            match TcpStream::connect_timeout(&addr, HANDSHAKE) {
                Ok(s) => self.held.push(s),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => timed_out += 1,
                Err(e) => return Err(e).with_context(|| tr!("run-connecting-to", addr = addr.to_string())),
            }
        }
        let established = (self.held.len() as u32, timed_out);
        let queued = self.queued()?;
        self.measured.connected = Some(established);
        self.measured.queued = Some(queued);
        out.info(Info::Queue { established: Some(established), queued });
        Ok(())
    }

    /// Connections waiting in the pool's accept queue: established on its port, no process's
    /// file yet (inode 0). What `ss -lt` shows as the listener's Recv-Q.
    fn queued(&self) -> Result<usize> {
        let port = self.pool()?.port;
        let socks = SockDiag::open()?.tcp(1 << TCP_ESTABLISHED, Ports::Local(port))?;
        Ok(socks.iter().filter(|s| s.inode == 0).count())
    }
}

#[cfg(test)]
mod tests {
    use super::super::checks::{Observation, check};
    use crate::lesson::{Expect, Metric, Op};

    fn claim(metric: Metric, value: f64) -> Expect {
        Expect::Metric { metric, op: Op::Eq, value }
    }

    /// After a `connect`: `established` handshakes done, `timed_out` not, `queued` waiting.
    fn connected(established: u32, timed_out: u32, queued: usize) -> Observation {
        let mut o = Observation::default();
        o.measured.connected = Some((established, timed_out));
        o.measured.queued = Some(queued);
        o
    }

    #[test]
    fn connect_claims_hold_on_what_the_connections_and_the_queue_showed() {
        let five_queued = connected(5, 7, 5);
        assert_eq!(check(&claim(Metric::Established, 5.0), &five_queued), (true, "established is 5".into()));
        assert!(check(&claim(Metric::TimedOut, 7.0), &five_queued).0);
        assert!(check(&claim(Metric::Queued, 5.0), &five_queued).0);
        // A listener that took all 12 into its queue: each claim about the backlog fails.
        let all = connected(12, 0, 12);
        assert_eq!(check(&claim(Metric::Established, 5.0), &all), (false, "established is 12".into()));
        assert!(!check(&claim(Metric::TimedOut, 7.0), &all).0);
        assert!(!check(&claim(Metric::Queued, 5.0), &all).0);
        // Before any `connect`, nothing is known.
        assert!(!check(&claim(Metric::Queued, 0.0), &Observation::default()).0);
        assert!(!check(&claim(Metric::Established, 0.0), &Observation::default()).0);
    }
}
