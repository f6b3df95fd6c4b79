//! The device's ceilings: what its matrix units, vector units and memory can do at most,
//! which the inference rows are placed against (the memory suite has no use for them).

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

pub struct Ceilings<'a> {
    device: &'a Device,
    pieces: Vec<Planned>,
}

impl<'a> Ceilings<'a> {
    pub fn new(plan: &Plan, device: &'a Device) -> Self {
        let asked = plan.ceilings && plan.suites.inference;
        Self {
            device,
            pieces: Planned::single(
                asked,
                "device ceilings",
                Piece::Ceilings,
                CostKind::Ceilings,
            ),
        }
    }
}

impl Suite for Ceilings<'_> {
    fn pieces(&self) -> &[Planned] {
        &self.pieces
    }

    fn done(&self, _: usize, state: &State) -> bool {
        state.results.ceilings.is_some()
    }

    fn run<'a>(&'a self, _: usize, cx: &'a StepContext<'a>) -> LocalBoxFuture<'a, Option<Line>> {
        Box::pin(async move {
            let ceilings = self.device.ceilings.measure(cx.clock).await;
            Some(Line::Ceilings { ceilings })
        })
    }
}
