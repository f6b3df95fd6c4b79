//! The session driven without a device: a fake clock that moves only when fake work runs,
//! fake paths that take scripted times (or fail, or panic), a fake memory suite and ceilings.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    sync::Arc,
};

use futures::future::LocalBoxFuture;

use super::*;
use crate::{
    analysis::{
        memory::Footprint,
        row::{Measured, RowSettings, build_measurement},
    },
    config::BenchConfig,
    error::{ErrorKind, RunError},
    measure::{self, Environment, Routine, Samples},
    memo::{KeptInMemory, Memo},
    precision::Precision,
    schema::ClockKind,
    schema::{
        AnalyticalMemory, BurnProbes, Ceiling, Ceilings, DeviceTime, InferenceMeasurement,
        MemoryFigures, MemoryMeasurement, Outcome, TrainingAnalytical,
    },
    workload::{ModelConfig, Workload},
};

struct FakeClock(Cell<f64>);

impl Clock for FakeClock {
    fn now_ms(&self) -> f64 {
        self.0.get()
    }
    fn name(&self) -> &str {
        "fake clock"
    }
    fn resolution_ms(&self) -> f64 {
        1e-6
    }
}

/// What a fake path does for one configuration.
#[derive(Clone, Copy)]
enum Script {
    /// Every run takes this many milliseconds.
    Steady(f64),
    /// The first runs take `slow` ms (compilation), the rest `fast`.
    SlowThenFast {
        slow: f64,
        runs: usize,
        fast: f64,
    },
    Fail(ErrorKind),
    Panic,
}

struct FakePath {
    id: PathId,
    clock: Rc<FakeClock>,
    script: Box<dyn Fn(&Step) -> Script>,
    /// Configurations measured, in order.
    seen: Rc<RefCell<Vec<String>>>,
}

struct Scripted<'a> {
    clock: &'a FakeClock,
    script: Script,
    runs: usize,
}

impl Scripted<'_> {
    fn run(&mut self) -> f64 {
        let ms = match self.script {
            Script::Steady(ms) => ms,
            Script::SlowThenFast { slow, runs, fast } => {
                if self.runs < runs {
                    slow
                } else {
                    fast
                }
            }
            Script::Fail(_) | Script::Panic => unreachable!(),
        };
        self.runs += 1;
        self.clock.0.set(self.clock.0.get() + ms);
        ms
    }
}

impl Routine for Scripted<'_> {
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
        self.run();
        Box::pin(async { Ok(()) })
    }
    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
        let ms = (0..repeats).map(|_| self.run()).sum();
        Box::pin(async move { Ok(ms) })
    }
}

impl InferencePath for FakePath {
    fn id(&self) -> PathId {
        self.id
    }
    fn fusion(&self) -> bool {
        self.id == PathId::Burn
    }
    fn timing(&self, clock: &dyn Clock) -> TimingInfo {
        TimingInfo {
            clock: format!("{} ({})", clock.name(), self.id.label()),
            completion: "fake".into(),
            resolution_ms: Some(clock.resolution_ms()),
        }
    }
    fn supports(&self, precision: Precision) -> Result<(), RunError> {
        match precision {
            Precision::Bf16 => Err(RunError::unsupported("BF16 unsupported on this device")),
            _ => Ok(()),
        }
    }
    fn measure<'a>(
        &'a self,
        step: &'a Step,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<InferenceMeasurement, RunError>> {
        self.seen.borrow_mut().push(step.label());
        let script = (self.script)(step);
        Box::pin(async move {
            match script {
                Script::Fail(kind) => return Err(RunError::new(kind, "scripted failure")),
                Script::Panic => panic!("scripted panic in the backend"),
                _ => {}
            }
            let mut routine = Scripted {
                clock: &self.clock,
                script,
                runs: 0,
            };
            let policy = crate::measure::protocol::inference_policy(cx.config);
            let samples: Samples = measure::measure(
                &mut routine,
                &policy,
                &Environment {
                    clock: cx.clock,
                    tuned: cx.tuned,
                },
            )
            .await?;
            build_measurement(
                Measured {
                    samples,
                    steps_ms: Vec::new(),
                    memory: MemoryFigures {
                        allocator: None,
                        allocator_unavailable: Some("fake".into()),
                        analytical: AnalyticalMemory::of_workload(
                            &step.workload,
                            step.phase,
                            step.precision,
                            step.batch_size,
                        ),
                    },
                    kernels: Vec::new(),
                    accuracy: None,
                },
                RowSettings {
                    batch_size: step.batch_size,
                    flops_per_sample: step.figures().flops_per_sample,
                    target_ci: cx.config.target_ci,
                    resolution_ms: Some(1e-6),
                },
                ClockKind::Host,
            )
        })
    }
    fn probes<'a>(&'a self, _cx: &'a StepContext<'a>) -> Option<LocalBoxFuture<'a, BurnProbes>> {
        Some(Box::pin(async {
            BurnProbes {
                matmul_n: 8,
                add_elements: 8,
                matmul_gflops: Ceiling::Measured { value: 1.0 },
                add_gbps: Ceiling::Measured { value: 2.0 },
            }
        }))
    }
}

struct FakeMemory;

impl MemorySuite for FakeMemory {
    fn timing(&self, clock: &dyn Clock) -> TimingInfo {
        TimingInfo {
            clock: clock.name().into(),
            completion: "fake".into(),
            resolution_ms: None,
        }
    }

    fn measure<'a>(
        &'a self,
        workload: &'a Workload,
        batch_size: usize,
        _cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<MemoryMeasurement, RunError>> {
        Box::pin(async move {
            Ok(MemoryMeasurement {
                analytical: TrainingAnalytical::of_workload(workload, batch_size),
                inference: None,
                training: Vec::new(),
                allocator_unavailable: Some("fake".into()),
                layers: Vec::new(),
            })
        })
    }
}

struct FakeCeilings;

impl CeilingsSource for FakeCeilings {
    fn measure<'a>(&'a self, _clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceilings> {
        Box::pin(async {
            let mut c = Ceilings::unavailable("fake");
            c.fma_f32_gflops = Ceiling::Measured { value: 1e6 };
            c
        })
    }
}

struct FakePlatform {
    clock: Rc<FakeClock>,
    progress: RefCell<Vec<Progress>>,
    /// The clock at each progress event.
    announced_at: RefCell<Vec<f64>>,
    lines: RefCell<Vec<Line>>,
    /// Asks to stop once this many lines were announced.
    stop_after: Option<usize>,
    /// Where each piece's time is kept for later runs.
    kept: Option<Arc<KeptInMemory>>,
}

impl Platform for FakePlatform {
    fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
    fn identity(&self) -> Identity {
        let fixture = crate::fixtures::results();
        Identity {
            tool: fixture.tool,
            machine: fixture.machine,
            created: "2026-11-27T10:00:00Z".into(),
            notes: vec!["a note from the front end".into()],
        }
    }
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Progress(p) => {
                self.progress.borrow_mut().push(p.clone());
                self.announced_at.borrow_mut().push(self.clock.now_ms());
            }
            Event::Finished { line, so_far } => {
                assert_eq!(so_far.schema_version, SCHEMA_VERSION);
                self.lines.borrow_mut().push(line.clone());
            }
        }
    }
    fn stop_requested(&self) -> Option<String> {
        self.stop_after
            .filter(|&n| self.lines.borrow().len() >= n)
            .map(|_| "stopped by the test".into())
    }
    fn costs(&self) -> Option<&dyn Memo> {
        self.kept.as_deref().map(|kept| kept as &dyn Memo)
    }
}

/// Two tiny MLPs at two batch sizes and two precisions, in one round, the memory suite too.
fn tiny_plan() -> Plan {
    let mut config = BenchConfig::quick();
    config.models = vec![ModelConfig::new("a", 16, 8), ModelConfig::new("b", 16, 32)];
    config.batch_sizes = vec![4, 1];
    config.precisions = vec![Precision::F32, Precision::Bf16];
    config.iterations = 5;
    config.warmup_ms = 10.0;
    config.target_ci = None;
    config.repeat = 1;
    let mut plan = Plan::new(config);
    plan.suites.memory = true;
    plan
}

fn fake_device(clock: &Rc<FakeClock>, script: impl Fn(&Step) -> Script + 'static) -> Device {
    fake_device_seen(clock, script).0
}

/// A fake device, and the configurations its path will be asked to measure.
fn fake_device_seen(
    clock: &Rc<FakeClock>,
    script: impl Fn(&Step) -> Script + 'static,
) -> (Device, Rc<RefCell<Vec<String>>>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let device = Device {
        info: crate::fixtures::results().device,
        paths: vec![Path::host_only(
            Box::new(FakePath {
                id: PathId::Burn,
                clock: clock.clone(),
                script: Box::new(script),
                seen: seen.clone(),
            }),
            None,
        )],
        memory: Some(Box::new(FakeMemory)),
        training: None,
        ceilings: Box::new(FakeCeilings),
        capacity: Capacity::unknown(),
    };
    (device, seen)
}

fn platform(clock: &Rc<FakeClock>, stop_after: Option<usize>) -> FakePlatform {
    FakePlatform {
        clock: clock.clone(),
        progress: RefCell::new(Vec::new()),
        announced_at: RefCell::new(Vec::new()),
        lines: RefCell::new(Vec::new()),
        stop_after,
        kept: None,
    }
}

fn run_now(plan: &Plan, device: &Device, platform: &FakePlatform) -> ResultSet {
    pollster::block_on(run(plan, device, platform, None))
}

/// Each run takes its step's FLOPs times one rate, so a step's time is its cost at that rate:
/// once two steps of different cost have run, the time left is exactly the time the rest
/// took, though they run cheapest first; a step the path refuses takes none.
#[test]
fn the_time_left_weighs_the_steps_left_by_their_cost() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    let device = fake_device(&clock, |step| Script::Steady(step.flops() as f64 * 1e-3));
    let platform = platform(&clock, None);
    let mut plan = tiny_plan();
    (plan.suites.memory, plan.ceilings, plan.probes) = (false, false, false);
    plan.config.warmup_ms = 0.0;
    let results = run_now(&plan, &device, &platform);
    let end = clock.now_ms();
    let progress = platform.progress.borrow();
    let at = platform.announced_at.borrow();
    assert_eq!(progress.len(), results.inference.len());
    let measured = |i: usize| matches!(results.inference[i].outcome, Outcome::Measured(_));
    let mut seen = 0;
    for (i, p) in progress.iter().enumerate() {
        match p.left {
            None => assert_eq!(i, 0, "an estimate once a piece has run"),
            Some(left) if seen >= 2 => {
                let actual = end - at[i];
                assert!(
                    (left.ms - actual).abs() <= 1e-6 * actual,
                    "piece {i}: {left:?} against {actual} ms"
                );
                assert!(!left.rough, "piece {i}");
            }
            Some(_) => {}
        }
        seen += usize::from(measured(i));
    }
    assert!(seen >= 4, "{seen} measured");
}

/// The milliseconds each announced piece took: from its announcement to the next one's, the
/// last to `end`.
fn piece_times(announced_at: &[f64], end: f64) -> Vec<f64> {
    announced_at
        .iter()
        .zip(announced_at.iter().skip(1).chain([&end]))
        .map(|(start, next)| next - start)
        .collect()
}

/// A second run on the same device starts from the times the first kept: before any piece,
/// the time left is the first run's whole time; after, each piece left weighs its time then,
/// scaled by this run's time over the first's for the pieces run so far, and the estimate is
/// never rough.
#[test]
fn a_second_run_starts_from_the_times_the_first_kept() {
    let kept = Arc::new(KeptInMemory::default());
    let mut plan = tiny_plan();
    (plan.suites.memory, plan.ceilings, plan.probes) = (false, false, false);
    plan.config.warmup_ms = 0.0;
    let mut runs = Vec::new();
    // The second device is slower, and not by one factor: a fixed time per run besides.
    for per_run_ms in [0.0, 0.5] {
        let clock = Rc::new(FakeClock(Cell::new(0.0)));
        let device = fake_device(&clock, move |step| {
            Script::Steady(step.flops() as f64 * 1e-3 + per_run_ms)
        });
        let platform = FakePlatform {
            kept: Some(kept.clone()),
            ..platform(&clock, None)
        };
        run_now(&plan, &device, &platform);
        let times = piece_times(&platform.announced_at.borrow(), clock.now_ms());
        runs.push((platform.progress.borrow().clone(), times));
    }
    let (first, then) = &runs[0];
    let (second, now) = &runs[1];
    assert!(first[0].left.is_none(), "nothing kept before the first run");
    assert!(then.iter().sum::<f64>() > 0.0);
    for (i, progress) in second.iter().enumerate() {
        let (done_then, done_now) = (then[..i].iter().sum::<f64>(), now[..i].iter().sum::<f64>());
        let pace = if done_then > 0.0 {
            done_now / done_then
        } else {
            1.0
        };
        let expected = pace * then[i..].iter().sum::<f64>();
        let left = progress.left.expect("an estimate from the first piece on");
        assert!(
            (left.ms - expected).abs() <= 1e-9 * expected.max(1.0),
            "piece {i}: {left:?} against {expected}"
        );
        assert!((left.running_ms - pace * then[i]).abs() <= 1e-9 * expected.max(1.0));
        assert!(!left.rough, "piece {i}");
    }
}

#[test]
fn assembles_every_row_cheapest_first_with_progress() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    let device = fake_device(&clock, |step| Script::Steady(step.flops() as f64 * 1e-3));
    let platform = platform(&clock, None);
    let plan = tiny_plan();
    let results = run_now(&plan, &device, &platform);

    // 2 models × 2 precisions × 2 batches, BF16 unsupported; 4 memory rows; ceilings; probes.
    assert_eq!(results.inference.len(), 8);
    assert_eq!(results.memory.len(), 4);
    let unsupported = results
        .inference
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Unsupported { .. }))
        .count();
    assert_eq!(unsupported, 4);
    assert!(results.ceilings.is_some() && results.burn_probes.is_some());
    assert_eq!(results.paths.len(), 1);
    assert_eq!(results.timing.clock, "fake clock (burn)");
    assert_eq!(results.memory_timing.as_ref().unwrap().clock, "fake clock");
    assert!(results.partial.is_none());
    assert_eq!(results.notes, ["a note from the front end"]);
    // Cheapest configuration first: the narrow model at batch 1.
    assert_eq!(results.inference[0].model, "a");
    assert_eq!(results.inference[0].batch_size, 1);
    // Throughput follows the scripted time: flops × 1e-3 ms per batch.
    let m = results.measured("b", Precision::F32, 4).unwrap();
    let step_flops = ModelConfig::new("b", 16, 32).flops_per_sample() as f64 * 4.0;
    assert!((m.timed.batch_latency_ms.median - step_flops * 1e-3).abs() < 1e-9);
    assert_eq!(m.timed.batch_latency_ms.count, 5);
    // run_seconds comes from the injected clock.
    assert!((results.run_seconds - clock.now_ms() / 1000.0).abs() < 1e-9);

    // One progress event before every piece, counting up to the total.
    let progress = platform.progress.borrow();
    let total = 8 + 1 + 1 + 4;
    assert_eq!(progress.len(), total);
    assert!(progress.iter().all(|p| p.total == total));
    assert_eq!(
        progress.iter().map(|p| p.done).collect::<Vec<_>>(),
        (0..total).collect::<Vec<_>>()
    );
    assert!(progress[0].left.is_none() && progress[1].left.is_some());
    // A start line, then one line per finished piece.
    let lines = platform.lines.borrow();
    assert!(matches!(lines[0], Line::Start { .. }));
    assert_eq!(lines.len(), 1 + total);
}

#[test]
fn warm_up_stops_when_runs_agree_and_a_slow_first_sample_is_flagged() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    // 3 untimed runs and 3 timed warm-up runs of 50 ms agree with each other: warm-up ends,
    // and everything after is fast.
    let device = fake_device(&clock, |_| Script::SlowThenFast {
        slow: 50.0,
        runs: 6,
        fast: 1.0,
    });
    let platform = platform(&clock, None);
    // Warm-up gives up waiting for agreement after 5 × its time: long enough here.
    let mut plan = tiny_plan();
    plan.config.warmup_ms = 100.0;
    let results = run_now(&plan, &device, &platform);
    let m = results.measured("a", Precision::F32, 1).unwrap();
    assert_eq!(m.timed.raw_batch_ms, vec![1.0; 5]);
    assert_eq!(m.timed.warmup_runs, 6);
    // Five equal samples, as only a fake clock gives: flagged as such, and as too few for a
    // 95 % interval.
    match m.timed.verdicts.as_slice() {
        [
            crate::schema::Verdict::LowCoverage {
                coverage,
                count: 5,
                rounds: false,
            },
            crate::schema::Verdict::Identical { count: 5 },
        ] => assert!((coverage - (1.0 - 2.0 / 32.0)).abs() < 1e-12),
        other => panic!("{other:?}"),
    }

    // Two more slow runs land in the samples: the row says so.
    let device = fake_device(&clock, |_| Script::SlowThenFast {
        slow: 50.0,
        runs: 8,
        fast: 1.0,
    });
    let results = run_now(&plan, &device, &platform);
    let m = results.measured("a", Precision::F32, 1).unwrap();
    assert_eq!(m.timed.raw_batch_ms, vec![50.0, 50.0, 1.0, 1.0, 1.0]);
    assert!(
        m.timed
            .verdicts
            .iter()
            .any(|v| matches!(v, crate::schema::Verdict::SlowFirstRun { .. })),
        "{:?}",
        m.timed.verdicts
    );
}

#[test]
fn failures_and_panics_are_rows_and_the_run_goes_on() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    let device = fake_device(&clock, |step| {
        match (step.workload.name(), step.batch_size) {
            ("a", 4) => Script::Fail(ErrorKind::OutOfMemory),
            ("b", 1) => Script::Panic,
            _ => Script::Steady(2.0),
        }
    });
    let platform = platform(&clock, None);
    let results = run_now(&tiny_plan(), &device, &platform);
    let outcome = |model: &str, batch| {
        &results
            .record(model, Precision::F32, batch)
            .unwrap()
            .outcome
    };
    assert!(matches!(
        outcome("a", 4),
        Outcome::Failed {
            kind: ErrorKind::OutOfMemory,
            ..
        }
    ));
    match outcome("b", 1) {
        Outcome::Failed { kind, reason } => {
            assert_eq!(*kind, ErrorKind::Backend);
            assert_eq!(reason, "scripted panic in the backend");
        }
        other => panic!("{other:?}"),
    }
    // The configurations after them still ran.
    assert!(results.measured("b", Precision::F32, 4).is_some());
    assert!(results.measured("a", Precision::F32, 1).is_some());
    assert_eq!(results.memory.len(), 4);
}

#[test]
fn a_stop_keeps_what_finished_and_a_resume_completes_it() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    let script = |_: &Step| Script::Steady(2.0);
    let device = fake_device(&clock, script);
    let plan = tiny_plan();
    // Stop after the start line and three rows.
    let stopped = platform(&clock, Some(4));
    let partial = run_now(&plan, &device, &stopped);
    assert_eq!(partial.partial.as_deref(), Some("stopped by the test"));
    assert_eq!(partial.inference.len(), 3);
    assert!(partial.memory.is_empty() && partial.ceilings.is_none());

    // The checkpoint those lines make continues the run without repeating a row.
    let text: String = stopped.lines.borrow().iter().map(Line::encode).collect();
    let checkpoint = Checkpoint::decode(&text).unwrap();
    let (device, seen) = fake_device_seen(&clock, script);
    let resumed = platform(&clock, None);
    let complete = pollster::block_on(run(&plan, &device, &resumed, Some(checkpoint)));
    assert!(complete.partial.is_none());
    assert_eq!(complete.inference.len(), 8);
    assert_eq!(complete.memory.len(), 4);
    assert_eq!(complete.created, partial.created);
    // Cheapest first, the stop came after a1 F32, a1 BF16 and b1 F32: only the batch-4 rows
    // that need measuring are left.
    assert_eq!(*seen.borrow(), ["a FP32 batch 4", "b FP32 batch 4"]);
    // No start line again: the resumed run appends to the same checkpoint.
    assert!(
        !resumed
            .lines
            .borrow()
            .iter()
            .any(|l| matches!(l, Line::Start { .. }))
    );
}

/// What the command line's supervisor relies on: every announced piece is answered by the
/// line that follows it, the lines alone rebuild the result, and a piece recorded as lost (its
/// process died) is kept as such when the run goes on.
#[test]
fn the_checkpoint_alone_rebuilds_the_result_and_keeps_a_lost_piece() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    let script = |_: &Step| Script::Steady(2.0);
    let device = fake_device(&clock, script);
    let plan = tiny_plan();
    let whole = platform(&clock, None);
    let results = run_now(&plan, &device, &whole);
    let lines = whole.lines.borrow();
    let progress = whole.progress.borrow();
    assert_eq!(
        progress.len() + 1,
        lines.len(),
        "one announcement per piece"
    );
    for (announced, line) in progress.iter().zip(&lines[1..]) {
        assert!(announced.piece.is_answered_by(line), "{announced:?}");
    }
    let text: String = lines.iter().map(Line::encode).collect();
    let mut rebuilt = assemble(&Checkpoint::decode(&text).unwrap());
    rebuilt.run_seconds = results.run_seconds;
    assert_eq!(rebuilt, results);

    // The third piece's process died: its line records the crash, and the next process
    // continues after it.
    let lost = progress[2]
        .piece
        .lost(ErrorKind::Crashed, "killed by signal 9");
    let text: String = lines[..3].iter().chain([&lost]).map(Line::encode).collect();
    let (device, seen) = fake_device_seen(&clock, script);
    let resumed = pollster::block_on(run(
        &plan,
        &device,
        &platform(&clock, None),
        Some(Checkpoint::decode(&text).unwrap()),
    ));
    let Line::Inference { record, .. } = &lost else {
        panic!("{lost:?}")
    };
    let row = resumed
        .record_on(
            record.path,
            &record.model,
            record.precision,
            record.batch_size,
        )
        .unwrap();
    assert_eq!(
        row.outcome,
        Outcome::Failed {
            kind: ErrorKind::Crashed,
            reason: "killed by signal 9".into()
        }
    );
    assert!(!seen.borrow().contains(&format!(
        "{} {} batch {}",
        record.model, record.precision, record.batch_size
    )));
    assert_eq!(resumed.inference.len(), results.inference.len());
}

#[test]
fn pre_flight_skips_what_cannot_fit_and_rounds_interleave() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    let mut device = fake_device(&clock, |_| Script::Steady(2.0));
    // Room for the small configurations only.
    let limit = Footprint::inference(&ModelConfig::new("b", 16, 32), Precision::F32, 1).total;
    device.capacity = Capacity {
        available: Box::new(move || {
            Some(crate::session::Room {
                bytes: limit,
                what: "host memory".into(),
            })
        }),
        max_buffer: None,
    };
    let mut plan = tiny_plan();
    plan.config.repeat = 3;
    let platform = platform(&clock, None);
    let results = run_now(&plan, &device, &platform);
    match &results.record("b", Precision::F32, 4).unwrap().outcome {
        Outcome::Skipped { reason } => {
            assert!(reason.contains("available under host memory"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let m = results.measured("a", Precision::F32, 1).unwrap();
    assert_eq!(m.timed.rounds.len(), 3);
    assert_eq!(m.timed.raw_batch_ms.len(), 15);
    // Rounds interleave: each configuration once per round, round after round.
    let order: Vec<(usize, String)> = platform
        .lines
        .borrow()
        .iter()
        .filter_map(|l| match l {
            Line::Inference { round, record } if record.precision == Precision::F32 => {
                Some((*round, format!("{} {}", record.model, record.batch_size)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(order.len(), 12);
    assert!(order[..4].iter().all(|(r, _)| *r == 0));
    assert_eq!(order[0].1, order[4].1);
    // Training memory of the large model cannot fit either.
    assert!(
        results
            .memory
            .iter()
            .any(|r| matches!(r.outcome, crate::schema::MemoryOutcome::Skipped { .. }))
    );
}

/// A path with a device-timed twin: each measured headline carries the twin's figures as its
/// device time; a twin that fails leaves the headline standing, with the failure.
#[test]
fn device_time_comes_from_the_twin_and_its_failure_keeps_the_headline() {
    let clock = Rc::new(FakeClock(Cell::new(0.0)));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let fake = |script: fn(&Step) -> Script| FakePath {
        id: PathId::Burn,
        clock: clock.clone(),
        script: Box::new(script),
        seen: seen.clone(),
    };
    let device = Device {
        info: crate::fixtures::results().device,
        paths: vec![Path {
            headline: Box::new(fake(|_| Script::Steady(2.0))),
            device_time: DeviceTwin::Timed(Box::new(fake(|step| match step.batch_size {
                4 => Script::Fail(ErrorKind::DeviceLost),
                _ => Script::Steady(1.5),
            }))),
        }],
        memory: None,
        training: None,
        ceilings: Box::new(FakeCeilings),
        capacity: Capacity::unknown(),
    };
    let plan = tiny_plan();
    let results = run_now(&plan, &device, &platform(&clock, None));
    assert!(matches!(
        results.paths[0].device_time,
        Some(DeviceClock::Timed { .. })
    ));
    let m = results.measured("a", Precision::F32, 1).unwrap();
    assert!((m.timed.batch_latency_ms.median - 2.0).abs() < 1e-9);
    let device_time = m.device_time.as_ref().and_then(|d| d.measured()).unwrap();
    assert!((device_time.timed.batch_latency_ms.median - 1.5).abs() < 1e-9);
    let m = results.measured("a", Precision::F32, 4).unwrap();
    assert!(matches!(
        m.device_time,
        Some(DeviceTime::Failed {
            kind: ErrorKind::DeviceLost,
            ..
        })
    ));
    assert!((m.timed.batch_latency_ms.median - 2.0).abs() < 1e-9);

    // No twin: the path says why, and no row claims device time.
    let mut device = fake_device(&clock, |_| Script::Steady(2.0));
    device.paths[0].device_time = DeviceTwin::Unavailable("no timestamps here".into());
    let results = run_now(&plan, &device, &platform(&clock, None));
    assert_eq!(
        results.paths[0].device_time,
        Some(DeviceClock::Unavailable {
            reason: "no timestamps here".into()
        })
    );
    let m = results.measured("a", Precision::F32, 1).unwrap();
    assert!(m.device_time.is_none());
}
