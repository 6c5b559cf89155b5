use super::{DAEMON, DAEMON_OUT, Master};
use crate::proto::role::DAEMON as DAEMON_ALIAS;
use crate::proto::{Cmd, Event};
use crate::sys::chan::{Chan, Recv};
use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::epoll::{EpollEvent, EpollFlags};
use nix::unistd::{ForkResult, fork, getppid};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

impl Master {
    pub(super) fn daemon_step(&mut self, step: &str) {
        if step == "fork" {
            if self.daemon.is_some() {
                return self.error("daemon_exists", tr!("master-daemon-exists"));
            }
            match self.fork_daemon() {
                Ok((chan, pid, out)) => {
                    self.daemon = Some(chan);
                    self.daemon_first = Some(pid);
                    self.daemon_out = Some(out);
                }
                Err(e) => self.error("fork_failed", tr!("master-daemon-fork-failed", error = format!("{e:#}"))),
            }
            return;
        }
        let Some(chan) = &self.daemon else {
            return self.error("no_daemon", tr!("master-no-daemon"));
        };
        if let Err(e) = chan.send(&Cmd::Daemon { step: step.into() }, &[], false) {
            self.error("send_failed", tr!("master-daemon-send-failed", step = step, error = e.to_string()));
        }
    }

    /// Forks the daemon lesson's process. It keeps every fd the master has, as after any
    /// fork, until its `close-fds` step, but for the master's ends of its own plumbing: its
    /// channel, and the pipe its fds 1 and 2 now write to. Returns the channel, the pid, and
    /// the pipe's read end.
    pub(super) fn fork_daemon(&mut self) -> Result<(Chan, i32, OwnedFd)> {
        let (mine, theirs) = Chan::pair()?;
        let (out_r, out_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).context("pipe2")?;
        let app_pid = getppid().as_raw();
        // SAFETY: the master is single-threaded (see fork_worker).
        match unsafe { fork() }.context("fork")? {
            ForkResult::Child => {
                // SAFETY: plain fd calls on fds this process holds; the OwnedFds that own the
                // closed ones are never dropped here (this branch ends in _exit).
                unsafe {
                    libc::close(mine.as_raw_fd());
                    libc::close(out_r.as_raw_fd());
                    libc::dup2(out_w.as_raw_fd(), 1);
                    libc::dup2(out_w.as_raw_fd(), 2);
                    libc::close(out_w.as_raw_fd());
                }
                // SAFETY: the fd is open and owned by nothing else in this process.
                let chan = unsafe { Chan::from_raw(theirs.as_raw_fd()) };
                let code = crate::roles::daemon::run(chan, app_pid);
                // SAFETY: _exit is always safe to call.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => {
                drop((theirs, out_w));
                self.epoll.add(mine.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, DAEMON))?;
                self.epoll.add(out_r.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, DAEMON_OUT))?;
                Ok((mine, child.as_raw(), out_r))
            }
        }
    }

    /// Lines the daemon wrote to its fd 1 or 2 (`PID TEXT`, one write each), passed on as
    /// events; at EOF (the pipe's last write end closed), the pipe is let go.
    pub(super) fn on_daemon_out(&mut self) {
        let Some(out) = &self.daemon_out else { return };
        let mut buf = [0u8; 4096];
        let mut text = Vec::new();
        let ended = loop {
            match nix::unistd::read(out, &mut buf) {
                Ok(0) => break true,
                Ok(n) => text.extend_from_slice(&buf[..n]),
                Err(Errno::EAGAIN) => break false,
                Err(Errno::EINTR) => continue,
                Err(_) => break true,
            }
        };
        if ended && let Some(out) = self.daemon_out.take() {
            let _ = self.epoll.delete(out.as_fd());
        }
        for line in String::from_utf8_lossy(&text).lines() {
            // Only the daemon's own lines, which begin with its pid (say() in daemon.rs).
            let Some((pid, said)) = line.split_once(' ').and_then(|(p, s)| Some((p.parse::<i32>().ok()?, s))) else {
                continue;
            };
            self.emit(Event::Daemon {
                alias: DAEMON_ALIAS.into(),
                pid,
                step: "stdout".into(),
                detail: tr!("master-daemon-stdout", said = said),
                pidfile: None,
            });
        }
    }

    pub(super) fn on_daemon(&mut self) {
        loop {
            let Some(chan) = &self.daemon else { return };
            match chan.recv::<Event>(true) {
                Ok(Recv::Msg(ev @ Event::Daemon { .. }, _)) => self.emit(ev),
                Ok(Recv::Msg(..)) => {}
                Ok(Recv::Empty) => return,
                Ok(Recv::Eof) | Err(_) => {
                    if let Some(chan) = self.daemon.take() {
                        let _ = self.epoll.delete(chan.as_fd());
                    }
                    return;
                }
            }
        }
    }
}
