//! update from messages: keys, engine reports, samples, autoplay.

use super::*;
use crate::ui::model::Tally;
use crossterm::event::KeyEvent;

fn app() -> App {
    App::new(crate::lesson::embedded().unwrap(), BTreeSet::new(), (100, 30))
}

/// A learner's action on the lab: the directive its lesson line parses to.
fn lab(text: &str) -> Effect {
    Effect::Engine(EngineCmd::Do(crate::lesson::parse_directive(text).expect("valid lesson vocabulary")))
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn opened(app: &mut App, id: &str) -> Vec<Effect> {
    let i = app.lessons.iter().position(|l| l.id == id).unwrap();
    app.open_direct(i)
}

fn view(app: &App) -> &LessonView {
    match &app.screen {
        Screen::Lesson(v) => v,
        Screen::Picker { .. } => panic!("not on a lesson"),
    }
}

fn event(ev: Event) -> Msg {
    Msg::Engine(EngineMsg::Report(Report::Event(ev)))
}

fn pool_ready(app: &mut App) {
    app.update(event(Event::PoolReady { alias: "master".into(), pid: 10, mode: Mode::Rr, port: 8090, workers: 2 }));
}

#[test]
fn enter_on_the_picker_opens_the_lesson() {
    let mut app = app();
    let fx = app.update(key(KeyCode::Enter));
    assert_eq!(fx, vec![Effect::Open(0)]);
    assert_eq!(view(&app).steps.page, 0);
}

#[test]
fn forward_runs_each_step_once_and_back_only_rereads() {
    let mut app = app();
    opened(&mut app, "accept");
    assert_eq!(app.update(key(KeyCode::Right)), vec![Effect::Engine(EngineCmd::RunStep(0))]);
    assert!(view(&app).steps.busy);
    // Still running: a second → does not start step 2.
    assert_eq!(app.update(key(KeyCode::Right)), vec![]);
    app.update(Msg::Engine(EngineMsg::StepDone { index: 0, error: None }));
    // A step that asks shows its question first; → again runs it without a guess.
    let mut effects = app.update(key(KeyCode::Right));
    if app.question().is_some() {
        effects = app.update(key(KeyCode::Right));
    }
    assert_eq!(effects, vec![Effect::Engine(EngineCmd::RunStep(1))]);
    app.update(Msg::Engine(EngineMsg::StepDone { index: 1, error: None }));
    assert_eq!(app.update(key(KeyCode::Left)), vec![]);
    assert_eq!(view(&app).steps.page, 1);
    // Forward again re-reads step 2 without running it.
    assert_eq!(app.update(key(KeyCode::Right)), vec![]);
    assert_eq!(view(&app).steps.page, 2);
}

#[test]
fn the_last_forward_marks_the_lesson_done() {
    let mut app = app();
    opened(&mut app, "fork");
    let steps = app.lessons.iter().find(|l| l.id == "fork").unwrap().steps.len();
    for i in 0..steps {
        app.update(key(KeyCode::Right));
        if app.question().is_some() {
            app.update(key(KeyCode::Right));
        }
        app.update(Msg::Engine(EngineMsg::StepDone { index: i, error: None }));
    }
    assert_eq!(app.update(key(KeyCode::Right)), vec![Effect::MarkDone("fork".into())]);
}

#[test]
fn q_goes_back_or_quits_and_ctrl_c_always_quits() {
    let mut app = app();
    app.update(key(KeyCode::Enter));
    assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Effect::Close]);
    assert!(matches!(app.screen, Screen::Picker { .. }));
    assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Effect::Quit]);

    let mut app = self::app();
    opened(&mut app, "accept");
    assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Effect::Close, Effect::Quit]);

    let mut app = self::app();
    opened(&mut app, "accept");
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(app.update(ctrl_c), vec![Effect::Quit]);
}

#[test]
fn firing_needs_a_pool_then_fires_the_chosen_count() {
    let mut app = app();
    opened(&mut app, "accept");
    assert_eq!(app.update(key(KeyCode::Char('c'))), vec![]);
    assert!(view(&app).message.as_deref().unwrap().contains("no pool"));
    pool_ready(&mut app);
    app.update(key(KeyCode::Char('3')));
    assert_eq!(app.update(key(KeyCode::Char('c'))), vec![lab("do: fire 100 concurrency=4")]);
    // The directive text is valid lesson vocabulary.
    assert!(crate::lesson::parse_directive("do: fire 100 concurrency=4").is_ok());
}

#[test]
fn mode_and_scale_keys_run_directives() {
    let mut app = app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    assert_eq!(app.update(key(KeyCode::Char('m'))), vec![lab("do: mode reuseport")]);
    assert_eq!(app.update(key(KeyCode::Char('+'))), vec![lab("do: scale workers=3")]);
    assert_eq!(app.update(key(KeyCode::Char('-'))), vec![lab("do: scale workers=2")]);
}

#[test]
fn once_the_client_fired_the_bars_count_its_records_so_they_add_up_to_completed() {
    let mut app = app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    // W2 answered 5 connections but reported only 3 accepts before SIGKILL took it.
    app.update(event(Event::Accepted { alias: "W2".into(), pid: 12, n: 3, total: 3 }));
    for conn in 0..5 {
        let rec = crate::proto::client::ConnRecord {
            conn,
            ok: true,
            worker: Some("W2".into()),
            pid: Some(12),
            error: None,
            us: 100,
            ..Default::default()
        };
        app.update(Msg::Engine(EngineMsg::Report(Report::Conn(rec))));
    }
    let conns = &view(&app).model.conns;
    assert_eq!((conns.per_worker.get("W2"), conns.answered.get("W2"), conns.completed), (Some(&3), Some(&5), 5));
    app.update(event(Event::PoolStopped { alias: "master".into(), pid: 10 }));
    assert!(view(&app).model.conns.answered.is_empty());
}

fn fired(fired: u64, completed: u64, per_worker: &[(&str, u64)]) -> Msg {
    let per_worker: BTreeMap<String, u64> = per_worker.iter().map(|(w, n)| (w.to_string(), *n)).collect();
    let summary: crate::proto::client::ClientSummary = serde_json::from_value(serde_json::json!({
        "done": true, "fired": fired, "completed": completed, "failed": fired - completed, "errors": {},
        "per_worker": per_worker, "elapsed_s": 1.0, "conn_per_s": 1.0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0
    }))
    .unwrap();
    let fired = crate::lesson::run::Fired { summary, per_worker, accepted: completed };
    Msg::Engine(EngineMsg::Report(Report::Fired { mode: "shared".into(), fired }))
}

#[test]
fn a_fire_counts_once_and_a_load_or_node_fire_that_streams_no_records_counts_too() {
    let mut app = app();
    opened(&mut app, "cluster");
    pool_ready(&mut app);
    // `fire 3`: three records, then its summary; the summary stands in for the records.
    for conn in 0..3 {
        let rec = crate::proto::client::ConnRecord { conn, ok: true, worker: Some("W1".into()), ..Default::default() };
        app.update(Msg::Engine(EngineMsg::Report(Report::Conn(rec))));
    }
    assert_eq!((view(&app).model.conns.fired, view(&app).model.conns.answered.get("W1")), (3, Some(&3)));
    app.update(fired(3, 3, &[("W1", 3), ("W2", 0)]));
    let c = &view(&app).model.conns;
    assert_eq!((c.fired, c.completed, c.answered.get("W1"), c.recent.len()), (3, 3, Some(&3), 3));
    assert_eq!((c.since, c.fires), (Tally { fired: 3, completed: 3, failed: 0 }, 1));
    let summed = c.clone();
    // A step's error after the summary: nothing counts twice.
    app.update(Msg::Engine(EngineMsg::StepDone { index: 0, error: None }));
    assert_eq!(view(&app).model.conns, summed);
    // `load 3000` then `wait load`: no records, one summary. The last fire is the step's
    // figures; the pool's total counts it once more.
    app.update(fired(3000, 2998, &[("W1", 1500), ("W2", 1498)]));
    let c = &view(&app).model.conns;
    assert_eq!((c.fired, c.completed, c.failed), (3000, 2998, 2));
    assert_eq!((c.answered.get("W1"), c.answered.get("W2")), (Some(&1500), Some(&1498)));
    assert_eq!((c.since, c.fires), (Tally { fired: 3003, completed: 3001, failed: 2 }, 2));
    // The latest connections listed were the fire before's.
    assert!(c.recent.is_empty(), "{:?}", c.recent);
    // Another streamed fire: its first record starts the last fire afresh.
    let rec = crate::proto::client::ConnRecord { conn: 0, ok: true, worker: Some("W2".into()), ..Default::default() };
    app.update(Msg::Engine(EngineMsg::Report(Report::Conn(rec))));
    let c = &view(&app).model.conns;
    assert_eq!((c.fired, c.answered.get("W1"), c.answered.get("W2"), c.recent.len()), (1, None, Some(&1), 1));
    assert_eq!((c.since.fired, c.fires), (3004, 3));
}

/// node-cluster: fires at one Node program add up; another program, or forklab's pool after
/// it, starts afresh (neither sends PoolStopped). The same pool ready again (after a respawn,
/// a scale, a rolling restart) keeps its figures.
#[test]
fn another_node_program_or_a_new_pool_starts_the_fires_afresh_a_pool_ready_again_does_not() {
    let mut app = app();
    opened(&mut app, "node-cluster");
    let node = |primary| {
        let info = Info::Node { program: "cluster".into(), sched: "rr".into(), port: 41000, primary, workers: vec![] };
        Msg::Engine(EngineMsg::Report(Report::Info(info)))
    };
    app.update(node(7));
    app.update(fired(100, 100, &[("W1", 50), ("W2", 50)]));
    // A worker respawned: the same primary reports again.
    app.update(node(7));
    app.update(fired(40, 40, &[("W1", 1), ("W2", 39)]));
    let c = &view(&app).model.conns;
    assert_eq!((c.fired, c.since.fired, c.fires, c.answered.get("W2")), (40, 140, 2, Some(&39)));
    app.update(node(9));
    let c = &view(&app).model.conns;
    assert_eq!((c.fired, c.since.fired, c.fires, c.answered.len()), (0, 0, 0, 0));
    app.update(fired(200, 200, &[("W1", 120), ("W2", 80)]));
    // forklab's pool after the Node program: its W1 and W2 are other processes.
    pool_ready(&mut app);
    let c = &view(&app).model.conns;
    assert_eq!((c.fired, c.since.fired, c.fires, c.answered.len()), (0, 0, 0, 0));
    app.update(fired(40, 40, &[("W1", 2), ("W2", 38)]));
    pool_ready(&mut app);
    app.update(fired(10, 10, &[("W1", 5), ("W2", 5)]));
    let c = &view(&app).model.conns;
    assert_eq!((c.fired, c.since.fired, c.fires, c.answered.get("W2")), (10, 50, 2, Some(&5)));
}

#[test]
fn the_latest_connections_carry_the_clients_own_numbers() {
    let mut app = app();
    opened(&mut app, "shutdown");
    pool_ready(&mut app);
    // Two fires of two: each numbers its connections from 0, as play and the failed list do.
    for conn in [0, 1, 0, 1] {
        let rec = crate::proto::client::ConnRecord {
            conn,
            ok: conn == 0,
            error: (conn == 1).then_some(crate::proto::client::ConnError::ClosedEarly),
            ..Default::default()
        };
        app.update(Msg::Engine(EngineMsg::Report(Report::Conn(rec))));
    }
    let numbers: Vec<u64> = view(&app).model.conns.recent.iter().map(|r| r.n).collect();
    assert_eq!(numbers, [0, 1, 0, 1]);
    let failed = crate::proto::client::ConnRecord {
        conn: 1,
        error: Some(crate::proto::client::ConnError::ClosedEarly),
        ..Default::default()
    };
    let listed = crate::lesson::run::Info::FailedConns(vec![failed]).text();
    assert!(listed.contains("#1 closed_early"), "{listed}");
}

#[test]
fn accepts_from_anywhere_count_per_worker_until_the_pool_stops() {
    let mut app = app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    for n in [1, 2] {
        app.update(event(Event::Accepted { alias: "W2".into(), pid: 12, n, total: n }));
    }
    assert_eq!(view(&app).model.conns.per_worker.get("W2"), Some(&3));
    assert_eq!(view(&app).model.conns.per_worker.get("W1"), Some(&0));
    app.update(event(Event::PoolStopped { alias: "master".into(), pid: 10 }));
    assert!(view(&app).model.conns.per_worker.is_empty());
}

#[test]
fn the_signal_menu_signals_the_selected_worker() {
    let mut app = app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    app.update(event(Event::Spawned { alias: "W1".into(), pid: FAKE_PID, ppid: 10, role: "worker".into() }));
    let me = std::process::id() as i32;
    let sample = |pid, ppid, name: &str| super::super::sampler::ProcSample {
        status: crate::sys::procfs::ProcStatus { pid, ppid, name: name.into(), state: 'S', ..Default::default() },
        cpu: 0.0,
        tty: "?".into(),
        cwd: None,
        stdio: ["a".into(), "b".into(), "c".into()],
    };
    app.update(Msg::Sample(Snapshot {
        procs: vec![sample(me, 1, "forklab"), sample(10, me, "forklab-master"), sample(FAKE_PID, 10, "forklab-worker")],
        fds: BTreeMap::new(),
        cores: vec![10.0, 20.0],
        ..Default::default()
    }));
    app.update(key(KeyCode::Tab)); // narration -> processes
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    assert_eq!(view(&app).model.procs[view(&app).model.selected].alias, "W1");
    app.update(key(KeyCode::Char('k')));
    app.update(key(KeyCode::Down)); // KILL
    assert_eq!(app.update(key(KeyCode::Enter)), vec![lab("do: kill W1 signal=KILL")]);
}

#[test]
fn the_selection_follows_its_process_and_a_steps_show_fds() {
    let mut app = app();
    opened(&mut app, "daemon");
    let me = std::process::id() as i32;
    let sample = |pid, ppid, name: &str| super::super::sampler::ProcSample {
        status: crate::sys::procfs::ProcStatus { pid, ppid, name: name.into(), state: 'S', ..Default::default() },
        cpu: 0.0,
        tty: "?".into(),
        cwd: None,
        stdio: ["a".into(), "b".into(), "c".into()],
    };
    let snap = |procs| Msg::Sample(Snapshot { procs, fds: BTreeMap::new(), cores: vec![0.0], ..Default::default() });
    app.update(snap(vec![sample(me, 1, "forklab"), sample(10, me, "forklab-master")]));
    // The step shows the daemon's fds: the selection goes to it.
    app.update(Msg::Engine(EngineMsg::Report(Report::Info(Info::Fds {
        target: Target::Daemon,
        pid: 77,
        table: vec![],
        shared: BTreeMap::new(),
    }))));
    app.update(snap(vec![
        sample(me, 1, "forklab"),
        sample(10, me, "forklab-master"),
        sample(77, 10, "forklab-daemon"),
    ]));
    assert_eq!(view(&app).model.procs[view(&app).model.selected].pid, 77);
    // A new process listed above it does not move the selection off it.
    app.update(snap(vec![
        sample(me, 1, "forklab"),
        sample(10, me, "forklab-master"),
        sample(50, 10, "forklab-worker"),
        sample(77, 10, "forklab-daemon"),
    ]));
    assert_eq!(view(&app).model.procs[view(&app).model.selected].pid, 77);
}

/// Ticks until the effects ask for something; at most `n` ticks.
fn tick_until_effect(app: &mut App, n: usize) -> Vec<Effect> {
    for _ in 0..n {
        let fx = app.update(Msg::Resize(100, 30));
        if !fx.is_empty() {
            return fx;
        }
    }
    vec![]
}

#[test]
fn autoplay_waits_for_each_step_then_ends_the_recording() {
    let mut app = app();
    app.autoplay = Some(Autoplay::new(Duration::ZERO, true));
    opened(&mut app, "fork");
    let steps = app.lessons.iter().find(|l| l.id == "fork").unwrap().steps.len();
    for i in 0..steps {
        // A step with a question shows it for a pace first, then runs without a guess.
        assert_eq!(tick_until_effect(&mut app, 6), vec![Effect::Engine(EngineCmd::RunStep(i))]);
        // Running: nothing more until its directives are done.
        assert_eq!(tick_until_effect(&mut app, 3), vec![]);
        app.update(Msg::Engine(EngineMsg::StepDone { index: i, error: None }));
        assert_eq!(view(&app).steps.page, i + 1);
    }
    assert_eq!(tick_until_effect(&mut app, 3), vec![Effect::Close, Effect::Quit]);
}

#[test]
fn autoplay_without_a_recording_stops_on_the_last_step() {
    let mut app = app();
    app.autoplay = Some(Autoplay::new(Duration::ZERO, false));
    opened(&mut app, "fork");
    let steps = app.lessons.iter().find(|l| l.id == "fork").unwrap().steps.len();
    for i in 0..steps {
        assert_eq!(tick_until_effect(&mut app, 6), vec![Effect::Engine(EngineCmd::RunStep(i))]);
        app.update(Msg::Engine(EngineMsg::StepDone { index: i, error: None }));
    }
    assert_eq!(tick_until_effect(&mut app, 6), vec![]);
    assert!(app.autoplay.is_none());
    assert_eq!(view(&app).steps.page, steps);
    assert!(!app.quit);
}

fn answer_line(ask: &crate::lesson::Ask, order: &[usize], answer: Option<usize>) -> Msg {
    Msg::Engine(EngineMsg::Report(Report::Answer {
        step: 1,
        ask: ask.clone(),
        order: order.to_vec(),
        answer,
        detail: "W1 fd 5 and master fd 6 hold socket:[42]".into(),
    }))
}

#[test]
fn a_question_comes_before_its_step_and_the_answer_meets_the_prediction() {
    let mut app = app();
    opened(&mut app, "fork");
    // Fork's first step asks before it runs: no engine command yet, the narration shows.
    assert_eq!(app.update(key(KeyCode::Right)), vec![]);
    let asking = app.question().cloned().expect("a question");
    let (ask, order) = (asking.asks[0].clone(), asking.orders[0].clone());
    assert_eq!(order, crate::lesson::run::shown_order("fork", &ask));
    let letter = |i: usize| crate::lesson::Ask::letter_in(&order, i);
    assert_eq!(view(&app).steps.page, 1);
    assert_eq!(view(&app).steps.ran, 0);
    // Other keys do not slip past the question.
    assert_eq!(app.update(key(KeyCode::Char('c'))), vec![]);
    assert!(view(&app).message.as_deref().unwrap_or("").contains("press a–b"));
    // The letter shown for the file's second choice predicts it; then the step runs.
    assert_eq!(app.update(key(KeyCode::Char(letter(1)))), vec![Effect::Engine(EngineCmd::RunStep(0))]);
    assert!(app.question().is_none());
    assert_eq!(view(&app).steps.predictions, [Some(1)]);
    // What really happened: the file's first choice, under the letter it was shown with.
    app.update(answer_line(&ask, &order, Some(0)));
    let out: Vec<String> = view(&app).steps.outputs[1].iter().map(|o| o.text.clone()).collect();
    assert_eq!(out[0], format!("? {}", ask.question));
    let (real, guess) = (&ask.choices[0].label, &ask.choices[1].label);
    assert_eq!(out[1], format!("= {}) {real} · you predicted {}) {guess} ✗", letter(0), letter(1)));
    assert_eq!(out[2], "  (W1 fd 5 and master fd 6 hold socket:[42])");
    assert_eq!(view(&app).steps.outputs[1][1].kind, LogKind::Fail);
}

#[test]
fn a_right_prediction_and_no_guess() {
    let mut app = app();
    opened(&mut app, "fork");
    app.update(key(KeyCode::Right));
    let asking = app.question().cloned().unwrap();
    let (ask, order) = (asking.asks[0].clone(), asking.orders[0].clone());
    // `a` names the choice shown first, whichever it is in the file.
    app.update(key(KeyCode::Char('a')));
    app.update(answer_line(&ask, &order, Some(order[0])));
    assert!(view(&app).steps.outputs[1][1].text.ends_with("you predicted it ✓"));
    // ← on a question goes back without running; → then runs without a guess.
    let mut app2 = self::app();
    opened(&mut app2, "fork");
    app2.update(key(KeyCode::Right));
    assert_eq!(app2.update(key(KeyCode::Left)), vec![]);
    assert!(app2.question().is_none() && view(&app2).steps.page == 0);
    app2.update(key(KeyCode::Right));
    assert_eq!(app2.update(key(KeyCode::Right)), vec![Effect::Engine(EngineCmd::RunStep(0))]);
    app2.update(answer_line(&ask, &order, Some(order[1])));
    assert_eq!(view(&app2).steps.outputs[1][1].text, format!("= b) {}", ask.choices[order[1]].label));
}

#[test]
fn a_frozen_display_holds_the_lab_back_and_catches_up_on_thaw() {
    let mut app = app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    app.update(key(KeyCode::Char('f')));
    assert!(app.frozen.is_some());
    app.update(event(Event::Accepted { alias: "W1".into(), pid: 11, n: 3, total: 3 }));
    assert_eq!(view(&app).model.conns.per_worker.get("W1"), Some(&0));
    // Stepping waits too; looking around does not.
    app.update(key(KeyCode::Right));
    assert!(view(&app).message.as_deref().unwrap_or("").contains("frozen"));
    app.update(key(KeyCode::Char('z')));
    assert!(view(&app).look.zoom);
    app.update(key(KeyCode::Char('f')));
    assert!(app.frozen.is_none());
    assert_eq!(view(&app).model.conns.per_worker.get("W1"), Some(&3));
    // Esc leaves the zoom before it leaves the lesson.
    app.update(key(KeyCode::Esc));
    assert!(!view(&app).look.zoom && !app.quit);
}

#[test]
fn the_help_opens_over_a_question_and_closing_it_brings_the_question_back() {
    let mut app = app();
    opened(&mut app, "fork");
    app.update(key(KeyCode::Right));
    assert!(app.question().is_some());
    app.update(key(KeyCode::Char('?')));
    assert!(app.help_open());
    // The help takes the keys: a letter does not predict under it.
    assert_eq!(app.update(key(KeyCode::Char('a'))), vec![]);
    app.update(key(KeyCode::Esc));
    assert!(!app.help_open() && app.question().is_some());
    assert_eq!(app.update(key(KeyCode::Char('a'))), vec![Effect::Engine(EngineCmd::RunStep(0))]);
}

#[test]
fn the_process_rows_count_what_the_connections_pane_counts() {
    let mut app = app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    app.update(event(Event::Spawned { alias: "W2".into(), pid: 12, ppid: 10, role: "worker".into() }));
    app.update(event(Event::Accepted { alias: "W2".into(), pid: 12, n: 5, total: 5 }));
    sampled_pool(&mut app, 12);
    let row = view(&app).model.procs.iter().find(|r| r.pid == 12).unwrap().clone();
    assert_eq!((row.role, row.alias.as_str(), row.accepted), (Role::Worker, "W2", Some(5)));
    assert_eq!(view(&app).model.conns.per_worker.get("W2"), Some(&5));
    let master = view(&app).model.procs.iter().find(|r| r.pid == 10).unwrap().clone();
    assert_eq!((master.role, master.alias.as_str()), (Role::Master, "master"));
}

/// A worker pid above any the kernel hands out (pid_max is at most 2^22, proc(5)): never this
/// test process's own pid, which the rows draw as forklab's.
const FAKE_PID: i32 = (1 << 22) + 1;

fn proc_sample(pid: i32, ppid: i32, name: &str) -> super::super::sampler::ProcSample {
    super::super::sampler::ProcSample {
        status: crate::sys::procfs::ProcStatus { pid, ppid, name: name.into(), state: 'S', ..Default::default() },
        cpu: 0.0,
        tty: "?".into(),
        cwd: None,
        stdio: ["a".into(), "b".into(), "c".into()],
    }
}

fn sampled(app: &mut App, procs: Vec<super::super::sampler::ProcSample>) {
    app.update(Msg::Sample(Snapshot { procs, fds: BTreeMap::new(), cores: vec![0.0], ..Default::default() }));
}

/// forklab (this process), its master (pid 10) and one worker `worker` under it, sampled.
fn sampled_pool(app: &mut App, worker: i32) {
    let me = std::process::id() as i32;
    let procs = vec![
        proc_sample(me, 1, "forklab"),
        proc_sample(10, me, "forklab-master"),
        proc_sample(worker, 10, "forklab-worker"),
    ];
    sampled(app, procs);
}

fn acc(app: &App, pid: i32) -> Option<u64> {
    view(app).model.procs.iter().find(|r| r.pid == pid).unwrap().accepted
}

#[test]
fn a_respawned_worker_counts_its_own_accepts_and_the_dead_row_keeps_its_own() {
    let mut app = app();
    opened(&mut app, "shutdown");
    pool_ready(&mut app);
    app.update(event(Event::Spawned { alias: "W1".into(), pid: 11, ppid: 10, role: "worker".into() }));
    app.update(event(Event::Accepted { alias: "W1".into(), pid: 11, n: 8, total: 8 }));
    sampled_pool(&mut app, 11);
    assert_eq!(acc(&app, 11), Some(8));
    // W1 exits 0 and the master starts a new W1, which has accepted nothing yet.
    app.update(event(Event::Exited { alias: "W1".into(), pid: 11, code: Some(0), signal: None, core_dumped: false }));
    app.update(event(Event::Spawned { alias: "W1".into(), pid: 21, ppid: 10, role: "worker".into() }));
    sampled_pool(&mut app, 21);
    assert_eq!((acc(&app, 21), acc(&app, 11)), (Some(0), Some(8)));
    app.update(event(Event::Accepted { alias: "W1".into(), pid: 21, n: 2, total: 2 }));
    sampled_pool(&mut app, 21);
    assert_eq!((acc(&app, 21), acc(&app, 11)), (Some(2), Some(8)));
    // The connections pane counts by alias, across the respawn: W1 took 10 in all.
    assert_eq!(view(&app).model.conns.per_worker.get("W1"), Some(&10));
}

#[test]
fn an_orphaned_worker_has_nobody_to_report_to_so_its_count_is_unknown() {
    let mut app = app();
    opened(&mut app, "zombie");
    pool_ready(&mut app);
    let me = std::process::id() as i32;
    app.update(event(Event::Spawned { alias: "W3".into(), pid: 13, ppid: 10, role: "worker".into() }));
    sampled_pool(&mut app, 13);
    let row = |app: &App| view(app).model.procs.iter().find(|r| r.pid == 13).unwrap().clone();
    assert_eq!((row(&app).accepted, row(&app).unreported), (Some(0), false));
    // The master is killed; W3 is re-parented to forklab and serves on, telling no one.
    app.update(event(Event::Exited {
        alias: "master".into(),
        pid: 10,
        code: None,
        signal: Some("SIGKILL".into()),
        core_dumped: false,
    }));
    sampled(&mut app, vec![proc_sample(me, 1, "forklab"), proc_sample(13, me, "forklab-worker")]);
    assert!(row(&app).unreported);
    let procs = &view(&app).model.procs;
    assert!(!procs.iter().find(|r| r.pid == 10).unwrap().unreported);
}

#[test]
fn one_two_three_fire_and_c_fires_as_many_again() {
    let mut app = app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    assert_eq!(app.update(key(KeyCode::Char('1'))), vec![lab("do: fire 1 concurrency=4")]);
    assert_eq!(app.update(key(KeyCode::Char('c'))), vec![lab("do: fire 1 concurrency=4")]);
    assert_eq!(app.update(key(KeyCode::Char('2'))), vec![lab("do: fire 10 concurrency=4")]);
    assert_eq!(app.update(key(KeyCode::Char('c'))), vec![lab("do: fire 10 concurrency=4")]);
}

#[test]
fn after_a_thaw_the_bar_no_longer_says_frozen() {
    let mut app = app();
    opened(&mut app, "accept");
    app.update(key(KeyCode::Char('f')));
    app.update(key(KeyCode::Right));
    assert!(view(&app).message.as_deref().unwrap_or("").contains("frozen"));
    app.update(key(KeyCode::Char('f')));
    assert!(app.frozen.is_none());
    assert!(!view(&app).message.as_deref().unwrap_or("").contains("frozen"), "{:?}", view(&app).message);
}

/// The master dies under the lesson: the screen says so, offers `r`, and `r` starts a fresh lab
/// whose engine runs the steps before this one again, in order. Before the lab ends, `r` does
/// nothing.
#[test]
fn a_dead_lab_is_said_and_r_starts_a_fresh_one_at_this_step() {
    let mut app = app();
    let i = app.lessons.iter().position(|l| l.id == "ipc").unwrap();
    app.open_direct(i);
    app.update(Msg::Engine(EngineMsg::Started { master: 10 }));
    for step in 0..2 {
        let mut fx = app.update(key(KeyCode::Right));
        if app.question().is_some() {
            fx = app.update(key(KeyCode::Right));
        }
        assert_eq!(fx, vec![Effect::Engine(EngineCmd::RunStep(step))]);
        app.update(Msg::Engine(EngineMsg::StepDone { index: step, error: None }));
    }
    assert_eq!(app.update(key(KeyCode::Char('r'))), vec![], "r before the lab ended");
    app.update(Msg::Engine(EngineMsg::Ended { error: Some("the master ended unexpectedly".into()) }));
    assert!(!view(&app).steps.busy);
    assert!(view(&app).message.as_deref().unwrap().contains("r starts a fresh one"), "{:?}", view(&app).message);
    let fx = app.update(key(KeyCode::Char('r')));
    assert_eq!(
        fx,
        vec![
            Effect::Close,
            Effect::Open(i),
            Effect::Engine(EngineCmd::RunStep(0)),
            Effect::Engine(EngineCmd::RunStep(1)),
        ]
    );
    let v = view(&app);
    assert_eq!((v.steps.page, v.steps.ran), (2, 2));
    assert!(v.ended().is_none(), "the fresh lab has not ended");
}

/// `1` in a lesson that never starts a pool says so, with where to find one, instead of asking
/// to step forward; in a lesson whose later step starts one, it says to step forward.
/// `m` switches the pool's mode; with no pool it starts none (daemon would otherwise grow a
/// pool of workers no step asked for) and says why, as the fire keys do.
#[test]
fn the_mode_key_without_a_pool_starts_nothing() {
    let mut app = app();
    opened(&mut app, "daemon");
    assert_eq!(app.update(key(KeyCode::Char('m'))), vec![]);
    let said = view(&app).message.clone().unwrap_or_default();
    assert!(said.contains("runs no pool"), "{said}");
    let mut app = self::app();
    opened(&mut app, "accept");
    pool_ready(&mut app);
    assert_eq!(app.update(key(KeyCode::Char('m'))).len(), 1, "with a pool, m switches its mode");
}

#[test]
fn firing_without_a_pool_says_whether_one_comes() {
    let mut app = app();
    opened(&mut app, "daemon");
    app.update(key(KeyCode::Char('1')));
    let said = view(&app).message.clone().unwrap_or_default();
    assert!(said.contains("runs no pool") && said.contains("accept"), "{said}");
    let mut app = self::app();
    opened(&mut app, "accept");
    app.update(key(KeyCode::Char('1')));
    let said = view(&app).message.clone().unwrap_or_default();
    assert!(said.contains("step forward"), "{said}");
}

/// The buffer's rows as text: a wide character's second cell is part of it, not a space.
fn screen_text(b: &ratatui::buffer::Buffer) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let area = b.area;
    (area.y..area.bottom())
        .map(|y| {
            let mut row = String::new();
            let mut x = area.x;
            while x < area.right() {
                let sym = b[(x, y)].symbol();
                row.push_str(sym);
                x += sym.width().max(1) as u16;
            }
            row
        })
        .collect()
}

/// `L` on the picker switches the language live: the lessons are read again (a lesson with a
/// translation in `DIR/zh/` shows its Chinese title), the same lesson stays selected, the
/// picker says the language, and `L` again goes back.
#[test]
fn l_on_the_picker_switches_the_language_and_reloads_the_lessons() {
    crate::i18n::set(crate::i18n::Lang::En);
    let dir = std::env::temp_dir().join(format!("forklab-picker-lang-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("zh")).unwrap();
    let lesson = |id: &str, order: u32, title: &str| {
        format!("+++\nid = \"{id}\"\ntitle = \"{title}\"\norder = {order}\nsummary = \"S\"\n+++\n## Step\n")
    };
    std::fs::write(dir.join("a.md"), lesson("a", 1, "Alpha")).unwrap();
    std::fs::write(dir.join("b.md"), lesson("b", 2, "Beta")).unwrap();
    std::fs::write(dir.join("zh/b.md"), lesson("b", 2, "贝塔")).unwrap();
    let mut app = App::new(crate::lesson::lessons(Some(&dir)).unwrap(), BTreeSet::new(), (80, 24));
    app.lessons_dir = Some(dir.clone());
    app.update(key(KeyCode::Down));
    let picker = |app: &App| {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        t.draw(|f| crate::ui::view::draw(app, &app.theme, f)).unwrap();
        screen_text(t.backend().buffer())
    };
    assert!(picker(&app).join("\n").contains("English"));
    app.update(key(KeyCode::Char('L')));
    assert_eq!(crate::i18n::current(), crate::i18n::Lang::Zh);
    let titles: Vec<&str> = app.lessons.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(titles, ["Alpha", "贝塔"]);
    assert!(matches!(app.screen, Screen::Picker { selected: 1 }), "the same lesson stays selected");
    let screen = picker(&app).join("\n");
    assert!(screen.contains("中文") && screen.contains("课程"), "{screen}");
    app.update(key(KeyCode::Char('L')));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(crate::i18n::current(), crate::i18n::Lang::En);
    assert_eq!(app.lessons[1].title, "Beta");
}

/// `g` on the picker opens the glossary over it, in the language in use; `g` closes it.
#[test]
fn g_on_the_picker_opens_the_glossary() {
    crate::i18n::set(crate::i18n::Lang::Zh);
    let mut app = App::new(crate::lesson::embedded().unwrap(), BTreeSet::new(), (100, 30));
    app.update(key(KeyCode::Char('g')));
    assert!(matches!(app.overlay, Some(Overlay::Glossary(0))));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    t.draw(|f| crate::ui::view::draw(&app, &app.theme, f)).unwrap();
    let s = screen_text(t.backend().buffer()).join("\n");
    assert!(s.contains("术语表") && s.contains("child_process.fork(path)") && s.contains("socketpair"), "{s}");
    // At 80x24 the Chinese glossary is taller than the screen: ↓ scrolls to its last entry,
    // and the footer saying how to close it is always there.
    app.size = (80, 24);
    let at_80x24 = |app: &App| {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        t.draw(|f| crate::ui::view::draw(app, &app.theme, f)).unwrap();
        screen_text(t.backend().buffer()).join("\n")
    };
    let first = at_80x24(&app);
    assert!(first.contains("child_process.fork(path)") && first.contains("按 g、Esc 或 q 关闭"), "{first}");
    assert!(!first.contains("spawn(cmd, { detached: true })"), "{first}");
    for _ in 0..40 {
        app.update(key(KeyCode::Down));
    }
    let last = at_80x24(&app);
    assert!(last.contains("spawn(cmd, { detached: true })") && last.contains("按 g、Esc 或 q 关闭"), "{last}");
    assert!(matches!(app.screen, Screen::Picker { selected: 0 }), "↓ scrolled the glossary, not the picker");
    app.update(key(KeyCode::Char('g')));
    crate::i18n::set(crate::i18n::Lang::En);
    assert!(app.overlay.is_none());
}

/// The end of a lesson says what q does there: back to the list when opened from it, out of
/// forklab when opened with `forklab open` (there is no list to go back to). q then does it.
#[test]
fn the_end_of_a_lesson_says_what_q_does() {
    for direct in [false, true] {
        let mut app = app();
        let i = app.lessons.iter().position(|l| l.id == "fork").unwrap();
        if direct {
            app.open_direct(i);
        } else {
            app.update(Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
            app.screen = Screen::Picker { selected: i };
            app.update(key(KeyCode::Enter));
        }
        let steps = app.lessons[i].steps.len();
        if let Screen::Lesson(v) = &mut app.screen {
            v.steps.ran = steps;
            v.steps.page = steps;
        }
        assert_eq!(app.update(key(KeyCode::Right)), vec![Effect::MarkDone("fork".into())]);
        let said = view(&app).message.clone().unwrap();
        let fx = app.update(key(KeyCode::Char('q')));
        if direct {
            assert_eq!(said, "lesson complete: q quits forklab");
            assert_eq!(fx, vec![Effect::Close, Effect::Quit]);
        } else {
            assert_eq!(said, "lesson complete: q goes back to the lessons");
            assert_eq!(fx, vec![Effect::Close]);
            assert!(matches!(app.screen, Screen::Picker { .. }));
        }
    }
}

/// node-cluster: forklab's pool had a W1 under forklab's master; the Node program's W1 is the
/// primary's child. When it exits (gone from /proc before its exit event comes, or never
/// sampled at all) its row stays under the primary, not under forklab's master.
#[test]
fn a_node_worker_that_exits_stays_under_the_node_primary_whatever_its_alias_was() {
    let mut app = app();
    opened(&mut app, "node-cluster");
    pool_ready(&mut app);
    app.update(event(Event::Spawned { alias: "W1".into(), pid: 11, ppid: 10, role: "worker".into() }));
    sampled_pool(&mut app, 11);
    // The pool stops; forklab's master stays. The Node program: primary 30, workers 31 and 32.
    app.update(event(Event::PoolStopped { alias: "master".into(), pid: 10 }));
    let workers = vec![("W1".to_string(), 31), ("W2".to_string(), 32)];
    let info = Info::Node { program: "cluster".into(), sched: "rr".into(), port: 41000, primary: 30, workers };
    app.update(Msg::Engine(EngineMsg::Report(Report::Info(info))));
    // W2's spawn was told; W1 died before its was (the sampler saw a `node`).
    app.update(event(Event::Spawned { alias: "W2".into(), pid: 32, ppid: 30, role: "worker".into() }));
    let me = std::process::id() as i32;
    let live = |workers: &[i32]| {
        let mut procs = vec![proc_sample(me, 1, "forklab"), proc_sample(10, me, "forklab-master")];
        procs.push(proc_sample(30, me, "node"));
        procs.extend(workers.iter().map(|w| proc_sample(*w, 30, "node")));
        procs
    };
    sampled(&mut app, live(&[31, 32]));
    // W1 dies: the sampler no longer finds it before the primary's exit event comes.
    sampled(&mut app, live(&[32]));
    app.update(event(Event::Exited { alias: "W1".into(), pid: 31, code: Some(1), signal: None, core_dumped: false }));
    sampled(&mut app, live(&[32]));
    let rows: Vec<(i32, i32, u8)> = view(&app).model.procs.iter().map(|r| (r.pid, r.ppid, r.depth)).collect();
    assert_eq!(rows, vec![(me, 1, 0), (10, me, 1), (30, me, 1), (32, 30, 2), (31, 30, 2)]);
    let dead = view(&app).model.procs.iter().find(|r| r.pid == 31).unwrap();
    assert_eq!((dead.alias.as_str(), dead.exit.as_deref()), ("W1", Some("exit 1")));
    // W3, forked and dead before any sample saw it: where the primary's report put it.
    let workers = vec![("W2".to_string(), 32), ("W3".to_string(), 33)];
    let info = Info::Node { program: "cluster".into(), sched: "rr".into(), port: 41000, primary: 30, workers };
    app.update(Msg::Engine(EngineMsg::Report(Report::Info(info))));
    app.update(event(Event::Exited { alias: "W3".into(), pid: 33, code: Some(1), signal: None, core_dumped: false }));
    sampled(&mut app, live(&[32]));
    let rows: Vec<(i32, i32, u8)> = view(&app).model.procs.iter().map(|r| (r.pid, r.ppid, r.depth)).collect();
    assert_eq!(rows, vec![(me, 1, 0), (10, me, 1), (30, me, 1), (32, 30, 2), (31, 30, 2), (33, 30, 2)]);
}

/// The boxes on the lesson screen, as drawn: each one's name (its title up to the first ` · `)
/// and whether its border has the focused style (and then its title has the focus mark).
fn boxes(app: &App) -> Vec<(String, bool)> {
    let (w, h) = app.size;
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::ui::view::draw(app, &app.theme, f)).unwrap();
    let buf = t.backend().buffer();
    let focused = app.theme.border_focused.fg;
    let mut out = vec![];
    for y in 0..h {
        for x in 0..w {
            if buf[(x, y)].symbol() != "╭" {
                continue;
            }
            let title: String =
                (x + 1..w).map(|i| buf[(i, y)].symbol()).take_while(|s| *s != "─" && *s != "╮").collect();
            let name = title.trim_start_matches('▸').trim().split(" · ").next().unwrap_or_default().to_string();
            let border = buf[(x, y)].fg == focused.unwrap();
            assert_eq!(title.starts_with('▸'), border, "{name}: its title's focus mark and its border disagree");
            out.push((name, border));
        }
    }
    out
}

/// s5-qa2 B ("Tab Tab Tab landed on cores"): in every lesson, at 80x24 and 160x45, with and
/// without the syscalls pane (`s`), zoomed or not, each Tab and each Shift-Tab puts the focus
/// on exactly one box on screen, and going round reaches every box on screen. (At 80x24 the
/// syscalls pane takes the events pane's place: Tab used to focus the hidden events pane.)
#[test]
fn tab_and_shift_tab_reach_every_pane_on_screen_in_every_layout() {
    let lessons = crate::lesson::embedded().unwrap();
    for lesson in &lessons {
        for size in [(80, 24), (160, 45)] {
            for sys in [false, true] {
                let mut app = App::new(lessons.clone(), BTreeSet::new(), size);
                opened(&mut app, &lesson.id);
                if let Screen::Lesson(v) = &mut app.screen {
                    v.sys = sys.then(Default::default);
                }
                let on_screen: BTreeSet<String> = boxes(&app).into_iter().map(|b| b.0).collect();
                let what = format!("{} at {size:?}, syscalls {sys}", lesson.id);
                assert_eq!(on_screen.len(), lesson.panes.len() + 1 + usize::from(sys && size.0 >= 120), "{what}");
                for (code, zoom) in [(KeyCode::Tab, false), (KeyCode::BackTab, false), (KeyCode::Tab, true)] {
                    if zoom {
                        app.update(key(KeyCode::Char('z')));
                    }
                    let mut reached = BTreeSet::new();
                    for _ in 0..on_screen.len() {
                        app.update(key(code));
                        let drawn = boxes(&app);
                        let focus = view(&app).look.focus;
                        let focused: Vec<&String> = drawn.iter().filter(|b| b.1).map(|b| &b.0).collect();
                        assert_eq!(focused.len(), 1, "{what}, {code:?}, zoom {zoom}: focus {focus:?}, {drawn:?}");
                        if zoom {
                            assert_eq!(drawn.len(), 1, "{what}: zoomed, {drawn:?}");
                        }
                        reached.insert(focused[0].clone());
                    }
                    assert_eq!(reached, on_screen, "{what}, {code:?}, zoom {zoom}");
                    assert_eq!(view(&app).look.focus, Focus::Narration, "{what}: round to the narration");
                    if zoom {
                        app.update(key(KeyCode::Esc));
                    }
                }
            }
        }
    }
}

/// zombie step 4: W3 exits while the master lives (the master reaps it: it stays under the
/// master); then the master is SIGKILLed and W1 and W2 end after it, last sampled under it.
/// forklab's reaper reports their exits (they were its children by then, re-parented to the
/// subreaper), so they are drawn under forklab with its PID as PPID, not under the dead master.
#[test]
fn workers_that_end_after_their_master_are_drawn_under_forklab_that_reaped_them() {
    let mut app = app();
    opened(&mut app, "zombie");
    pool_ready(&mut app);
    let me = std::process::id() as i32;
    for (w, pid) in [("W1", 11), ("W2", 12), ("W3", 13)] {
        app.update(event(Event::Spawned { alias: w.into(), pid, ppid: 10, role: "worker".into() }));
    }
    let pool = |workers: &[i32]| {
        let mut procs = vec![proc_sample(me, 1, "forklab"), proc_sample(10, me, "forklab-master")];
        procs.extend(workers.iter().map(|w| proc_sample(*w, 10, "forklab-worker")));
        procs
    };
    sampled(&mut app, pool(&[11, 12, 13]));
    let exit = |alias: &str, pid: i32, signal: Option<&str>| {
        let code = if signal.is_none() { Some(0) } else { None };
        event(Event::Exited { alias: alias.into(), pid, code, signal: signal.map(Into::into), core_dumped: false })
    };
    app.update(exit("W3", 13, Some("SIGTERM")));
    sampled(&mut app, pool(&[11, 12]));
    let rows =
        |app: &App| -> Vec<(i32, i32, u8)> { view(app).model.procs.iter().map(|r| (r.pid, r.ppid, r.depth)).collect() };
    assert_eq!(rows(&app), vec![(me, 1, 0), (10, me, 1), (11, 10, 2), (12, 10, 2), (13, 10, 2)]);
    // The master is killed; the sampler last saw W1 and W2 under it.
    app.update(exit("master", 10, Some("SIGKILL")));
    app.update(exit("W1", 11, Some("SIGKILL")));
    app.update(exit("W2", 12, None));
    sampled(&mut app, vec![proc_sample(me, 1, "forklab")]);
    assert_eq!(rows(&app), vec![(me, 1, 0), (10, me, 1), (13, 10, 2), (11, me, 1), (12, me, 1)]);
    let w2 = view(&app).model.procs.iter().find(|r| r.pid == 12).unwrap();
    assert_eq!((w2.alias.as_str(), w2.exit.as_deref()), ("W2", Some("exit 0")));
}

/// A lab that respawns for hours: a thousand workers spawned, each accepting, exiting and
/// replaced. What the lab said about each process is kept only while a row can need it (live,
/// its exited row on screen, or spawned a moment ago), so the maps stay as small as the screen;
/// the exited row still shows what its process accepted.
#[test]
fn what_the_lab_said_about_processes_stays_bounded_over_many_spawns_and_exits() {
    let mut app = app();
    opened(&mut app, "crash");
    pool_ready(&mut app);
    let me = std::process::id() as i32;
    let start = Instant::now();
    let sample_at = |app: &mut App, workers: &[i32], at: Instant| {
        let mut procs = vec![proc_sample(me, 1, "forklab"), proc_sample(10, me, "forklab-master")];
        procs.extend(workers.iter().map(|w| proc_sample(*w, 10, "forklab-worker")));
        if let Screen::Lesson(v) = &mut app.screen {
            v.sample(Snapshot { procs, fds: BTreeMap::new(), cores: vec![0.0], ..Default::default() }, at);
        }
    };
    let sizes = |app: &App| {
        let lab = &view(app).lab;
        [lab.aliases.len(), lab.parents.len(), lab.accepted.len(), lab.born.len()]
    };
    for i in 0..1000 {
        // Not 100 + i: with pid_max 32768 the pids wrap, and one of those was once this test's
        // own, drawn as forklab's row.
        let (pid, at) = (FAKE_PID + i, start + Duration::from_secs(u64::from(i as u32)));
        app.update(event(Event::Spawned { alias: "W1".into(), pid, ppid: 10, role: "worker".into() }));
        app.update(event(Event::Accepted { alias: "W1".into(), pid, n: 3, total: 3 }));
        sample_at(&mut app, &[pid], at);
        sample_at(&mut app, &[], at + Duration::from_millis(500));
        app.update(event(Event::Exited { alias: "W1".into(), pid, code: Some(1), signal: None, core_dumped: false }));
        // The events were stamped with the real clock: on the samples' clock, the hours pass.
        if let Screen::Lesson(v) = &mut app.screen {
            v.lab.born.insert(pid, at);
            // And so was the parent the spawn named (on a loaded machine the real clock ran
            // seconds ahead of the samples' early on, and those entries stayed young).
            if let Some((_, named)) = v.lab.parents.get_mut(&pid) {
                *named = at;
            }
            v.lab.exited.last_mut().unwrap().1 = at + Duration::from_millis(550);
        }
        sample_at(&mut app, &[], at + Duration::from_millis(600));
        assert!(sizes(&app).iter().all(|n| *n <= 12), "after {i} respawns: {:?}", sizes(&app));
        let dead = view(&app).model.procs.iter().find(|r| r.pid == pid).expect("the exited row");
        assert_eq!((dead.alias.as_str(), dead.ppid, dead.accepted), ("W1", 10, Some(3)));
    }
    // An hour on, with nothing new: nothing of them is left.
    sample_at(&mut app, &[], start + Duration::from_secs(3600));
    assert_eq!(sizes(&app), [0, 0, 0, 0]);
    // A Node primary (pid 30) names a worker the sampler never saw; a sample comes before its
    // exit event: the parent it was named with is still there for its row.
    let workers = vec![("W3".to_string(), 33)];
    let info = Info::Node { program: "cluster".into(), sched: "rr".into(), port: 41000, primary: 30, workers };
    app.update(Msg::Engine(EngineMsg::Report(Report::Info(info))));
    sampled(&mut app, vec![proc_sample(me, 1, "forklab"), proc_sample(30, me, "node")]);
    app.update(event(Event::Exited { alias: "W3".into(), pid: 33, code: Some(1), signal: None, core_dumped: false }));
    sampled(&mut app, vec![proc_sample(me, 1, "forklab"), proc_sample(30, me, "node")]);
    let rows: Vec<(i32, i32, u8)> = view(&app).model.procs.iter().map(|r| (r.pid, r.ppid, r.depth)).collect();
    assert_eq!(rows, vec![(me, 1, 0), (30, me, 1), (33, 30, 2)]);
}

/// fairness and crash: the processes pane lists the pool at work. A worker that died in it
/// stays listed (the crash lessons show the dead row), and so do a stopped pool's workers
/// while no other pool runs (shutdown's `stop`); once another pool is up, the replaced pool's
/// exited workers are counted ("+3 exited from an earlier pool"), not listed.
#[test]
fn an_earlier_pools_exited_workers_are_counted_not_listed() {
    let mut app = app();
    opened(&mut app, "fairness");
    let me = std::process::id() as i32;
    let pool = |app: &mut App, workers: &[i32]| {
        let mut procs = vec![proc_sample(me, 1, "forklab"), proc_sample(10, me, "forklab-master")];
        procs.extend(workers.iter().map(|w| proc_sample(*w, 10, "forklab-worker")));
        sampled(app, procs);
    };
    let spawned = |app: &mut App, alias: &str, pid: i32| {
        app.update(event(Event::Spawned { alias: alias.into(), pid, ppid: 10, role: "worker".into() }));
    };
    let exited = |app: &mut App, alias: &str, pid: i32, code: Option<i32>, signal: Option<&str>| {
        let signal = signal.map(String::from);
        app.update(event(Event::Exited { alias: alias.into(), pid, code, signal, core_dumped: false }));
    };
    let listed =
        |app: &App| view(app).model.procs.iter().filter(|r| r.exit.is_some()).map(|r| r.pid).collect::<Vec<_>>();
    spawned(&mut app, "W1", 11);
    spawned(&mut app, "W2", 12);
    pool_ready(&mut app);
    pool(&mut app, &[11, 12]);
    // W1 killed, respawned: the same pool, its dead row listed.
    exited(&mut app, "W1", 11, None, Some("SIGKILL"));
    spawned(&mut app, "W1", 13);
    pool(&mut app, &[12, 13]);
    assert_eq!(listed(&app), vec![11]);
    // The pool stopped (`stop`, or a `spawn` replacing it): listed while no other runs.
    exited(&mut app, "W2", 12, Some(0), None);
    exited(&mut app, "W1", 13, Some(0), None);
    app.update(event(Event::PoolStopped { alias: "master".into(), pid: 10 }));
    pool(&mut app, &[]);
    assert_eq!(listed(&app), vec![11, 12, 13]);
    assert_eq!(view(&app).model.earlier_exited, 0);
    // A new pool: the old one's exits are counted.
    spawned(&mut app, "W1", 21);
    spawned(&mut app, "W2", 22);
    pool_ready(&mut app);
    pool(&mut app, &[21, 22]);
    assert_eq!(listed(&app), Vec::<i32>::new());
    assert_eq!(view(&app).model.earlier_exited, 3);
    let live: Vec<i32> = view(&app).model.procs.iter().map(|r| r.pid).collect();
    assert_eq!(live, vec![me, 10, 21, 22]);
    // A worker of the new pool dies: listed, beside the count.
    exited(&mut app, "W2", 22, None, Some("SIGKILL"));
    pool(&mut app, &[21]);
    assert_eq!((listed(&app), view(&app).model.earlier_exited), (vec![22], 3));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 45)).unwrap();
    t.draw(|f| crate::ui::view::draw(&app, &app.theme, f)).unwrap();
    let screen = screen_text(t.backend().buffer()).join("\n");
    assert!(screen.contains("+3 exited from an earlier pool") && screen.contains("SIGKILL"), "{screen}");
}
