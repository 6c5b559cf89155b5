//! `forklab play`: run a lesson's steps headless against real processes and print the
//! transcript; exits non-zero if an `expect` fails.

use crate::lab::Lab;
use crate::lesson::{
    self,
    run::{Runner, Transcript, run_order},
};
use anyhow::{Result, anyhow};
use std::path::Path;
use std::process::{ExitCode, Stdio};

pub fn run(dir: Option<&Path>, id: &str, json: bool) -> Result<ExitCode> {
    let all = crate::lesson::lessons(dir)?;
    let lesson = lesson::find(&all, id)?;
    if lesson.needs_node() && crate::lab::node::node_on_path().is_none() {
        eprintln!("forklab: {}", tr!("lesson-needs-node", id = id, how = crate::lab::node::how_to_get()));
        return Ok(ExitCode::from(2));
    }
    // `--json` is an interface: what the engine says in it (an expect's detail, an error)
    // stays English whatever the language; the lesson's own text is the lesson's.
    if json {
        crate::i18n::set(crate::i18n::Lang::En);
    }
    let quit = crate::sys::reaper::quit_signals();
    let mut out = Transcript::stdout(json);
    out.header(lesson);
    crate::lesson::run::terminal_for(lesson, &mut out);
    let mut runner = Runner::new(lesson, Lab::start(Stdio::inherit())?);
    let mut result = Ok(());
    for (i, step) in lesson.steps.iter().enumerate() {
        out.step(i + 1, lesson.steps.len(), &step.title, &step.narration);
        crate::sys::probe::panic_if_asked(&format!("step:{}", i + 1));
        crate::sys::probe::hang_if_asked(&format!("step:{}", i + 1));
        for d in run_order(&step.directives) {
            if let Ok(sig) = quit.try_recv() {
                result = Err(anyhow!(tr!("stopped-by", signal = sig.as_str())));
                break;
            }
            // The reader has gone (`play x | head -1`): stop the lab and end as `serve` does,
            // quietly with 141, rather than run the rest of the lesson for no one.
            if out.stdout_closed() {
                result = Err(crate::sys::term::StdoutClosed.into());
                break;
            }
            if let Err(e) = runner.apply(&d.item, &mut out) {
                // A quit signal abandons the directive it comes in (the lab's waits watch the
                // quit gate): say which signal stopped the lesson, not what was abandoned.
                result = Err(match quit.try_recv() {
                    Ok(sig) => anyhow!(tr!("stopped-by", signal = sig.as_str())),
                    Err(_) => e.context(format!("{}:{}: `{}`", lesson.file, d.line, d.text)),
                });
                break;
            }
        }
        if result.is_err() {
            break;
        }
        runner.finish_step(i + 1, &mut out);
        if let Some(explain) = step.explain.as_deref().filter(|e| !e.is_empty()) {
            out.explain(i + 1, explain);
        }
    }
    runner.lab.shutdown(&mut |ev| out.event(ev))?;
    out.summary(lesson, result.as_ref().err());
    result?;
    Ok(if out.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
