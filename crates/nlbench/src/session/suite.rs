//! A suite as the session runs it: the pieces it runs for a plan on a device (each with its
//! progress label, its checkpoint piece and its cost for the time left), whether a resumed
//! run already holds one, and running one to the line the checkpoint and the result take.
//! The session loops over the suites a plan asks for ([`super::suites::of`]); a new suite is
//! a module of `session/suites/` and a line of that list.

use futures::future::LocalBoxFuture;

use super::{Piece, State, StepContext, checkpoint::Line, estimate::CostKind};

/// One piece a suite runs, as the progress, the checkpoint and the time left see it.
pub struct Planned {
    /// What the progress line says runs, for example "medium FP32 batch 64 (burn)".
    pub label: String,
    pub piece: Piece,
    /// How the time left weighs it: its kind and its FLOPs.
    pub kind: CostKind,
    pub flops: f64,
}

impl Planned {
    /// The one piece of a suite that moves no FLOPs of a workload (the ceilings, burn's
    /// probes): `[piece]` where the plan asks for it, else none.
    pub fn single(asked: bool, label: &str, piece: Piece, kind: CostKind) -> Vec<Planned> {
        asked
            .then(|| Planned {
                label: label.to_owned(),
                piece,
                kind,
                flops: 0.0,
            })
            .into_iter()
            .collect()
    }
}

pub trait Suite {
    /// Every piece, in run order; the session names each by its index here.
    fn pieces(&self) -> &[Planned];

    /// Whether the result (resumed from a checkpoint) already holds piece `index`.
    fn done(&self, index: usize, state: &State) -> bool;

    /// Runs piece `index`: the line the checkpoint appends and the result takes, or `None`
    /// where it turned out to have nothing to run.
    fn run<'a>(&'a self, index: usize, cx: &'a StepContext<'a>)
    -> LocalBoxFuture<'a, Option<Line>>;
}
