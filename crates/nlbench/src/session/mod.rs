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
#[cfg(test)]
mod tests;

pub use piece::Piece;

pub use device::{
    Capacity, CeilingsSource, Device, DeviceTwin, InferencePath, MemorySuite, NoCeilings, Path,
    Room, Step, StepContext,
};

use crate::{
    analysis::{
        memory::Footprint,
        row::{RowSettings, merge_rounds},
    },
    error::{ErrorKind, guarded},
    measure::{Clock, protocol::inference_policy},
    plan::Plan,
    schema::{
        DeviceClock, DeviceFigures, DeviceTime, InferenceRecord, MachineInfo, MemoryOutcome,
        MemoryRecord, Outcome, PathId, ResultSet, SCHEMA_VERSION, TimingInfo, ToolInfo,
    },
    workload::Workload,
};
use checkpoint::{Checkpoint, Line};
pub use estimate::TimeLeft;
use estimate::{Cost, CostKind, Estimate, Protocol};

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
    let steps = inference_steps(plan);
    let memory_steps: Vec<(Workload, usize)> = if plan.suites.memory && device.memory.is_some() {
        plan.config
            .all_workloads()
            .into_iter()
            .flat_map(|workload| {
                let batches = plan.config.batch_sizes_of(&workload).to_vec();
                batches.into_iter().map(move |b| (workload.clone(), b))
            })
            .collect()
    } else {
        Vec::new()
    };
    let probes = plan.probes && plan.suites.inference;
    // The ceilings place inference rows on the roofline; the memory suite has no use for them.
    let ceilings = plan.ceilings && plan.suites.inference;
    let costs = piece_costs(plan, device, &steps, ceilings, probes, &memory_steps);
    let mut tracker = Tracker {
        platform,
        clock,
        started: clock.now_ms(),
        done: 0,
        costs,
        estimate: Estimate::with_prior(platform.costs(), Some(protocol(&plan.config))),
    };

    'rounds: for round in 0..plan.config.repeat {
        for step in &steps {
            for path in paths_of(device, step) {
                let id = path.id();
                if state.has_round(round, id, step) {
                    tracker.skip();
                    continue;
                }
                if tracker.stopping(&mut state) {
                    break 'rounds;
                }
                tracker.announce(
                    format!("{} ({})", step.label(), id.label()),
                    inference_piece(round, step, id),
                );
                let record = InferenceRecord {
                    workload: step.workload.kind(),
                    model: step.workload.name().to_owned(),
                    phase: step.phase,
                    precision: step.precision,
                    batch_size: step.batch_size,
                    path: id,
                    outcome: inference_outcome(path, step, device, &cx).await,
                };
                state.rounds.push((round, record.clone()));
                state.refresh();
                tracker.finished(&state, &Line::Inference { round, record });
            }
        }
    }

    if ceilings && state.results.ceilings.is_none() && !tracker.stopping(&mut state) {
        tracker.announce("device ceilings".into(), Piece::Ceilings);
        let ceilings = device.ceilings.measure(clock).await;
        state.results.ceilings = Some(ceilings.clone());
        tracker.finished(&state, &Line::Ceilings { ceilings });
    } else if ceilings {
        tracker.skip();
    }

    let prober = device.paths.first().filter(|_| probes);
    if let Some(path) = prober
        && state.results.burn_probes.is_none()
        && !tracker.stopping(&mut state)
    {
        tracker.announce("burn's matmul and add probes".into(), Piece::Probes);
        if let Some(run) = path.headline.probes(&cx) {
            let probes = run.await;
            state.results.burn_probes = Some(probes.clone());
            tracker.finished(&state, &Line::Probes { probes });
        } else {
            tracker.skip();
        }
    } else if probes {
        tracker.skip();
    }

    if let Some(memory) = device.memory.as_deref() {
        for (workload, batch_size) in &memory_steps {
            let batch_size = *batch_size;
            if state
                .results
                .memory
                .iter()
                .any(|r| r.is(workload) && r.batch_size == batch_size)
            {
                tracker.skip();
                continue;
            }
            if tracker.stopping(&mut state) {
                break;
            }
            tracker.announce(
                format!("memory: {} batch {batch_size}", workload.label()),
                memory_piece(workload, batch_size),
            );
            let outcome = match device
                .capacity
                .check(Footprint::training(workload, batch_size))
            {
                Err(reason) => MemoryOutcome::Skipped { reason },
                Ok(()) => match guarded(memory.measure(workload, batch_size, &cx)).await {
                    Ok(m) => MemoryOutcome::Measured(Box::new(m)),
                    Err(err) => MemoryOutcome::Failed {
                        kind: err.kind,
                        reason: err.message,
                    },
                },
            };
            let record = MemoryRecord {
                workload: workload.kind(),
                model: workload.name().to_owned(),
                batch_size,
                outcome,
            };
            state.results.memory.push(record.clone());
            tracker.finished(&state, &Line::Memory { record });
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
        memory_timing: None,
        ceilings: None,
        burn_probes: None,
        run_seconds: 0.0,
        partial: Some(format!("the device did not run: {reason}")),
        notes: identity.notes,
    }
}

/// Every piece of the run in the order it runs, with its cost: each round's inference steps
/// on every path that runs them (instant where the path cannot run the step's precision), the
/// ceilings, burn's probes, the memory suite's steps (a training step counted as three
/// forward passes).
fn piece_costs(
    plan: &Plan,
    device: &Device,
    steps: &[Step],
    ceilings: bool,
    probes: bool,
    memory_steps: &[(Workload, usize)],
) -> Vec<Cost> {
    let cost = |kind, flops: f64, piece: &Piece| Cost {
        kind,
        flops,
        key: cost_key(piece, flops, &plan.config),
        family: match piece {
            Piece::Inference {
                workload,
                phase,
                precision,
                ..
            } => Some(format!("{workload} {phase} {precision}")),
            _ => None,
        },
    };
    let mut costs = Vec::new();
    for round in 0..plan.config.repeat {
        for step in steps {
            for path in paths_of(device, step) {
                // The precision check is the device's word, known now; the room a step will
                // find is asked when it runs (asking reads the host's memory figures).
                let kind = match path.headline.supports(step.precision) {
                    Err(_) => CostKind::Instant,
                    Ok(()) => CostKind::Inference(path.id()),
                };
                let piece = inference_piece(round, step, path.id());
                costs.push(cost(kind, step.flops() as f64, &piece));
            }
        }
    }
    if ceilings {
        costs.push(cost(CostKind::Ceilings, 0.0, &Piece::Ceilings));
    }
    if probes {
        costs.push(cost(CostKind::Probes, 0.0, &Piece::Probes));
    }
    for (workload, batch) in memory_steps {
        let forward = workload.figures(workload.phases()[0]).flops_per_sample as f64;
        let piece = memory_piece(workload, *batch);
        costs.push(cost(
            CostKind::Memory,
            3.0 * forward * *batch as f64,
            &piece,
        ));
    }
    costs
}

/// What the timing protocol makes of an inference step under `config`, for the time left.
fn protocol(config: &crate::config::BenchConfig) -> Protocol {
    let policy = inference_policy(config);
    Protocol {
        untimed_runs: policy.untimed_runs as f64,
        warmup_ms: policy.warmup_ms,
        min_samples: policy.stop.min_samples as f64,
    }
}

/// What a piece's time is kept under for later runs: the piece, its FLOPs (two models may
/// share a name) and the protocol's settings, which decide how long it samples.
fn cost_key(piece: &Piece, flops: f64, config: &crate::config::BenchConfig) -> String {
    let piece = serde_json::to_string(piece).expect("a piece always serialises");
    format!(
        "{piece} flops={flops} iterations={} warmup_ms={} target_ci={:?} max_time_ms={:?}",
        config.iterations, config.warmup_ms, config.target_ci, config.max_time_ms
    )
}

/// The piece that runs `step` on path `id` in `round`.
fn inference_piece(round: usize, step: &Step, id: PathId) -> Piece {
    Piece::Inference {
        round,
        workload: step.workload.kind(),
        model: step.workload.name().to_owned(),
        phase: step.phase,
        precision: step.precision,
        batch_size: step.batch_size,
        path: id,
    }
}

/// The memory suite's piece of `workload` at `batch_size`.
fn memory_piece(workload: &Workload, batch_size: usize) -> Piece {
    Piece::Memory {
        workload: workload.kind(),
        model: workload.name().to_owned(),
        batch_size,
    }
}

/// The paths that run `step`'s workload, in the device's order.
fn paths_of<'a>(device: &'a Device, step: &Step) -> impl Iterator<Item = &'a Path> {
    let kind = step.workload.kind();
    device.paths.iter().filter(move |p| p.headline.runs(kind))
}

/// The inference steps, cheapest first (a first figure soon, and the expensive ones last,
/// where a stop loses least); ties keep the configuration's order.
fn inference_steps(plan: &Plan) -> Vec<Step> {
    if !plan.suites.inference {
        return Vec::new();
    }
    let config = &plan.config;
    let mut steps: Vec<Step> = config
        .all_workloads()
        .into_iter()
        .flat_map(|workload| {
            let phases = workload.phases();
            phases.iter().flat_map(move |&phase| {
                let workload = workload.clone();
                config.precisions.iter().flat_map(move |&precision| {
                    let workload = workload.clone();
                    let batches = config.batch_sizes_of(&workload).to_vec();
                    batches.into_iter().map(move |batch_size| Step {
                        workload: workload.clone(),
                        phase,
                        precision,
                        batch_size,
                    })
                })
            })
        })
        .collect();
    steps.sort_by_key(Step::flops);
    steps
}

/// One configuration on one path: unsupported, skipped by the pre-flight check, measured, or
/// failed with its kind. A measured headline then gets its device time, where the path has
/// a device-timed twin; a twin that fails leaves the headline standing, with the failure.
async fn inference_outcome(
    path: &Path,
    step: &Step,
    device: &Device,
    cx: &StepContext<'_>,
) -> Outcome {
    if let Err(err) = path.headline.supports(step.precision) {
        return Outcome::Unsupported {
            reason: err.message,
        };
    }
    let footprint =
        Footprint::of_workload(&step.workload, step.phase, step.precision, step.batch_size);
    if let Err(reason) = device.capacity.check(footprint) {
        return Outcome::Skipped { reason };
    }
    let mut measured = match guarded(path.headline.measure(step, cx)).await {
        Ok(m) => m,
        Err(err) if err.kind == ErrorKind::Unsupported => {
            return Outcome::Unsupported {
                reason: err.message,
            };
        }
        Err(err) => {
            return Outcome::Failed {
                kind: err.kind,
                reason: err.message,
            };
        }
    };
    if let DeviceTwin::Timed(twin) = &path.device_time {
        measured.device_time = Some(match guarded(twin.measure(step, cx)).await {
            Ok(m) => DeviceTime::Measured(Box::new(DeviceFigures {
                fusion: twin.fusion(),
                timed: m.timed,
                kernels: if m.kernels == measured.kernels {
                    Vec::new()
                } else {
                    m.kernels
                },
            })),
            Err(err) => DeviceTime::Failed {
                kind: err.kind,
                reason: err.message,
            },
        });
    }
    Outcome::Measured(Box::new(measured))
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
            match line {
                Line::Inference { round, record } => state.rounds.push((round, record)),
                Line::Memory { record } => state.results.memory.push(record),
                Line::Ceilings { ceilings } => state.results.ceilings = Some(ceilings),
                Line::Probes { probes } => state.results.burn_probes = Some(probes),
                Line::Start { .. } => {}
            }
        }
        state.refresh();
        state
    }

    fn has_round(&self, round: usize, path: PathId, step: &Step) -> bool {
        self.rounds
            .iter()
            .any(|(r, record)| *r == round && record.path == path && step.matches(record))
    }

    /// Rebuilds the inference rows from the rounds: one row per configuration and path,
    /// its rounds merged.
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
            let settings = |resolution_ms: Option<f64>| RowSettings {
                batch_size: record.batch_size,
                flops_per_sample: self
                    .results
                    .workload_of(record)
                    .map_or(0, |w| w.figures(record.phase).flops_per_sample),
                target_ci: self.results.config.target_ci,
                resolution_ms,
            };
            let path = self.results.paths.iter().find(|p| p.id == record.path);
            let device_resolution = path.and_then(|p| match &p.device_time {
                Some(DeviceClock::Timed { timing, .. }) => timing.resolution_ms,
                _ => None,
            });
            rows.push(merge_rounds(
                &rounds,
                settings(path.and_then(|p| p.timing.resolution_ms)),
                settings(device_resolution),
            ));
        }
        self.results.inference = rows;
    }
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
