//! A gate that many waiters can watch and one call closes: its receiver never gets a message,
//! and is disconnected once the gate is closed, so a `select!` over it wakes every waiter at
//! once (crossbeam-channel reports disconnection to all receivers). The lab uses one to abandon
//! whatever it waits for when a quit signal comes or the learner leaves the lesson.

use crossbeam_channel::{Receiver, Sender, bounded};
use std::sync::Mutex;

pub struct Gate {
    tx: Mutex<Option<Sender<()>>>,
    rx: Receiver<()>,
}

impl Default for Gate {
    fn default() -> Gate {
        let (tx, rx) = bounded(0);
        Gate { tx: Mutex::new(Some(tx)), rx }
    }
}

impl Gate {
    /// Close the gate: every receiver of it wakes, now and later.
    pub fn close(&self) {
        self.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// A receiver to put in a `select!`: it becomes ready (disconnected) when the gate closes.
    pub fn receiver(&self) -> Receiver<()> {
        self.rx.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn closing_wakes_every_receiver() {
        let gate = Gate::default();
        let (a, b) = (gate.receiver(), gate.receiver());
        assert!(a.recv_timeout(Duration::from_millis(10)).is_err_and(|e| e.is_timeout()));
        gate.close();
        assert!(a.recv_timeout(Duration::from_secs(1)).is_err_and(|e| e.is_disconnected()));
        assert!(b.recv().is_err());
    }
}
