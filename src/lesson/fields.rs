//! The fields a claim reads of one process: facts from /proc compared as text
//! (`daemon ppid == forklab`) and numbers compared with an operator (`W1 threads >= 5`).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProcField {
    Ppid,
    Pgid,
    Sid,
    Tty,
    Cwd,
    Umask,
    Fd0,
    Fd1,
    Fd2,
    /// How many of its fds above 2 share an open file description with one of the master's
    /// fds (kcmp(2) KCMP_FILE): what a fork handed down and nobody closed since.
    Shared,
    /// The state letter of /proc/PID/stat: R, S, D, T, Z (a zombie: dead, status not collected).
    State,
    /// The file name of the program it runs (/proc/PID/exe): `node`.
    Exe,
    /// The file name of the script it was started with: the first argument after the program's
    /// own options in /proc/PID/cmdline (`child1.js`).
    Script,
    /// The pid holding the other end of fd 3 when fd 3 is a Unix stream socket (sock_diag's
    /// peer inode); else what fd 3 is.
    Fd3Peer,
}

impl ProcField {
    /// What `show` prints and the daemon's steps record: the columns the daemon lesson watches.
    /// The others are read only for a claim that names them (fd3_peer asks sock_diag and walks
    /// forklab's tree).
    pub const SHOWN: &[ProcField] = Self::ALL.split_at(11).0;

    /// Every field: the shown ones first, then those read only when a claim names them.
    pub const ALL: [ProcField; 14] = [
        ProcField::Ppid,
        ProcField::Pgid,
        ProcField::Sid,
        ProcField::Tty,
        ProcField::Cwd,
        ProcField::Umask,
        ProcField::Fd0,
        ProcField::Fd1,
        ProcField::Fd2,
        ProcField::Shared,
        ProcField::State,
        ProcField::Exe,
        ProcField::Script,
        ProcField::Fd3Peer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProcField::Ppid => "ppid",
            ProcField::Pgid => "pgid",
            ProcField::Sid => "sid",
            ProcField::Tty => "tty",
            ProcField::Cwd => "cwd",
            ProcField::Umask => "umask",
            ProcField::Fd0 => "fd0",
            ProcField::Fd1 => "fd1",
            ProcField::Fd2 => "fd2",
            ProcField::Shared => "shared",
            ProcField::State => "state",
            ProcField::Exe => "exe",
            ProcField::Script => "script",
            ProcField::Fd3Peer => "fd3_peer",
        }
    }
}

/// A number of one process that `TARGET FIELD OP NUMBER` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountField {
    /// `Threads:` in /proc/PID/status.
    Threads,
    /// `VmRSS:` in /proc/PID/status, in MiB.
    RssMib,
    /// Listening TCP sockets in its fd table (sock_diag).
    Listeners,
    /// Connections of the last fire it served (the watch attribution, or the worker's count).
    Served,
    /// Open fds: the entries of /proc/PID/fd.
    Fds,
    /// Times its script started from the top in this process: the lines a built-in Node
    /// program prints first thing (`child1.js: from the top, pid P ...`), in its log.
    Starts,
}

impl CountField {
    pub const ALL: [CountField; 6] = [
        CountField::Threads,
        CountField::RssMib,
        CountField::Listeners,
        CountField::Served,
        CountField::Fds,
        CountField::Starts,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CountField::Threads => "threads",
            CountField::RssMib => "rss_mib",
            CountField::Listeners => "listeners",
            CountField::Served => "served",
            CountField::Fds => "fds",
            CountField::Starts => "starts",
        }
    }
}
