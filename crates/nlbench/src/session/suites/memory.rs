//! The memory suite: every workload at every batch size, inference and one training step
//! read from the device's allocator, where the device has a memory suite.

use futures::future::LocalBoxFuture;

use crate::{
    analysis::memory::Footprint,
    error::guarded,
    plan::Plan,
    schema::{MemoryOutcome, MemoryRecord},
    session::{
        Device, Piece, State, StepContext,
        checkpoint::Line,
        estimate::CostKind,
        suite::{Planned, Suite},
    },
    workload::Workload,
};

pub struct Memory<'a> {
    device: &'a Device,
    /// What each piece reads: a workload at a batch size.
    runs: Vec<(Workload, usize)>,
    pieces: Vec<Planned>,
}

impl<'a> Memory<'a> {
    pub fn new(plan: &Plan, device: &'a Device) -> Self {
        let runs = if plan.suites.memory && device.memory.is_some() {
            super::every_workload_batch(plan)
        } else {
            Vec::new()
        };
        let pieces = runs
            .iter()
            .map(|(workload, batch)| {
                let forward = workload.figures(workload.phases()[0]).flops_per_sample as f64;
                Planned {
                    label: format!("memory: {} batch {batch}", workload.label()),
                    piece: memory_piece(workload, *batch),
                    kind: CostKind::Memory,
                    // Forward, backward (about twice the forward) and a step.
                    flops: 3.0 * forward * *batch as f64,
                }
            })
            .collect();
        Self {
            device,
            runs,
            pieces,
        }
    }
}

impl Suite for Memory<'_> {
    fn pieces(&self) -> &[Planned] {
        &self.pieces
    }

    fn done(&self, index: usize, state: &State) -> bool {
        let (workload, batch_size) = &self.runs[index];
        state
            .results
            .memory
            .iter()
            .any(|r| r.is(workload) && r.batch_size == *batch_size)
    }

    fn run<'a>(
        &'a self,
        index: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Option<Line>> {
        Box::pin(async move {
            let (workload, batch_size) = &self.runs[index];
            let memory = self.device.memory.as_deref()?;
            let outcome = match self
                .device
                .capacity
                .check(Footprint::training(workload, *batch_size))
            {
                Err(reason) => MemoryOutcome::Skipped { reason },
                Ok(()) => match guarded(memory.measure(workload, *batch_size, cx)).await {
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
                batch_size: *batch_size,
                outcome,
            };
            Some(Line::Memory { record })
        })
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
