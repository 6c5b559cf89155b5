//! The engine thread: it owns the lab (the master and the load client are spawned from this
//! one long-lived thread, since PR_SET_PDEATHSIG fires when the spawning *thread* exits), runs
//! the lesson's directives and the learner's actions one at a time, and forwards everything the
//! lab says to the app as transcript lines. The app never waits on a process.

use crate::lab::Lab;
use crate::lesson::run::{Report, Runner, Transcript};
use crate::lesson::{Directive, Lesson, Located};
use crate::sys::gate::Gate;
use crossbeam_channel::{Receiver, Sender, select, unbounded};
use std::process::Stdio;
use std::thread::JoinHandle;

/// What the app asks of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineCmd {
    /// Run the directives of step `index` (0-based).
    RunStep(usize),
    /// Run one directive on the learner's behalf (fire, kill, scale, mode).
    Do(Directive),
    /// Stop the pool and the master, then end.
    Quit,
}

/// What the engine tells the app.
#[derive(Debug, Clone)]
pub enum EngineMsg {
    /// The lab is up: the master's pid.
    Started {
        master: i32,
    },
    Report(Report),
    /// A step's directives have run (`error` when one failed).
    StepDone {
        index: usize,
        error: Option<String>,
    },
    /// A learner's action has run.
    Done {
        text: String,
        error: Option<String>,
    },
    /// The engine has ended (after Quit, or because the master died).
    Ended {
        error: Option<String>,
    },
}

pub struct Engine {
    pub cmds: Sender<EngineCmd>,
    handle: Option<JoinHandle<()>>,
    /// Closed when the learner leaves: the directive running then is abandoned at once.
    abort: std::sync::Arc<Gate>,
}

impl Engine {
    /// Start the engine thread for `lesson`; its messages go to `tx`, wrapped by `wrap`.
    pub fn start<M: Send + 'static>(lesson: Lesson, tx: Sender<M>, wrap: fn(EngineMsg) -> M) -> Engine {
        let (cmds, rx) = unbounded();
        let told = tx.clone();
        let abort = std::sync::Arc::new(Gate::default());
        let gate = abort.clone();
        let handle = std::thread::Builder::new()
            .name("engine".into())
            .spawn(move || run(lesson, rx, gate, move |m| tx.send(wrap(m)).is_ok()))
            // No thread (RLIMIT_NPROC): the lesson screen shows the error, as for a lab that
            // could not start.
            .inspect_err(|e| {
                let _ = told
                    .send(wrap(EngineMsg::Ended { error: Some(tr!("engine-thread-failed", error = e.to_string())) }));
            })
            .ok();
        Engine { cmds, handle, abort }
    }

    pub fn send(&self, cmd: EngineCmd) {
        // The engine may have ended (its master died); the app shows that from EngineMsg::Ended.
        let _ = self.cmds.send(cmd);
    }

    /// Ask the engine to stop the lab and wait for it: a step still running is abandoned.
    pub fn stop(mut self) {
        self.abort.close();
        self.send(EngineCmd::Quit);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.abort.close();
        let _ = self.cmds.send(EngineCmd::Quit);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn run(
    lesson: Lesson,
    cmds: Receiver<EngineCmd>,
    abort: std::sync::Arc<Gate>,
    send: impl Fn(EngineMsg) -> bool + Send + Clone + 'static,
) {
    let lab = match Lab::start_with_abort(Stdio::null(), abort) {
        Ok(lab) => lab,
        Err(e) => {
            send(EngineMsg::Ended { error: Some(format!("{e:#}")) });
            return;
        }
    };
    send(EngineMsg::Started { master: lab.master_pid });
    let mut events = lab.events().clone();
    let mut runner = Runner::new(&lesson, lab);
    runner.stream_conns = true;
    let report_send = send.clone();
    let mut out = Transcript::new(Box::new(move |report| {
        report_send(EngineMsg::Report(report));
    }));
    let ended = loop {
        select! {
            recv(cmds) -> cmd => match cmd {
                Ok(EngineCmd::RunStep(index)) => {
                    let directives: &[Located<Directive>] = lesson.steps.get(index).map(|s| &s.directives[..]).unwrap_or(&[]);
                    let mut error = None;
                    // As `forklab play` does: questions first, then the rest; after the step,
                    // each question's real answer from what happened.
                    for d in crate::lesson::run::run_order(directives) {
                        if let Err(e) = runner.apply(&d.item, &mut out) {
                            error = Some(format!("{}:{}: {e:#}", lesson.file, d.line));
                            break;
                        }
                    }
                    if error.is_none() {
                        runner.finish_step(index + 1, &mut out);
                    }
                    send(EngineMsg::StepDone { index, error });
                }
                Ok(EngineCmd::Do(directive)) => {
                    let error = runner.apply(&directive, &mut out).err().map(|e| format!("{e:#}"));
                    send(EngineMsg::Done { text: directive.to_string(), error });
                }
                Ok(EngineCmd::Quit) | Err(_) => break None,
            },
            recv(events) -> ev => match ev {
                Ok(ev) => {
                    runner.seen.observe(&ev);
                    out.event(&ev);
                }
                // A lesson that killed the master (the zombie lesson) goes on with its orphans.
                Err(_) if runner.killed_master => {
                    events = crossbeam_channel::never();
                }
                Err(_) => break Some(tr!("master-ended")),
            },
        }
    };
    let _ = runner.lab.shutdown(&mut |ev| out.event(ev));
    send(EngineMsg::Ended { error: ended });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::{Target, WorkerCount, parse_directive};
    use crate::proto::mode::Mode;
    use nix::sys::signal::Signal;

    #[test]
    fn an_actions_text_is_the_lesson_line_that_parses_back_to_it() {
        let actions = [
            Directive::Fire { connections: 100, concurrency: 4, keepalive: 1 },
            Directive::Fire { connections: 10, concurrency: 4, keepalive: 5 },
            Directive::Scale(WorkerCount::N(3)),
            Directive::SetMode(Mode::Reuseport),
            Directive::Kill { target: Target::Worker(2), signal: Signal::SIGKILL },
            Directive::Kill { target: Target::Master, signal: Signal::SIGTERM },
        ];
        for d in actions {
            assert_eq!(parse_directive(&d.to_string()), Ok(d.clone()), "{d}");
        }
        assert_eq!(Directive::Scale(WorkerCount::N(3)).to_string(), "do: scale workers=3");
    }
}
