//! Sockets as the kernel lists them, over NETLINK_SOCK_DIAG (sock_diag(7)): what `ss` uses.
//!
//! Three requests, each a netlink message written by hand (the structs of
//! `<linux/inet_diag.h>` and `<linux/unix_diag.h>` are a few fixed-size fields; writing them as
//! bytes needs no `unsafe` and shows what crosses the socket):
//! - a dump of TCP sockets in some states, filtered *in the kernel* by port with the small
//!   bytecode program that `ss sport = :P` sends (INET_DIAG_REQ_BYTECODE), so forklab never
//!   reads every socket of the machine (and never parses /proc/net/tcp);
//! - one TCP socket by its 4-tuple (an exact request, no dump);
//! - one Unix socket by its inode, with its peer's inode (UDIAG_SHOW_PEER).
//!
//! Each socket comes back with its inode: the number `/proc/<pid>/fd/N` shows as
//! `socket:[INODE]`, which is how a socket is tied to the processes that hold it.

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, setsockopt, socket, sockopt,
};
use nix::sys::time::TimeVal;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};

// <linux/netlink.h>
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_HDRLEN: usize = 16;
// <linux/sock_diag.h>
const SOCK_DIAG_BY_FAMILY: u16 = 20;
// <linux/inet_diag.h>
const INET_DIAG_REQ_BYTECODE: u16 = 1;
const INET_DIAG_BC_S_GE: u8 = 2;
const INET_DIAG_BC_S_LE: u8 = 3;
const INET_DIAG_NOCOOKIE: u32 = !0;
/// `struct inet_diag_msg`: family, state, timer, retrans, the 48-byte sockid, then expires,
/// rqueue, wqueue, uid, inode.
const INET_DIAG_MSG_LEN: usize = 72;
// <linux/unix_diag.h>
const UDIAG_SHOW_PEER: u32 = 0x4;
const UNIX_DIAG_PEER: u16 = 2;
const UNIX_DIAG_MSG_LEN: usize = 16;

/// TCP states as `<netinet/tcp.h>` numbers them; a request names the states it wants as bits.
pub const TCP_ESTABLISHED: u8 = 1;
pub const TCP_LISTEN: u8 = 10;

/// The name `ss` gives a TCP state.
pub fn tcp_state_name(state: u8) -> &'static str {
    match state {
        1 => "ESTAB",
        2 => "SYN-SENT",
        3 => "SYN-RECV",
        4 => "FIN-WAIT-1",
        5 => "FIN-WAIT-2",
        6 => "TIME-WAIT",
        7 => "CLOSE",
        8 => "CLOSE-WAIT",
        9 => "LAST-ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        _ => "?",
    }
}

/// One TCP socket: its own address, its peer's, its state and inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSock {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: u8,
    /// 0 for a socket no process has a file for (still in an accept queue, or in TIME-WAIT).
    pub inode: u64,
}

/// One Unix socket: its type (SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5), its state and,
/// for a connected one, the inode of the socket at its other end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixSock {
    pub inode: u64,
    pub kind: u8,
    pub state: u8,
    pub peer: Option<u64>,
}

impl UnixSock {
    pub fn kind_name(&self) -> &'static str {
        match self.kind as i32 {
            libc::SOCK_STREAM => "stream",
            libc::SOCK_DGRAM => "dgram",
            libc::SOCK_SEQPACKET => "seqpacket",
            _ => "other",
        }
    }
}

/// Which TCP sockets a dump keeps, by port; the kernel runs the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    Any,
    /// The socket's own port.
    Local(u16),
}

/// A NETLINK_SOCK_DIAG socket. One per thread: requests and answers are matched by sequence.
pub struct SockDiag {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

impl SockDiag {
    pub fn open() -> Result<SockDiag> {
        let fd = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkSockDiag)
            .context("opening a NETLINK_SOCK_DIAG socket")?;
        // An answer always comes (data, DONE or an error); the timeout only ends a wait on a
        // kernel that has gone quiet, rather than hang the command.
        setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::new(5, 0)).context("setting SO_RCVTIMEO on sock_diag")?;
        Ok(SockDiag { fd, seq: 0, buf: vec![0; 64 * 1024] })
    }

    /// TCP sockets (IPv4 and IPv6) in `states` (a set of `1 << TCP_*` bits) whose ports pass
    /// `ports`.
    pub fn tcp(&mut self, states: u32, ports: Ports) -> Result<Vec<TcpSock>> {
        let mut out = Vec::new();
        for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
            let req = inet_request(family, states, &SockId::ANY, &bytecode(ports));
            let seq = self.send(&req, NLM_F_REQUEST | NLM_F_DUMP)?;
            self.answers(seq, |msg| {
                if let Some(s) = parse_inet(msg) {
                    out.push(s);
                }
            })
            .with_context(|| {
                tr!("sys-diag-tcp", family = if family == libc::AF_INET as u8 { "IPv4" } else { "IPv6" })
            })?;
        }
        Ok(out)
    }

    /// The TCP socket whose own address is `local` and whose peer is `remote`, if there is one.
    pub fn tcp_exact(&mut self, local: SocketAddr, remote: SocketAddr) -> Result<Option<TcpSock>> {
        let family = if local.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 } as u8;
        let id = SockId { local, remote };
        let seq = self.send(&inet_request(family, !0, &id, &[]), NLM_F_REQUEST | NLM_F_ACK)?;
        let mut found = None;
        match self.answers(seq, |msg| found = parse_inet(msg)) {
            Ok(()) => {}
            // No such socket.
            Err(e) if e.downcast_ref::<Errno>() == Some(&Errno::ENOENT) => return Ok(None),
            Err(e) => {
                return Err(e)
                    .with_context(|| tr!("sys-diag-exact", local = local.to_string(), remote = remote.to_string()));
            }
        }
        // The kernel's lookup falls back to a listener when no connection matches
        // (inet_lookup): only the connection itself is an answer.
        Ok(found.filter(|s| s.state != TCP_LISTEN && s.remote.port() == remote.port()))
    }

    /// The Unix socket with this inode, with its peer; `None` if the inode is no Unix socket.
    pub fn unix(&mut self, inode: u64) -> Result<Option<UnixSock>> {
        let mut req = Vec::with_capacity(24);
        req.extend_from_slice(&[libc::AF_UNIX as u8, 0, 0, 0]);
        req.extend_from_slice(&(!0u32).to_ne_bytes()); // every state
        req.extend_from_slice(&(inode as u32).to_ne_bytes());
        req.extend_from_slice(&UDIAG_SHOW_PEER.to_ne_bytes());
        req.extend_from_slice(&INET_DIAG_NOCOOKIE.to_ne_bytes());
        req.extend_from_slice(&INET_DIAG_NOCOOKIE.to_ne_bytes());
        let seq = self.send(&req, NLM_F_REQUEST | NLM_F_ACK)?;
        let mut found = None;
        match self.answers(seq, |msg| found = parse_unix(msg)) {
            Ok(()) => Ok(found.filter(|s| s.inode == inode)),
            Err(e) if e.downcast_ref::<Errno>() == Some(&Errno::ENOENT) => Ok(None),
            Err(e) => Err(e).with_context(|| tr!("sys-diag-unix", inode = inode)),
        }
    }

    /// Send one SOCK_DIAG_BY_FAMILY request; returns its sequence number.
    fn send(&mut self, payload: &[u8], flags: u16) -> Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let mut msg = Vec::with_capacity(NLMSG_HDRLEN + payload.len());
        msg.extend_from_slice(&((NLMSG_HDRLEN + payload.len()) as u32).to_ne_bytes());
        msg.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        msg.extend_from_slice(&flags.to_ne_bytes());
        msg.extend_from_slice(&self.seq.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills in ours
        msg.extend_from_slice(payload);
        // To the kernel: netlink port id 0.
        sendto(self.fd.as_raw_fd(), &msg, &NetlinkAddr::new(0, 0), MsgFlags::empty())
            .context("sending a sock_diag request")?;
        Ok(self.seq)
    }

    /// Read answers to request `seq` until NLMSG_DONE or NLMSG_ERROR (an ack is an error of 0),
    /// passing each data message's payload to `each`. A kernel error comes back as an `Errno`.
    fn answers(&mut self, seq: u32, mut each: impl FnMut(&[u8])) -> Result<()> {
        loop {
            let n = match recv(self.fd.as_raw_fd(), &mut self.buf, MsgFlags::empty()) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e).context("reading a sock_diag answer"),
            };
            let mut at = 0;
            while at + NLMSG_HDRLEN <= n {
                let b = &self.buf[at..n];
                let len = u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize;
                if len < NLMSG_HDRLEN || len > b.len() {
                    bail!(tr!("sys-diag-length", len = len));
                }
                let kind = u16::from_ne_bytes(b[4..6].try_into().unwrap());
                let msg_seq = u32::from_ne_bytes(b[8..12].try_into().unwrap());
                let payload = &b[NLMSG_HDRLEN..len];
                at += align4(len);
                // An answer to an earlier request that timed out: not ours.
                if msg_seq != seq {
                    continue;
                }
                match kind {
                    NLMSG_DONE => return Ok(()),
                    NLMSG_ERROR => {
                        let err = payload.get(0..4).map(|e| i32::from_ne_bytes(e.try_into().unwrap())).unwrap_or(0);
                        return if err == 0 { Ok(()) } else { Err(Errno::from_raw(-err).into()) };
                    }
                    _ => each(payload),
                }
            }
        }
    }
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// `struct inet_diag_sockid` without the interface and cookie, which a request leaves open.
struct SockId {
    local: SocketAddr,
    remote: SocketAddr,
}

impl SockId {
    const ANY: SockId = SockId {
        local: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        remote: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
    };
}

/// `struct inet_diag_req_v2` for TCP, then the bytecode as an INET_DIAG_REQ_BYTECODE attribute.
fn inet_request(family: u8, states: u32, id: &SockId, bytecode: &[u8]) -> Vec<u8> {
    let mut req = Vec::with_capacity(56 + 4 + bytecode.len());
    req.extend_from_slice(&[family, libc::IPPROTO_TCP as u8, 0, 0]);
    req.extend_from_slice(&states.to_ne_bytes());
    // Ports and addresses in network byte order.
    req.extend_from_slice(&id.local.port().to_be_bytes());
    req.extend_from_slice(&id.remote.port().to_be_bytes());
    req.extend_from_slice(&addr_bytes(id.local.ip()));
    req.extend_from_slice(&addr_bytes(id.remote.ip()));
    req.extend_from_slice(&0u32.to_ne_bytes()); // any interface
    req.extend_from_slice(&INET_DIAG_NOCOOKIE.to_ne_bytes());
    req.extend_from_slice(&INET_DIAG_NOCOOKIE.to_ne_bytes());
    if !bytecode.is_empty() {
        req.extend_from_slice(&((4 + bytecode.len()) as u16).to_ne_bytes());
        req.extend_from_slice(&INET_DIAG_REQ_BYTECODE.to_ne_bytes());
        req.extend_from_slice(bytecode);
    }
    req
}

fn addr_bytes(ip: IpAddr) -> [u8; 16] {
    let mut out = [0; 16];
    match ip {
        IpAddr::V4(v4) => out[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => out.copy_from_slice(&v6.octets()),
    }
    out
}

/// The filter program (`struct inet_diag_bc_op`: code, yes, no; 4 bytes each). The kernel
/// (inet_diag_bc_run) steps `yes` bytes on a true test and `no` bytes on a false one; a socket
/// passes if it lands exactly on the end. Each port test is two ops (the second's `no` holds
/// the port), and "equal" is `>=` then `<=`, which every kernel with bytecode knows (the `==`
/// ops came later). A false test jumps 4 bytes past the end: rejected.
fn bytecode(ports: Ports) -> Vec<u8> {
    let tests: Vec<(u8, u16)> = match ports {
        Ports::Any => vec![],
        Ports::Local(p) => vec![(INET_DIAG_BC_S_GE, p), (INET_DIAG_BC_S_LE, p)],
    };
    let total = tests.len() * 8;
    let mut out = Vec::with_capacity(total);
    for (i, (code, port)) in tests.into_iter().enumerate() {
        let left = total - i * 8;
        out.push(code);
        out.push(8); // yes: the next test
        out.extend_from_slice(&((left + 4) as u16).to_ne_bytes()); // no: past the end
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&port.to_ne_bytes());
    }
    out
}

fn parse_inet(m: &[u8]) -> Option<TcpSock> {
    if m.len() < INET_DIAG_MSG_LEN {
        return None;
    }
    let family = m[0] as i32;
    let state = m[1];
    let sport = u16::from_be_bytes([m[4], m[5]]);
    let dport = u16::from_be_bytes([m[6], m[7]]);
    let ip = |b: &[u8]| -> IpAddr {
        if family == libc::AF_INET {
            IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        } else {
            let v6 = Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap());
            // An IPv6 socket serving an IPv4 peer shows ::ffff:a.b.c.d; say a.b.c.d.
            v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6))
        }
    };
    let local = SocketAddr::new(ip(&m[8..24]), sport);
    let remote = SocketAddr::new(ip(&m[24..40]), dport);
    let inode = u32::from_ne_bytes(m[68..72].try_into().unwrap()) as u64;
    Some(TcpSock { local, remote, state, inode })
}

fn parse_unix(m: &[u8]) -> Option<UnixSock> {
    if m.len() < UNIX_DIAG_MSG_LEN {
        return None;
    }
    let inode = u32::from_ne_bytes(m[4..8].try_into().unwrap()) as u64;
    let mut sock = UnixSock { inode, kind: m[1], state: m[2], peer: None };
    // Attributes (struct nlattr: length, type), each padded to 4 bytes.
    let mut at = UNIX_DIAG_MSG_LEN;
    while at + 4 <= m.len() {
        let len = u16::from_ne_bytes([m[at], m[at + 1]]) as usize;
        let kind = u16::from_ne_bytes([m[at + 2], m[at + 3]]);
        if len < 4 || at + len > m.len() {
            break;
        }
        if kind == UNIX_DIAG_PEER && len >= 8 {
            let peer = u32::from_ne_bytes(m[at + 4..at + 8].try_into().unwrap()) as u64;
            sock.peer = (peer != 0).then_some(peer);
        }
        at += align4(len);
    }
    Some(sock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::procfs;
    use std::os::fd::AsRawFd;

    fn me() -> i32 {
        std::process::id() as i32
    }

    #[test]
    fn a_listener_is_found_by_its_port_with_the_inode_the_fd_table_shows() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let inode = procfs::socket_inode(me(), l.as_raw_fd()).unwrap();
        let mut diag = SockDiag::open().unwrap();
        let found = diag.tcp(1 << TCP_LISTEN, Ports::Local(port)).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].inode, inode);
        assert_eq!(found[0].local.port(), port);
        // The filter runs in the kernel: another port gives nothing of ours.
        let other = diag.tcp(1 << TCP_LISTEN, Ports::Local(port.wrapping_add(1))).unwrap();
        assert!(other.iter().all(|s| s.inode != inode));
    }

    #[test]
    fn the_server_side_of_a_connection_is_found_by_its_four_tuple() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        let inode = procfs::socket_inode(me(), s.as_raw_fd()).unwrap();
        let mut diag = SockDiag::open().unwrap();
        let got = diag.tcp_exact(s.local_addr().unwrap(), c.local_addr().unwrap()).unwrap().unwrap();
        assert_eq!(got.inode, inode);
        assert_eq!(got.state, TCP_ESTABLISHED);
        // The dump by the server's port finds the same one, and not the client's side.
        let dumped = diag.tcp(1 << TCP_ESTABLISHED, Ports::Local(l.local_addr().unwrap().port())).unwrap();
        assert_eq!(dumped.iter().map(|s| s.inode).collect::<Vec<_>>(), vec![inode]);
        // A 4-tuple nobody has is no answer, not the listener.
        let mut gone = c.local_addr().unwrap();
        gone.set_port(gone.port().wrapping_add(1));
        assert_eq!(diag.tcp_exact(s.local_addr().unwrap(), gone).unwrap(), None);
    }

    #[test]
    fn a_unix_socketpair_names_its_peer() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let ia = procfs::socket_inode(me(), a.as_raw_fd()).unwrap();
        let ib = procfs::socket_inode(me(), b.as_raw_fd()).unwrap();
        let mut diag = SockDiag::open().unwrap();
        let got = diag.unix(ia).unwrap().unwrap();
        assert_eq!(got.kind_name(), "stream");
        assert_eq!(got.peer, Some(ib));
        // A TCP socket's inode is no Unix socket.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let tcp = procfs::socket_inode(me(), l.as_raw_fd()).unwrap();
        assert_eq!(diag.unix(tcp).unwrap(), None);
    }

    #[test]
    fn the_bytecode_for_one_port_is_two_tests_that_land_on_the_end() {
        let bc = bytecode(Ports::Local(0x1234));
        assert_eq!(bc.len(), 16);
        let op = |at: usize| (bc[at], bc[at + 1], u16::from_ne_bytes([bc[at + 2], bc[at + 3]]));
        assert_eq!(op(0), (INET_DIAG_BC_S_GE, 8, 20));
        assert_eq!(u16::from_ne_bytes([bc[6], bc[7]]), 0x1234);
        assert_eq!(op(8), (INET_DIAG_BC_S_LE, 8, 12));
        assert!(bytecode(Ports::Any).is_empty());
    }
}
