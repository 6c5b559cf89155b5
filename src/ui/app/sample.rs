//! The sampler's snapshots: the process rows, the cores, the fd tables.

use super::*;
use std::collections::HashSet;

/// How long an exited process's row stays on screen with its status.
const SHOWN_EXITED: Duration = Duration::from_secs(10);

impl LessonView {
    pub(super) fn sample(&mut self, s: Snapshot, now: Instant) {
        self.lab.exited.retain(|(_, at)| now.duration_since(*at) < SHOWN_EXITED);
        self.lab.gone.retain(|(_, at)| now.duration_since(*at) < SHOWN_EXITED);
        let lab = &mut self.lab;
        let kept = |pid: &i32| lab.exited.iter().any(|(r, _)| r.pid == *pid);
        lab.stopped.retain(kept);
        lab.replaced.retain(kept);
        let me = std::process::id() as i32;
        let mut rows = Vec::new();
        let mut depth: HashMap<i32, u8> = HashMap::new();
        let mut roles: HashMap<i32, Role> = HashMap::new();
        for p in &s.procs {
            let st = &p.status;
            let d = if st.pid == me { 0 } else { depth.get(&st.ppid).map(|d| d + 1).unwrap_or(1) };
            depth.insert(st.pid, d);
            let (role, alias) = self.role_of(st.pid, &st.name, me);
            roles.insert(st.pid, role);
            // A worker reports its accepts to its master, which passes them on: one whose
            // master died (re-parented to forklab or init) has nobody to tell.
            let unreported = role == Role::Worker && roles.get(&st.ppid) != Some(&Role::Master);
            let fresh =
                self.lab.born.get(&st.pid).is_some_and(|t| now.duration_since(*t) < crate::ui::model::HIGHLIGHT_FOR);
            // What this process accepted, by its pid: a respawned W1 starts from 0, whatever
            // the W1 before it took (the connections pane counts by alias, across respawns).
            let accepted = (role == Role::Worker).then(|| self.lab.accepted.get(&st.pid).copied().unwrap_or(0));
            rows.push(ProcRow {
                depth: d,
                role,
                alias,
                pid: st.pid,
                ppid: st.ppid,
                pgid: st.pgid,
                sid: st.sid,
                tty: p.tty.clone(),
                state: st.state,
                threads: st.threads,
                cpu: p.cpu,
                rss_kib: st.rss_kib,
                accepted,
                unreported,
                cwd: p.cwd.clone(),
                stdio: Some(p.stdio.clone()),
                exit: None,
                fresh,
            });
        }
        // Just-exited processes stay on screen a while, under their parent, with their status:
        // in the order they exited, but a parent's row before its children's (a worker that
        // exited before its master is drawn under the master's row, which comes after it).
        // An earlier pool's (one another pool replaced) are only counted.
        let mut pending: Vec<&(ProcRow, Instant)> =
            self.lab.exited.iter().filter(|(row, _)| !rows.iter().any(|r| r.pid == row.pid)).collect();
        let all = pending.len();
        pending.retain(|(row, _)| !self.lab.replaced.contains(&row.pid));
        self.model.earlier_exited = all - pending.len();
        while !pending.is_empty() {
            let next = pending.iter().position(|(row, _)| rows.iter().any(|r| r.pid == row.ppid)).unwrap_or(0);
            let (row, at) = pending.remove(next);
            if rows.iter().any(|r| r.pid == row.pid) {
                continue;
            }
            let mut row = row.clone();
            if row.role == Role::Worker {
                // Its last report may have come after it was last sampled.
                row.accepted = Some(self.lab.accepted.get(&row.pid).copied().unwrap_or(0));
            }
            row.fresh = now.duration_since(*at) < crate::ui::model::HIGHLIGHT_FOR;
            // One level under its parent, after its parent's other children and theirs.
            let at = match rows.iter().position(|r| r.pid == row.ppid) {
                Some(p) => {
                    row.depth = rows[p].depth + 1;
                    (rows[p + 1..].iter().position(|r| r.depth <= rows[p].depth)).map_or(rows.len(), |i| p + 1 + i)
                }
                None => rows.iter().rposition(|r| r.ppid == row.ppid).map_or(rows.len(), |i| i + 1),
            };
            rows.insert(at, row);
        }
        // The live rows this sample no longer has: an exit event may come after.
        for old in self.model.procs.iter().filter(|o| o.exit.is_none() && !rows.iter().any(|r| r.pid == o.pid)) {
            self.lab.gone.retain(|(g, _)| g.pid != old.pid);
            self.lab.gone.push((old.clone(), now));
        }
        self.model.procs = rows;
        // With the rows just gone among those kept: their exit events may come after.
        self.forget(&s, now);
        // The selection stays on its process while rows come and go around it.
        if let Some(i) = self.lab.selected_pid.and_then(|pid| self.model.procs.iter().position(|r| r.pid == pid)) {
            self.model.selected = i;
        }
        self.model.selected = self.model.selected.min(self.model.procs.len().saturating_sub(1));
        self.model.cores.resize(s.cores.len(), Default::default());
        for (h, v) in self.model.cores.iter_mut().zip(&s.cores) {
            h.push(*v);
        }
        self.model.listening = s.listening;
        self.lab.fds = s.fds;
        self.refresh_fds();
    }

    /// What the lab said about each process (its alias, parent, birth, accepts) is kept while
    /// a row can need it: the process is in this sample, or its exited row is on screen, or it
    /// was spawned (or its parent named, by a Node program's report) a moment ago: the lab can
    /// say so before the sampler sees it, or before its exit event comes. So a lab that
    /// respawns for hours keeps what its live processes need, not one entry per spawn.
    fn forget(&mut self, s: &Snapshot, now: Instant) {
        let lab = &mut self.lab;
        let live: HashSet<i32> = s.procs.iter().map(|p| p.status.pid).collect();
        let shown: HashSet<i32> = lab.exited.iter().chain(&lab.gone).map(|(r, _)| r.pid).collect();
        let young = |at: &Instant| now.saturating_duration_since(*at) < SHOWN_EXITED;
        let born = &lab.born;
        let needed = |pid: &i32| live.contains(pid) || shown.contains(pid) || born.get(pid).is_some_and(young);
        lab.aliases.retain(|pid, _| needed(pid));
        lab.parents.retain(|pid, (_, named)| needed(pid) || young(named));
        lab.accepted.retain(|pid, _| needed(pid));
        lab.born.retain(|_, at| young(at));
    }

    pub(super) fn role_of(&self, pid: i32, name: &str, me: i32) -> (Role, String) {
        if pid == me {
            return (Role::App, Role::App.name().into());
        }
        let role = Role::of_comm(name);
        if let Some(alias) = self.lab.aliases.get(&pid) {
            // Named by the lab's events: its master and workers keep their role, the rest
            // (a load client, a daemon) are listed by the alias alone.
            let role = if matches!(role, Role::Master | Role::Worker) { role } else { Role::Other };
            return (role, alias.clone());
        }
        match role {
            Role::Other => (Role::Other, name.to_string()),
            role => (role, role.name().into()),
        }
    }

    /// The fds pane follows the selected process; sockets it shares with another process on
    /// screen get one colour per inode.
    pub(super) fn refresh_fds(&mut self) {
        let Some(row) = self.model.procs.get(self.model.selected) else {
            self.model.fds = None;
            return;
        };
        let Some(fds) = self.lab.fds.get(&row.pid) else {
            self.model.fds = None;
            return;
        };
        let mut holders: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (pid, table) in &self.lab.fds {
            if *pid == row.pid {
                continue;
            }
            let alias =
                self.model.procs.iter().find(|r| r.pid == *pid).map(|r| r.alias.clone()).unwrap_or(pid.to_string());
            for e in table {
                if let Some(inode) = e.socket_inode() {
                    holders.entry(inode).or_default().push(format!("{alias} fd {}", e.fd));
                }
            }
        }
        // Colour by the inode's rank among all shared inodes on screen, so an inode keeps its
        // colour whichever process is selected.
        let all_shared = shared_inodes(&self.lab.fds);
        let mut shared = BTreeMap::new();
        for e in fds {
            if let Some(inode) = e.socket_inode()
                && let (Some(others), Some(rank)) = (holders.get(&inode), all_shared.iter().position(|i| *i == inode))
            {
                shared.insert(inode, (rank, others.clone()));
            }
        }
        self.model.fds = Some(FdTable { alias: row.alias.clone(), pid: row.pid, fds: fds.clone(), shared });
    }
}

/// Socket inodes held by more than one process, in ascending order.
pub(super) fn shared_inodes(fds: &BTreeMap<i32, Vec<crate::sys::procfs::FdEntry>>) -> Vec<u64> {
    let mut count: BTreeMap<u64, BTreeSet<i32>> = BTreeMap::new();
    for (pid, table) in fds {
        for e in table {
            if let Some(i) = e.socket_inode() {
                count.entry(i).or_default().insert(*pid);
            }
        }
    }
    count.into_iter().filter(|(_, pids)| pids.len() > 1).map(|(i, _)| i).collect()
}
