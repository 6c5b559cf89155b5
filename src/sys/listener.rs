//! The lab's listening sockets: TCP on 127.0.0.1 only (a promise forklab makes: lessons never
//! expose a port), with the options each accept mode needs.

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, Backlog, SockFlag, SockType, SockaddrIn, bind, getsockname, listen, setsockopt, socket, sockopt,
};
use std::os::fd::{AsRawFd, OwnedFd};

/// Open a TCP listener on 127.0.0.1:`port` (0 picks a free port). Returns it and its port.
/// Listening on loopback only is a promise forklab makes: lessons never expose a port.
pub fn open_listener(port: u16, reuseport: bool, nonblocking: bool) -> Result<(OwnedFd, u16)> {
    let fd = bind_socket(port, reuseport)?;
    listen(&fd, Backlog::new(1024).expect("1024 is a valid backlog"))
        .with_context(|| tr!("sys-listening", port = port))?;
    set_nonblocking(&fd, nonblocking)?;
    let port = local_port(&fd)?;
    Ok((fd, port))
}

/// A TCP socket bound to 127.0.0.1:`port`, not yet listening.
fn bind_socket(port: u16, reuseport: bool) -> Result<OwnedFd> {
    let fd = socket(AddressFamily::Inet, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)
        .with_context(|| tr!("sys-tcp-socket"))?;
    // SO_REUSEADDR: a restarted pool can bind its port while old connections sit in TIME_WAIT.
    setsockopt(&fd, sockopt::ReuseAddr, &true).context("setting SO_REUSEADDR")?;
    if reuseport {
        setsockopt(&fd, sockopt::ReusePort, &true).context("setting SO_REUSEPORT")?;
    }
    let addr = SockaddrIn::new(127, 0, 0, 1, port);
    match bind(fd.as_raw_fd(), &addr) {
        Ok(()) => Ok(fd),
        Err(Errno::EADDRINUSE) => Err(PortInUse(port).into()),
        // ip(7): ports below 1024 need CAP_NET_BIND_SERVICE (root has it).
        Err(Errno::EACCES) if port < 1024 => Err(anyhow::anyhow!(tr!("sys-port-privileged", port = port))),
        Err(e) => Err(e).with_context(|| tr!("sys-binding", port = port)),
    }
}

/// The port is taken by another program. It says only that: what to do instead depends on
/// where the port came from (serve's `--port`, a lesson's front matter), which the command
/// that asked for it adds.
#[derive(Debug)]
pub struct PortInUse(pub u16);

impl std::fmt::Display for PortInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&tr!("port-taken", port = self.0))
    }
}

impl std::error::Error for PortInUse {}

pub fn local_port(fd: &OwnedFd) -> Result<u16> {
    let addr: SockaddrIn = getsockname(fd.as_raw_fd()).with_context(|| tr!("sys-listener-address"))?;
    Ok(addr.port())
}

/// O_NONBLOCK lives on the open file description, not the fd: every process holding this
/// listener sees the change. So each pool opens its own listener for its mode.
fn set_nonblocking(fd: &OwnedFd, on: bool) -> Result<()> {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL).context("F_GETFL")?);
    let flags = if on { flags | OFlag::O_NONBLOCK } else { flags - OFlag::O_NONBLOCK };
    fcntl(fd, FcntlArg::F_SETFL(flags)).context("F_SETFL")?;
    Ok(())
}

/// reuseport mode: hold the port with a bound socket that never listens.
pub fn reserve_port(port: u16) -> Result<OwnedFd> {
    // A plain bind first: it fails if anyone else, a reuseport group included, holds the port.
    let probe = bind_socket(port, false)?;
    let port = local_port(&probe)?;
    drop(probe);
    bind_socket(port, true)
}

/// A free port on 127.0.0.1, for handle passing, where the listener is opened after the fork.
pub fn free_port() -> Result<u16> {
    let probe = bind_socket(0, false)?;
    local_port(&probe)
}
