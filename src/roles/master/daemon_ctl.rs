use super::fork::close_all_but;
use super::{DAEMON, Master};
use crate::proto::{Cmd, Event};
use crate::sys::chan::{Chan, Recv};
use anyhow::{Context, Result};
use nix::sys::epoll::{EpollEvent, EpollFlags};
use nix::unistd::{ForkResult, fork, getppid};
use std::os::fd::{AsFd, AsRawFd};

impl Master {
    pub(super) fn daemon_step(&mut self, step: &str) {
        if step == "fork" {
            if self.daemon.is_some() {
                return self.error("daemon_exists", "the daemon lesson's process already exists".into());
            }
            match self.fork_daemon() {
                Ok((chan, pid)) => {
                    self.daemon = Some(chan);
                    self.daemon_first = Some(pid);
                }
                Err(e) => self.error("fork_failed", format!("forking the daemon: {e:#}")),
            }
            return;
        }
        let Some(chan) = &self.daemon else {
            return self.error("no_daemon", "no daemon yet; `daemon fork` comes first".into());
        };
        if let Err(e) = chan.send(&Cmd::Daemon { step: step.into() }, &[], false) {
            self.error("send_failed", format!("sending `{step}` to the daemon: {e}"));
        }
    }

    pub(super) fn fork_daemon(&mut self) -> Result<(Chan, i32)> {
        let (mine, theirs) = Chan::pair()?;
        let app_pid = getppid().as_raw();
        // SAFETY: the master is single-threaded (see fork_worker).
        match unsafe { fork() }.context("fork")? {
            ForkResult::Child => {
                close_all_but(&[0, 1, 2, theirs.as_raw_fd()]);
                // SAFETY: the fd is open and, after close_all_but, owned by nothing else here.
                let chan = unsafe { Chan::from_raw(theirs.as_raw_fd()) };
                let code = crate::roles::daemon::run(chan, app_pid);
                // SAFETY: _exit is always safe to call.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => {
                drop(theirs);
                self.epoll.add(mine.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, DAEMON))?;
                Ok((mine, child.as_raw()))
            }
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
