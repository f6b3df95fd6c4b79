//! burn's probes: its matmul and add at a few sizes on the device's first path, the framework's
//! own roof beside the device's.

use futures::future::LocalBoxFuture;

use crate::{
    plan::Plan,
    session::{
        Device, Piece, State, StepContext,
        checkpoint::Line,
        estimate::CostKind,
        suite::{Planned, Suite},
    },
};

pub struct Probes<'a> {
    device: &'a Device,
    pieces: Vec<Planned>,
}

impl<'a> Probes<'a> {
    pub fn new(plan: &Plan, device: &'a Device) -> Self {
        let asked = plan.probes && plan.suites.inference;
        Self {
            device,
            pieces: Planned::single(
                asked,
                "burn's matmul and add probes",
                Piece::Probes,
                CostKind::Probes,
            ),
        }
    }
}

impl Suite for Probes<'_> {
    fn pieces(&self) -> &[Planned] {
        &self.pieces
    }

    /// Held already, or nothing to probe with (a device without a path).
    fn done(&self, _: usize, state: &State) -> bool {
        state.results.burn_probes.is_some() || self.device.paths.is_empty()
    }

    fn run<'a>(&'a self, _: usize, cx: &'a StepContext<'a>) -> LocalBoxFuture<'a, Option<Line>> {
        Box::pin(async move {
            let run = self.device.paths.first()?.headline.probes(cx)?;
            Some(Line::Probes { probes: run.await })
        })
    }
}
