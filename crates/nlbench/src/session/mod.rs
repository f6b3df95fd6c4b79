//! One run, the same for every front end: [`run`] takes a [`Plan`], the [`Device`] the front
//! end opened and the [`Platform`] services only the front end has (clock, identity, where
//! events go, whether to stop), runs everything the plan asks for and returns the
//! [`ResultSet`]. The command line adds device selection, a blocking executor, progress bars
//! and files; the dashboard adds WebGPU setup, `spawn_local`, live tables and downloads.
//!
//! Order: the inference rows first (cheapest configuration first, so a first figure comes
//! fast), in interleaved rounds with `repeat`, then the ceilings, burn's probes and the memory
//! suite. Every finished piece is announced with the result so far, which the command line
//! appends to its checkpoint and the dashboard shows. A step that fails, or that a pre-flight
//! check shows cannot fit, is recorded with its reason and the run goes on; a stop request
//! ends the run after the piece in progress, marked partial.

pub mod checkpoint;
mod device;
mod estimate;
mod piece;
mod suite;
mod suites;
#[cfg(test)]
mod tests;

pub use piece::Piece;

pub use device::{
    Capacity, CeilingsSource, Device, DeviceTwin, InferencePath, MemorySuite, NoCeilings, Path,
    Room, Step, StepContext, TrainingSuite,
};

use crate::{
    analysis::row::{RowSettings, apply_run_to_run, merge_rounds},
    measure::{Clock, protocol::inference_policy},
    plan::Plan,
    schema::{
        DeviceClock, InferenceRecord, MachineInfo, Outcome, PathId, ResultSet, SCHEMA_VERSION,
        TimingInfo, ToolInfo,
    },
};
use checkpoint::{Checkpoint, Line};
pub use estimate::TimeLeft;
use estimate::{Cost, Estimate, Protocol};

/// Who ran, where and when: what only the front end knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub tool: ToolInfo,
    pub machine: MachineInfo,
    /// Now, RFC 3339 in UTC (the run's start unless it resumes a checkpoint).
    pub created: String,
    /// What the front end could not set up as planned, for the results' notes (a Ctrl-C
    /// handler that did not install, a tuning cache that could not be created).
    pub notes: Vec<String>,
}

/// Where the run is, for progress bars (and, serialised, for the command line's supervisor).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// Pieces finished so far.
    pub done: usize,
    pub total: usize,
    /// What runs next, for example "medium FP32 batch 64 (burn)".
    pub label: String,
    /// The same, as the checkpoint keys it.
    pub piece: Piece,
    /// The time left, the piece about to run included: each piece's time in earlier runs on
    /// this device, scaled to this run's pace, or its cost at the rate its kind has run so
    /// far; `None` before any piece has run in this process, unless earlier runs measured
    /// every piece left.
    pub left: Option<TimeLeft>,
}

/// What the session tells its front end.
#[derive(Debug)]
pub enum Event<'a> {
    /// The next piece is about to run.
    Progress(&'a Progress),
    /// A piece finished: the checkpoint line to append, and the result so far.
    Finished {
        line: &'a Line,
        so_far: &'a ResultSet,
    },
}

/// The front end's services.
pub trait Platform {
    /// The host clock the run's host-timed figures and the warm-up use.
    fn clock(&self) -> &dyn Clock;
    fn identity(&self) -> Identity;
    fn event(&self, event: Event<'_>);
    /// `Some(reason)` once the user asked to stop (Ctrl-C, the dashboard's Stop button).
    fn stop_requested(&self) -> Option<String>;
    /// Where each piece's time is kept for later runs on this device and version, whose
    /// time left starts from it; `None` keeps nothing.
    fn costs(&self) -> Option<&dyn crate::memo::Memo> {
        None
    }
}

/// Runs `plan` on `device`, continuing `resume` where given, and returns every figure.
pub async fn run(
    plan: &Plan,
    device: &Device,
    platform: &dyn Platform,
    resume: Option<Checkpoint>,
) -> ResultSet {
    let clock = platform.clock();
    let start = clock.now_ms();
    let identity = platform.identity();
    let mut start_of_run = skeleton(plan, device, clock, identity);
    let fresh = resume.is_none();
    let lines = match resume {
        Some(checkpoint) => {
            start_of_run.created = checkpoint.start.created;
            checkpoint.lines
        }
        None => Vec::new(),
    };
    let mut state = State::new(start_of_run, lines);
    if fresh {
        let line = Line::Start {
            schema_version: SCHEMA_VERSION,
            plan: Box::new(plan.clone()),
            start: Box::new(state.results.clone()),
        };
        platform.event(Event::Finished {
            line: &line,
            so_far: &state.results,
        });
    }
    let cx = StepContext {
        clock,
        config: &plan.config,
        tuned: &crate::kernels::settled,
    };
    let suites = suites::of(plan, device);
    let costs = suites
        .iter()
        .flat_map(|suite| suite.pieces().iter().map(|p| cost_of(p, &plan.config)))
        .collect();
    let mut tracker = Tracker {
        platform,
        clock,
        started: clock.now_ms(),
        done: 0,
        costs,
        estimate: Estimate::with_prior(platform.costs(), Some(protocol(&plan.config))),
    };

    'suites: for suite in &suites {
        for (index, planned) in suite.pieces().iter().enumerate() {
            if suite.done(index, &state) {
                tracker.skip();
                continue;
            }
            if tracker.stopping(&mut state) {
                break 'suites;
            }
            tracker.announce(planned.label.clone(), planned.piece.clone());
            match suite.run(index, &cx).await {
                Some(line) => {
                    state.record(line.clone());
                    tracker.finished(&state, &line);
                }
                None => tracker.skip(),
            }
        }
    }

    state.results.run_seconds = (clock.now_ms() - start) / 1000.0;
    state.results
}

/// The result a checkpoint holds, without a device: what the command line's supervisor
/// writes when the worker that measured it is gone. Its run time is left to the caller.
pub fn assemble(checkpoint: &Checkpoint) -> ResultSet {
    State::new(checkpoint.start.clone(), checkpoint.lines.clone()).results
}

/// The result of a plan that could not run on a device at all (it would not open, say): no
/// rows, and the reason, so a comparison of several devices still lists it.
pub fn not_run(
    plan: &Plan,
    device: crate::device::DeviceInfo,
    identity: Identity,
    reason: String,
) -> ResultSet {
    ResultSet {
        schema_version: SCHEMA_VERSION,
        tool: identity.tool,
        created: identity.created,
        machine: identity.machine,
        device,
        timing: TimingInfo {
            clock: "none (nothing ran)".into(),
            completion: String::new(),
            resolution_ms: None,
        },
        paths: Vec::new(),
        config: plan.config.clone(),
        inference: Vec::new(),
        memory: Vec::new(),
        training: Vec::new(),
        memory_timing: None,
        ceilings: None,
        burn_probes: None,
        run_seconds: 0.0,
        partial: Some(format!("the device did not run: {reason}")),
        notes: identity.notes,
    }
}

/// What the time left weighs `planned` by, and keeps its time under for later runs.
fn cost_of(planned: &suite::Planned, config: &crate::config::BenchConfig) -> Cost {
    Cost {
        kind: planned.kind,
        flops: planned.flops,
        key: cost_key(&planned.piece, planned.flops, config),
        family: match &planned.piece {
            Piece::Inference {
                workload,
                phase,
                precision,
                ..
            } => Some(format!("{workload} {phase} {precision}")),
            // A memory or training step follows its workload's FP32 forward pass.
            Piece::Memory {
                workload, model, ..
            }
            | Piece::Training {
                workload, model, ..
            } => config.workload(*workload, model).map(|w| {
                format!(
                    "{workload} {} {}",
                    w.phases()[0],
                    crate::precision::Precision::F32
                )
            }),
            _ => None,
        },
        later_round: matches!(planned.piece, Piece::Inference { round, .. } if round > 0),
    }
}

/// What the timing protocol makes of an inference step under `config`, for the time left.
fn protocol(config: &crate::config::BenchConfig) -> Protocol {
    let policy = inference_policy(config);
    Protocol {
        untimed_runs: policy.untimed_runs as f64,
        warmup_ms: policy.warmup_ms,
        min_samples: policy.stop.min_samples as f64,
        wanted_samples: policy.stop.wanted as f64,
        cap_ms: policy.stop.cap_ms,
    }
}

/// What a piece's time is kept under for later runs: the piece, its FLOPs (two models may
/// share a name) and the protocol's settings, which decide how long it samples.
fn cost_key(piece: &Piece, flops: f64, config: &crate::config::BenchConfig) -> String {
    let piece = serde_json::to_string(piece).expect("a piece always serialises");
    format!(
        "{piece} flops={flops} iterations={} warmup_ms={} target_ci={:?} max_time_ms={:?} tail={}",
        config.iterations, config.warmup_ms, config.target_ci, config.max_time_ms, config.tail
    )
}

/// The result before any row: the device, its paths and clocks, the plan's configuration and
/// who runs it.
fn skeleton(plan: &Plan, device: &Device, clock: &dyn Clock, identity: Identity) -> ResultSet {
    let paths: Vec<_> = device.paths.iter().map(|p| p.info(clock)).collect();
    let timing = paths.first().map_or_else(
        || TimingInfo {
            clock: "none (no path ran)".into(),
            completion: String::new(),
            resolution_ms: None,
        },
        |p| p.timing.clone(),
    );
    ResultSet {
        schema_version: SCHEMA_VERSION,
        tool: identity.tool,
        created: identity.created,
        machine: identity.machine,
        device: device.info.clone(),
        timing,
        paths,
        config: plan.config.clone(),
        inference: Vec::new(),
        memory: Vec::new(),
        training: Vec::new(),
        memory_timing: device
            .memory
            .as_ref()
            .filter(|_| plan.suites.memory)
            .map(|m| m.timing(clock)),
        ceilings: None,
        burn_probes: None,
        run_seconds: 0.0,
        partial: None,
        notes: identity.notes,
    }
}

/// The result being assembled, and the per-round records behind its inference rows.
struct State {
    results: ResultSet,
    /// Every round's record, in the order measured.
    rounds: Vec<(usize, InferenceRecord)>,
}

impl State {
    /// The result `start` with the finished pieces `lines` (from a checkpoint) in it.
    fn new(start: ResultSet, lines: Vec<Line>) -> Self {
        let mut state = Self {
            results: start,
            rounds: Vec::new(),
        };
        for line in lines {
            state.take(line);
        }
        state.refresh();
        state
    }

    /// A finished piece's line, in the result.
    fn record(&mut self, line: Line) {
        let inference = matches!(line, Line::Inference { .. });
        self.take(line);
        if inference {
            self.refresh();
        }
    }

    /// `line` in the result, the inference rows not yet rebuilt from their rounds.
    fn take(&mut self, line: Line) {
        match line {
            Line::Inference { round, record } => self.rounds.push((round, record)),
            Line::Memory { record } => self.results.memory.push(record),
            Line::Training { record } => self.results.training.push(record),
            Line::Ceilings { ceilings } => self.results.ceilings = Some(ceilings),
            Line::Probes { probes } => self.results.burn_probes = Some(probes),
            Line::Start { .. } => {}
        }
    }

    fn has_round(&self, round: usize, path: PathId, step: &Step) -> bool {
        self.rounds
            .iter()
            .any(|(r, record)| *r == round && record.path == path && step.matches(record))
    }

    /// Rebuilds the inference rows from the rounds: one row per configuration and path,
    /// its rounds merged, the rows of several rounds with the run-to-run spread's intervals.
    fn refresh(&mut self) {
        let mut rows: Vec<InferenceRecord> = Vec::new();
        for (_, record) in &self.rounds {
            let same = |r: &InferenceRecord| r.path == record.path && r.same_config(record);
            if rows.iter().any(same) {
                continue;
            }
            let rounds: Vec<(usize, &InferenceRecord)> = self
                .rounds
                .iter()
                .filter(|(_, r)| same(r))
                .map(|(round, r)| (*round, r))
                .collect();
            let (settings, device_settings) = row_settings(&self.results, record);
            rows.push(merge_rounds(&rounds, settings, device_settings));
        }
        apply_run_to_run(&mut rows, |record| row_settings(&self.results, record));
        self.results.inference = rows;
    }
}

/// How `record`'s figures are turned into statistics on its path's headline clock and on its
/// device clock.
fn row_settings(results: &ResultSet, record: &InferenceRecord) -> (RowSettings, RowSettings) {
    let settings = |resolution_ms: Option<f64>| RowSettings {
        batch_size: record.batch_size,
        flops_per_sample: results
            .workload_of(record)
            .map_or(0, |w| w.figures(record.phase).flops_per_sample),
        target_ci: results.config.target_ci,
        resolution_ms,
    };
    let path = results.paths.iter().find(|p| p.id == record.path);
    let device_resolution = path.and_then(|p| match &p.device_time {
        Some(DeviceClock::Timed { timing, .. }) => timing.resolution_ms,
        _ => None,
    });
    (
        settings(path.and_then(|p| p.timing.resolution_ms)),
        settings(device_resolution),
    )
}

/// Counts pieces, announces them, and keeps the estimate of the time left.
struct Tracker<'a> {
    platform: &'a dyn Platform,
    clock: &'a dyn Clock,
    /// When the piece running now was announced.
    started: f64,
    done: usize,
    /// Every piece of the run, in run order: what the estimate weighs.
    costs: Vec<Cost>,
    /// The pieces run in this process (not taken from a checkpoint), with their times.
    estimate: Estimate,
}

impl Tracker<'_> {
    fn announce(&mut self, label: String, piece: Piece) {
        self.started = self.clock.now_ms();
        self.platform.event(Event::Progress(&Progress {
            done: self.done,
            total: self.costs.len(),
            label,
            piece,
            left: self
                .estimate
                .left(&self.costs[self.done.min(self.costs.len())..]),
        }));
    }

    fn finished(&mut self, state: &State, line: &Line) {
        if let Some(cost) = self.costs.get(self.done) {
            let ms = self.clock.now_ms() - self.started;
            if let Some(kept) = self.platform.costs() {
                kept.keep(&cost.key, &ms.to_string());
            }
            let batch_ms = match line {
                Line::Inference { record, .. } => match &record.outcome {
                    Outcome::Measured(m) => Some(m.timed.batch_latency_ms.median),
                    _ => None,
                },
                _ => None,
            };
            self.estimate.record(cost.clone(), ms, batch_ms);
        }
        self.done += 1;
        self.platform.event(Event::Finished {
            line,
            so_far: &state.results,
        });
    }

    /// A piece the checkpoint already holds.
    fn skip(&mut self) {
        self.done += 1;
    }

    /// True once a stop was requested, marking the result partial.
    fn stopping(&self, state: &mut State) -> bool {
        if state.results.partial.is_some() {
            return true;
        }
        match self.platform.stop_requested() {
            Some(reason) => {
                state.results.partial = Some(reason);
                true
            }
            None => false,
        }
    }
}
