//! The inference rows: every step (workload, phase, precision, batch size) on every path that
//! runs its workload, cheapest first, in interleaved rounds with `repeat`.

use futures::future::LocalBoxFuture;

use crate::{
    analysis::memory::Footprint,
    error::{ErrorKind, guarded},
    plan::Plan,
    schema::{DeviceFigures, DeviceTime, InferenceRecord, Outcome, PathId},
    session::{
        Device, DeviceTwin, Path, Piece, State, Step, StepContext,
        checkpoint::Line,
        estimate::CostKind,
        suite::{Planned, Suite},
    },
};

pub struct Inference<'a> {
    device: &'a Device,
    /// What each piece runs: its round, its step and its path.
    runs: Vec<(usize, Step, &'a Path)>,
    pieces: Vec<Planned>,
}

impl<'a> Inference<'a> {
    pub fn new(plan: &Plan, device: &'a Device) -> Self {
        let steps = inference_steps(plan);
        let mut runs = Vec::new();
        let mut pieces = Vec::new();
        for round in 0..plan.config.repeat {
            for step in &steps {
                for path in paths_of(device, step) {
                    // The precision check is the device's word, known now; the room a step
                    // will find is asked when it runs (asking reads the host's memory).
                    let kind = match path.headline.supports(step.precision) {
                        Err(_) => CostKind::Instant,
                        Ok(()) => CostKind::Inference(path.id()),
                    };
                    pieces.push(Planned {
                        label: format!("{} ({})", step.label(), path.id().label()),
                        piece: inference_piece(round, step, path.id()),
                        kind,
                        flops: step.flops() as f64,
                    });
                    runs.push((round, step.clone(), path));
                }
            }
        }
        Self {
            device,
            runs,
            pieces,
        }
    }
}

impl Suite for Inference<'_> {
    fn pieces(&self) -> &[Planned] {
        &self.pieces
    }

    fn done(&self, index: usize, state: &State) -> bool {
        let (round, step, path) = &self.runs[index];
        state.has_round(*round, path.id(), step)
    }

    fn run<'a>(
        &'a self,
        index: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Option<Line>> {
        Box::pin(async move {
            let (round, step, path) = &self.runs[index];
            let record = InferenceRecord {
                workload: step.workload.kind(),
                model: step.workload.name().to_owned(),
                phase: step.phase,
                test: step.workload.test_name(step.phase),
                precision: step.precision,
                batch_size: step.batch_size,
                path: path.id(),
                outcome: inference_outcome(path, step, self.device, cx).await,
            };
            Some(Line::Inference {
                round: *round,
                record,
            })
        })
    }
}

/// The piece that runs `step` on path `id` in `round`.
fn inference_piece(round: usize, step: &Step, id: PathId) -> Piece {
    Piece::Inference {
        round,
        workload: step.workload.kind(),
        model: step.workload.name().to_owned(),
        phase: step.phase,
        test: step.workload.test_name(step.phase),
        precision: step.precision,
        batch_size: step.batch_size,
        path: id,
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
