//! A controlling terminal for forklab when it has none. The daemon lesson watches a child lose
//! its terminal at `setsid()`; under `forklab play` from a script or CI, forklab's session has
//! no terminal, so the child would have none to lose and `tty == none` would hold before the
//! step as after it. Then forklab makes one, as a terminal emulator does for a shell: it leaves
//! its session for a new one it leads (setsid(2)), opens a pseudo-terminal pair (pty(7)) and
//! makes the slave the new session's controlling terminal (`TIOCSCTTY`, ioctl_tty(2)). The
//! processes it starts afterwards are born in that session, with that terminal.
//!
//! The master side is held until forklab exits: when the last fd of a pty's master closes,
//! the kernel hangs the slave up and sends SIGHUP to the session's leader, forklab itself.

use anyhow::{Context, Result};
use nix::fcntl::{OFlag, open};
use nix::pty::{PtyMaster, grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::stat::Mode;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;

static HELD: OnceLock<PtyMaster> = OnceLock::new();

/// Makes forklab the leader of a new session whose controlling terminal is a fresh pty's
/// slave, and returns the slave's name (`/dev/pts/5`). Call before starting any process that
/// should be born with the terminal, and only when forklab has none (`tty_nr` 0): a process
/// that leads its process group cannot call setsid(), and then this fails with EPERM.
pub fn own_terminal() -> Result<String> {
    match nix::unistd::setsid() {
        Err(nix::errno::Errno::EPERM) => anyhow::bail!(tr!("pty-group-leader")),
        other => other.context("setsid()")?,
    };
    let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).context("posix_openpt()")?;
    grantpt(&master).context("grantpt()")?;
    unlockpt(&master).context("unlockpt()")?;
    let name = ptsname_r(&master).context("ptsname()")?;
    let slave = open(name.as_str(), OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC, Mode::empty())
        .with_context(|| format!("open({name})"))?;
    // SAFETY: TIOCSCTTY takes an int argument (0: do not steal a terminal another session has);
    // `slave` is an open fd for the duration of the call.
    if unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) } < 0 {
        return Err(std::io::Error::last_os_error()).context("TIOCSCTTY");
    }
    // The terminal stays the session's once set; the slave fd itself is not needed.
    drop(slave);
    let _ = HELD.set(master);
    Ok(name)
}
