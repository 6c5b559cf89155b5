use super::{Master, Rolling};
use crate::proto::mode::Handle;
use crate::proto::{Event, role};

impl Master {
    pub(super) fn rolling_start(&mut self) {
        let Some(pool) = &self.pool else {
            return self.error("no_pool", tr!("master-no-pool-to-restart"));
        };
        if self.rolling.is_some() {
            return self.error("busy", tr!("master-rolling-busy"));
        }
        let old = pool.slots.values().filter(|s| !s.retiring && s.pid.is_some()).map(|s| s.index).collect();
        self.rolling = Some(Rolling { old, current: None, replaced: 0 });
        self.rolling_next();
    }

    /// Start the successor of the next old worker; the old one is told to stop only once the
    /// new one is ready (PM2's reload does the same).
    pub(super) fn rolling_next(&mut self) {
        loop {
            let Some(rolling) = &mut self.rolling else { return };
            let Some(old) = rolling.old.pop_front() else {
                let replaced = rolling.replaced;
                self.rolling = None;
                self.emit(Event::Rolled { alias: role::MASTER.into(), pid: self.pid, replaced });
                if let Some(pool) = &mut self.pool {
                    pool.announced = false;
                }
                self.check_ready();
                return;
            };
            let Some(pool) = &self.pool else { return };
            if pool.slots.get(&old).is_none_or(|s| s.pid.is_none()) {
                continue;
            }
            let new = pool.slots.keys().max().copied().unwrap_or(0) + 1;
            if let Err(e) = self.fork_worker(new) {
                self.rolling = None;
                return self.error("fork_failed", tr!("master-rolling-failed", error = format!("{e:#}")));
            }
            if self.pool.as_ref().is_some_and(|p| p.mode.uses_master_listener() && p.handle == Handle::Pass) {
                self.pass_listener(new);
            }
            if let Some(r) = &mut self.rolling {
                r.current = Some((old, new, false));
            }
            return;
        }
    }

    /// A worker became ready; if it is the successor a rolling restart waits for, retire its
    /// predecessor now.
    pub(super) fn rolling_ready(&mut self, index: u32) {
        let Some(Rolling { current: Some((old, new, ready)), .. }) = &mut self.rolling else { return };
        if *new != index || *ready {
            return;
        }
        *ready = true;
        let old = *old;
        let Some(pool) = &self.pool else { return };
        let (Some(n), Some(o)) = (pool.slots.get(&index), pool.slots.get(&old)) else { return };
        let (new_alias, old_alias) = (n.alias.clone(), o.alias.clone());
        self.emit(Event::WorkerReady { alias: new_alias.clone(), pid: n.pid.unwrap_or(0) });
        self.emit(Event::Retiring { alias: old_alias, pid: o.pid.unwrap_or(0), replaced_by: new_alias });
        self.retire(old);
    }
}
