//! What the runner has seen of the lab (its events) and measured itself: what the checks read.

use super::{Work, idle};
use crate::lesson::ProcField;
use crate::proto::client::{ClientSummary, ConnRecord};
use crate::proto::{Event, HowListening, role};
use std::collections::{BTreeMap, BTreeSet};

/// What the lab has shown so far, gathered from its events.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Live processes by alias ("master", "W1", ...).
    pub pids: BTreeMap<String, i32>,
    /// The latest listener report of each process in the current pool.
    pub listeners: BTreeMap<String, (i32, i32, u64, HowListening)>,
    /// The latest exit of each alias.
    pub exits: BTreeMap<String, Event>,
    /// Workers the master caught hung.
    pub hung: BTreeSet<String>,
    /// Workers the master gave up on, with the quick restarts it counted.
    pub gave_up: BTreeMap<String, u32>,
    /// The daemon's pidfile, once it has written one.
    pub pidfile: Option<String>,
}

impl Seen {
    pub fn observe(&mut self, ev: &Event) {
        match ev {
            Event::Spawned { alias, pid, .. } => {
                self.pids.insert(alias.clone(), *pid);
            }
            Event::Listening { alias, pid, fd, inode, how, .. } => {
                self.listeners.insert(alias.clone(), (*pid, *fd, *inode, *how));
            }
            Event::Exited { alias, pid, .. } => {
                if self.pids.get(alias) == Some(pid) {
                    self.pids.remove(alias);
                    self.listeners.remove(alias);
                }
                self.exits.insert(alias.clone(), ev.clone());
            }
            Event::Hung { alias, .. } => {
                self.hung.insert(alias.clone());
            }
            Event::GaveUp { alias, restarts, .. } => {
                self.gave_up.insert(alias.clone(), *restarts);
            }
            Event::Daemon { pid, pidfile, .. } => {
                self.pids.insert(role::DAEMON.into(), *pid);
                // Set by the `pidfile` step when it wrote and locked the file (roles/daemon.rs).
                if let Some(path) = pidfile {
                    self.pidfile = Some(path.clone());
                }
            }
            _ => {}
        }
    }
}

/// The result of the last `fire` (or of a `load` collected by `wait load`).
#[derive(Debug, Clone)]
pub struct Fired {
    pub summary: ClientSummary,
    pub per_worker: BTreeMap<String, u64>,
    /// Connections the workers themselves counted during the fire.
    pub accepted: u64,
}

/// What strace saw of a call kind: each call's first argument and the fds it passed, or why
/// nothing was seen.
pub type Traced = Result<Vec<(String, Vec<String>)>, String>;

/// What the runner measured itself, beyond the lab's events: what the checks read.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub fire: Option<Fired>,
    /// Live pids just before the last crash or kill.
    pub before_crash: BTreeMap<String, i32>,
    /// Across the last crash loop: each wait from an exit to the next start, as the runner
    /// saw the events arrive, in ms.
    pub respawn_delays: Vec<u64>,
    /// Connections that could be in the killed worker's channel, handed to it and not yet
    /// in its fd table (rr mode: at most one).
    pub in_channel: u64,
    /// The last crash: who, and the connections it held then.
    pub crash: Option<(String, u64)>,
    /// The messages of the last `send`, and the last round trip.
    pub messages: Vec<Event>,
    pub rtt_us: Option<u64>,
    /// The last handle sent: (inode sent, fd received, inode received).
    pub handle: Option<(u64, i32, u64)>,
    /// The master's sendmsg() calls strace saw during the last `node fork`, each with the fds
    /// it passed; or why none could be traced.
    pub sendmsg: Option<Traced>,
    /// Events of the last rolling restart.
    pub rolling: Vec<Event>,
    /// Whether a load was still running when it ended (None: no load was started).
    pub rolled_under_load: Option<bool>,
    /// How the idle keep-alive connections open before the last rolling restart ended.
    pub rolled_idle: Option<idle::IdleEnd>,
    /// How the idle keep-alive connections of the last `hold` ended, read by `wait hold`.
    pub held_idle: Option<idle::IdleEnd>,
    /// The finished connections of the last background load.
    pub load_conns: Vec<ConnRecord>,
    pub work: Option<Work>,
    /// Facts of the daemon just before its last step, as /proc showed them.
    pub daemon_before: Option<(String, Vec<(ProcField, String)>)>,
    /// forklab's own controlling terminal at the daemon's last step ("none" without one): a
    /// daemon with no terminal before a step either lost it earlier or never had one.
    pub forklab_tty: Option<String>,
    /// The last `counter`, in the order the reports came: (alias, tid, shared, value).
    pub counters: Vec<(String, i32, bool, u64)>,
    /// The last `counter all` (each process's own copy, the master's included), as `counters`.
    pub copies: Vec<(String, i32, bool, u64)>,
    /// When reaping last resumed: (SIGCHLD signals read, children reaped).
    pub reaped: Option<(u32, u32)>,
    /// The last `connect`: (handshakes completed, timed out).
    pub connected: Option<(u32, u32)>,
    /// Connections in the listener's accept queue when last read.
    pub queued: Option<usize>,
    /// The last `cost` of each kind: its figures, as the process that measured reported them.
    pub costs: BTreeMap<String, Vec<(String, u64)>>,
}
