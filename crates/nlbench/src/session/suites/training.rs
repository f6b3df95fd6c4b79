//! The training suite: every workload at every batch size, one optimizer step (forward, a
//! loss against a seeded target, backward, Adam's update) timed by the protocol, where the
//! device has a training suite.

use futures::future::LocalBoxFuture;

use crate::{
    analysis::memory::Footprint,
    error::guarded,
    plan::Plan,
    schema::{OptimizerKind, TrainingOutcome, TrainingRecord},
    session::{
        Device, Piece, State, StepContext,
        checkpoint::Line,
        estimate::CostKind,
        suite::{Planned, Suite},
    },
    workload::Workload,
};

/// The optimizer every training row steps with (see [`crate::session::TrainingSuite`]).
const OPTIMIZER: OptimizerKind = OptimizerKind::Adam;

pub struct Training<'a> {
    device: &'a Device,
    /// What each piece times: a workload at a batch size.
    runs: Vec<(Workload, usize)>,
    pieces: Vec<Planned>,
}

impl<'a> Training<'a> {
    pub fn new(plan: &Plan, device: &'a Device) -> Self {
        let runs = if plan.suites.training && device.training.is_some() {
            super::every_workload_batch(plan)
        } else {
            Vec::new()
        };
        let pieces = runs
            .iter()
            .map(|(workload, batch)| Planned {
                label: format!("training: {} batch {batch}", workload.label()),
                piece: training_piece(workload, *batch),
                kind: CostKind::Memory,
                flops: (workload.training_flops_per_sample() * *batch as u64) as f64,
            })
            .collect();
        Self {
            device,
            runs,
            pieces,
        }
    }
}

impl Suite for Training<'_> {
    fn pieces(&self) -> &[Planned] {
        &self.pieces
    }

    fn done(&self, index: usize, state: &State) -> bool {
        let (workload, batch_size) = &self.runs[index];
        state
            .results
            .training
            .iter()
            .any(|r| workload.is(r.workload, &r.model) && r.batch_size == *batch_size)
    }

    fn run<'a>(
        &'a self,
        index: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Option<Line>> {
        Box::pin(async move {
            let (workload, batch_size) = &self.runs[index];
            let training = self.device.training.as_deref()?;
            let outcome = match self
                .device
                .capacity
                .check(Footprint::training(workload, *batch_size))
            {
                Err(reason) => TrainingOutcome::Skipped { reason },
                Ok(()) => match guarded(training.measure(workload, *batch_size, cx)).await {
                    Ok(m) => TrainingOutcome::Measured(Box::new(m)),
                    Err(err) => TrainingOutcome::Failed {
                        kind: err.kind,
                        reason: err.message,
                    },
                },
            };
            Some(Line::Training {
                record: TrainingRecord {
                    workload: workload.kind(),
                    model: workload.name().to_owned(),
                    batch_size: *batch_size,
                    optimizer: OPTIMIZER,
                    outcome,
                },
            })
        })
    }
}

/// The training suite's piece of `workload` at `batch_size`.
fn training_piece(workload: &Workload, batch_size: usize) -> Piece {
    Piece::Training {
        workload: workload.kind(),
        model: workload.name().to_owned(),
        batch_size,
        optimizer: OPTIMIZER,
    }
}
