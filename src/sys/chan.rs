//! A channel between two forklab processes: one end of a
//! `socketpair(AF_UNIX, SOCK_SEQPACKET, SOCK_CLOEXEC)`.
//!
//! SOCK_SEQPACKET keeps message boundaries (one JSON object per packet), reports EOF when the
//! peer is gone (so a worker learns that its master died), and carries file descriptors with
//! SCM_RIGHTS (unix(7)): one byte of real data travels with each control message, which unix(7)
//! requires on a stream socket and recommends on the others, and we receive with MSG_CMSG_CLOEXEC so a passed fd never leaks into a later exec.

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg, sendmsg, socketpair,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// The largest message a channel accepts. A bigger packet is truncated by the kernel and
/// refused here as malformed.
pub const MAX_MSG: usize = 64 * 1024;
/// The most fds one message may carry.
const MAX_FDS: usize = 4;

#[derive(Debug)]
pub struct Chan {
    fd: OwnedFd,
}

thread_local! {
    static LAST_LEN: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// What one receive found.
#[derive(Debug)]
pub enum Recv<T> {
    Msg(T, Vec<OwnedFd>),
    /// The peer closed its end (or died).
    Eof,
    /// Non-blocking receive and nothing queued.
    Empty,
}

impl Chan {
    /// A connected pair, both ends close-on-exec.
    pub fn pair() -> Result<(Chan, Chan)> {
        let (a, b) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
            .context("creating a SOCK_SEQPACKET socketpair")?;
        Ok((Chan { fd: a }, Chan { fd: b }))
    }

    /// # Safety
    /// `fd` must be an open SOCK_SEQPACKET socket that nothing else owns.
    pub unsafe fn from_raw(fd: RawFd) -> Chan {
        // SAFETY: the caller promises `fd` is open and owned by no one else.
        Chan { fd: unsafe { OwnedFd::from_raw_fd(fd) } }
    }

    pub fn try_clone(&self) -> Result<Chan> {
        Ok(Chan { fd: self.fd.try_clone().with_context(|| tr!("sys-chan-dup"))? })
    }

    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// Send one message, with `fds` attached by SCM_RIGHTS. Blocks while the peer's queue is
    /// full unless `nonblocking`, in which case a full queue is `Err(EAGAIN)`.
    pub fn send<T: Serialize>(&self, msg: &T, fds: &[BorrowedFd], nonblocking: bool) -> Result<(), Errno> {
        let bytes = serde_json::to_vec(msg).expect("channel messages always serialize");
        self.send_bytes(&bytes, fds, nonblocking)
    }

    pub fn send_bytes(&self, bytes: &[u8], fds: &[BorrowedFd], nonblocking: bool) -> Result<(), Errno> {
        let raw: Vec<RawFd> = fds.iter().map(|f| f.as_raw_fd()).collect();
        let cmsg = [ControlMessage::ScmRights(&raw)];
        let cmsgs: &[ControlMessage] = if raw.is_empty() { &[] } else { &cmsg };
        // MSG_NOSIGNAL: a dead peer is an EPIPE error to handle, not a SIGPIPE that kills us.
        let mut flags = MsgFlags::MSG_NOSIGNAL;
        if nonblocking {
            flags |= MsgFlags::MSG_DONTWAIT;
        }
        loop {
            match sendmsg::<()>(self.fd.as_raw_fd(), &[IoSlice::new(bytes)], cmsgs, flags, None) {
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
                Ok(_) => return Ok(()),
            }
        }
    }

    /// The size in bytes of the last message [`Chan::recv`] returned on this thread: what the
    /// receiver counts as having crossed the channel.
    pub fn last_len() -> usize {
        LAST_LEN.get()
    }

    /// Receive one message and the fds that came with it.
    pub fn recv<T: DeserializeOwned>(&self, nonblocking: bool) -> Result<Recv<T>> {
        thread_local! {
            // One receive buffer per thread, not a 64 KiB allocation per message: in rr mode a
            // worker receives one message per connection.
            static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; MAX_MSG]);
        }
        BUF.with_borrow_mut(|buf| self.recv_into(buf, nonblocking))
    }

    fn recv_into<T: DeserializeOwned>(&self, buf: &mut [u8], nonblocking: bool) -> Result<Recv<T>> {
        match self.recv_bytes(buf, nonblocking)? {
            Recv::Msg(n, fds) => {
                LAST_LEN.set(n);
                let msg = serde_json::from_slice(&buf[..n])
                    .with_context(|| tr!("sys-chan-malformed", text = String::from_utf8_lossy(&buf[..n.min(200)])))?;
                Ok(Recv::Msg(msg, fds))
            }
            Recv::Eof => Ok(Recv::Eof),
            Recv::Empty => Ok(Recv::Empty),
        }
    }

    /// Receive one packet into `buf`; `Msg(len, fds)`.
    pub fn recv_bytes(&self, buf: &mut [u8], nonblocking: bool) -> Result<Recv<usize>> {
        let mut cmsg_buf = nix::cmsg_space!([RawFd; MAX_FDS]);
        let mut flags = MsgFlags::MSG_CMSG_CLOEXEC;
        if nonblocking {
            flags |= MsgFlags::MSG_DONTWAIT;
        }
        let mut reset = false;
        let (len, fds, truncated) = loop {
            let mut iov = [IoSliceMut::new(buf)];
            match recvmsg::<()>(self.fd.as_raw_fd(), &mut iov, Some(&mut cmsg_buf), flags) {
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) if reset => return Ok(Recv::Eof),
                Err(Errno::EAGAIN) => return Ok(Recv::Empty),
                // A peer that died with data of ours unread shows up as a reset, reported once
                // (reading the error clears it) and *before* the packets it sent us last. Those
                // are its last words (a worker's report before it crashes): read on, and call
                // it EOF when nothing is left.
                Err(Errno::ECONNRESET) if !reset => {
                    reset = true;
                    continue;
                }
                Err(Errno::ECONNRESET) => return Ok(Recv::Eof),
                Err(e) => return Err(e).with_context(|| tr!("sys-chan-recv")),
                Ok(msg) if msg.flags.intersects(MsgFlags::MSG_CTRUNC) && !msg.flags.intersects(MsgFlags::MSG_TRUNC) => {
                    // The data is whole, but fds did not fit or could not be installed (EMFILE:
                    // this process is out of fds); the kernel closed those (unix(7)). nix will
                    // not read a truncated control buffer, so the message arrives with no fds
                    // (forklab sends one fd a message: none of them was installed). A worker
                    // out of fds so loses that connection, not its life.
                    break (msg.bytes, Vec::new(), false);
                }
                Ok(msg) => {
                    let mut fds = Vec::new();
                    for cmsg in msg.cmsgs().with_context(|| tr!("sys-chan-cmsgs"))? {
                        if let ControlMessageOwned::ScmRights(raw) = cmsg {
                            // SAFETY: the kernel just installed these fds in our table for us;
                            // nothing else owns them.
                            fds.extend(raw.into_iter().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }));
                        }
                    }
                    let truncated = msg.flags.intersects(MsgFlags::MSG_TRUNC);
                    break (msg.bytes, fds, truncated);
                }
            }
        };
        if truncated {
            bail!(tr!("sys-chan-oversized", max = MAX_MSG));
        }
        if len == 0 && fds.is_empty() {
            return Ok(Recv::Eof);
        }
        Ok(Recv::Msg(len, fds))
    }
}

impl AsFd for Chan {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Chan {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn a_message_keeps_its_boundaries() {
        let (a, b) = Chan::pair().unwrap();
        a.send(&serde_json::json!({"n": 1}), &[], false).unwrap();
        a.send(&serde_json::json!({"n": 2}), &[], false).unwrap();
        for want in 1..=2 {
            match b.recv::<serde_json::Value>(false).unwrap() {
                Recv::Msg(v, fds) => {
                    assert_eq!(v["n"], want);
                    assert!(fds.is_empty());
                }
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    #[test]
    fn an_fd_crosses_with_scm_rights() {
        let (a, b) = Chan::pair().unwrap();
        let (r, w) = nix::unistd::pipe().unwrap();
        a.send(&"pipe", &[w.as_fd()], false).unwrap();
        drop(w);
        let Recv::Msg(_, mut fds) = b.recv::<String>(false).unwrap() else { panic!("no message") };
        assert_eq!(fds.len(), 1);
        let mut received = std::fs::File::from(fds.remove(0));
        received.write_all(b"hi").unwrap();
        drop(received);
        let mut got = String::new();
        std::fs::File::from(r).read_to_string(&mut got).unwrap();
        assert_eq!(got, "hi");
    }

    #[test]
    fn last_words_of_a_peer_that_left_data_unread_are_kept() {
        let (a, b) = Chan::pair().unwrap();
        // b sends to a, a sends to b; b closes without reading: a sees a reset first.
        b.send(&"last words", &[], false).unwrap();
        a.send(&"never read", &[], false).unwrap();
        drop(b);
        match a.recv::<String>(true).unwrap() {
            Recv::Msg(m, _) => assert_eq!(m, "last words"),
            other => panic!("expected the last words, got {other:?}"),
        }
        assert!(matches!(a.recv::<String>(true).unwrap(), Recv::Eof | Recv::Empty));
    }

    #[test]
    fn a_closed_peer_reads_as_eof() {
        let (a, b) = Chan::pair().unwrap();
        drop(a);
        assert!(matches!(b.recv::<String>(false).unwrap(), Recv::Eof));
    }

    #[test]
    fn nothing_queued_is_empty_when_nonblocking() {
        let (_a, b) = Chan::pair().unwrap();
        assert!(matches!(b.recv::<String>(true).unwrap(), Recv::Empty));
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        let (a, b) = Chan::pair().unwrap();
        a.send_bytes(b"\xff not json", &[], false).unwrap();
        let err = b.recv::<String>(false).unwrap_err();
        assert!(err.to_string().contains("malformed channel message"), "{err}");
    }
}
