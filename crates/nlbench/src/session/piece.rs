//! The pieces a run is made of, named so that a front end can say what is running and, when
//! the process running it dies, record that piece as lost instead of losing the run: the
//! command line's supervisor turns a worker's last [`Piece`] into the checkpoint line
//! [`Piece::lost`] gives, and the next worker continues after it.

use serde::{Deserialize, Serialize};

use crate::{
    error::{ErrorKind, RunError},
    precision::Precision,
    schema::{
        BurnProbes, Ceilings, InferenceRecord, MemoryOutcome, MemoryRecord, OptimizerKind, Outcome,
        PathId, TrainingOutcome, TrainingRecord,
    },
    workload::{Phase, WorkloadKind},
};

use super::checkpoint::Line;

/// One piece of a run, as its checkpoint line would key it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "piece", rename_all = "snake_case")]
pub enum Piece {
    Inference {
        round: usize,
        #[serde(default)]
        workload: WorkloadKind,
        model: String,
        #[serde(default)]
        phase: Phase,
        /// The row's llama-bench test (`pp512`, `tg128`), where it has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        test: Option<String>,
        precision: Precision,
        batch_size: usize,
        path: PathId,
    },
    Ceilings,
    Probes,
    Memory {
        #[serde(default)]
        workload: WorkloadKind,
        model: String,
        batch_size: usize,
    },
    Training {
        workload: WorkloadKind,
        model: String,
        batch_size: usize,
        optimizer: OptimizerKind,
    },
}

impl Piece {
    /// The checkpoint line of this piece ended without a result, of `kind` for `reason`: a
    /// failed row, or ceilings and probes unavailable with the reason.
    pub fn lost(&self, kind: ErrorKind, reason: &str) -> Line {
        // Rows carry the kind beside the reason; a ceiling has only its reason.
        let unavailable = format!("{}: {reason}", kind.label());
        let reason = reason.to_owned();
        match self {
            Piece::Inference {
                round,
                workload,
                model,
                phase,
                test,
                precision,
                batch_size,
                path,
            } => Line::Inference {
                round: *round,
                record: InferenceRecord {
                    workload: *workload,
                    model: model.clone(),
                    phase: *phase,
                    test: test.clone(),
                    precision: *precision,
                    batch_size: *batch_size,
                    path: *path,
                    outcome: Outcome::Failed { kind, reason },
                },
            },
            Piece::Ceilings => Line::Ceilings {
                ceilings: Ceilings::unavailable(&unavailable),
            },
            Piece::Probes => Line::Probes {
                probes: BurnProbes::lost(RunError::new(kind, unavailable)),
            },
            Piece::Memory {
                workload,
                model,
                batch_size,
            } => Line::Memory {
                record: MemoryRecord {
                    workload: *workload,
                    model: model.clone(),
                    batch_size: *batch_size,
                    outcome: MemoryOutcome::Failed { kind, reason },
                },
            },
            Piece::Training {
                workload,
                model,
                batch_size,
                optimizer,
            } => Line::Training {
                record: TrainingRecord {
                    workload: *workload,
                    model: model.clone(),
                    batch_size: *batch_size,
                    optimizer: *optimizer,
                    outcome: TrainingOutcome::Failed { kind, reason },
                },
            },
        }
    }

    /// The piece `line` is the result of (none for the start line).
    pub fn of(line: &Line) -> Option<Piece> {
        match line {
            Line::Start { .. } => None,
            Line::Inference { round, record } => Some(Piece::Inference {
                round: *round,
                workload: record.workload,
                model: record.model.clone(),
                phase: record.phase,
                test: record.test.clone(),
                precision: record.precision,
                batch_size: record.batch_size,
                path: record.path,
            }),
            Line::Ceilings { .. } => Some(Piece::Ceilings),
            Line::Probes { .. } => Some(Piece::Probes),
            Line::Memory { record } => Some(Piece::Memory {
                workload: record.workload,
                model: record.model.clone(),
                batch_size: record.batch_size,
            }),
            Line::Training { record } => Some(Piece::Training {
                workload: record.workload,
                model: record.model.clone(),
                batch_size: record.batch_size,
                optimizer: record.optimizer,
            }),
        }
    }

    /// Whether `line` is this piece's result.
    pub fn is_answered_by(&self, line: &Line) -> bool {
        Self::of(line).as_ref() == Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_piece_is_its_own_failed_line() {
        let piece = Piece::Inference {
            round: 1,
            workload: WorkloadKind::Mlp,
            model: "small".into(),
            phase: Phase::Forward,
            test: None,
            precision: Precision::F32,
            batch_size: 64,
            path: PathId::Burn,
        };
        let line = piece.lost(ErrorKind::Crashed, "killed by signal 9 (SIGKILL)");
        assert!(piece.is_answered_by(&line));
        let Line::Inference { round: 1, record } = &line else {
            panic!("{line:?}")
        };
        assert_eq!(
            record.outcome,
            Outcome::Failed {
                kind: ErrorKind::Crashed,
                reason: "killed by signal 9 (SIGKILL)".into()
            }
        );
        let other_round = Piece::Inference {
            round: 0,
            workload: WorkloadKind::Mlp,
            model: "small".into(),
            phase: Phase::Forward,
            test: None,
            precision: Precision::F32,
            batch_size: 64,
            path: PathId::Burn,
        };
        assert!(!other_round.is_answered_by(&line));

        let memory = Piece::Memory {
            workload: WorkloadKind::Mlp,
            model: "small".into(),
            batch_size: 8,
        };
        let line = memory.lost(ErrorKind::TimedOut, "ran past --timeout 5 s");
        assert!(memory.is_answered_by(&line) && !Piece::Ceilings.is_answered_by(&line));
        let Line::Ceilings { ceilings } = Piece::Ceilings.lost(ErrorKind::Crashed, "signal 11")
        else {
            panic!()
        };
        assert_eq!(
            ceilings.copy_gbps,
            crate::schema::Ceiling::Unavailable {
                reason: "crashed: signal 11".into()
            }
        );
        let Line::Probes { probes } = Piece::Probes.lost(ErrorKind::Crashed, "signal 11") else {
            panic!()
        };
        // What a worker reads to tell a lost device from other failures.
        let inference = Piece::Inference {
            round: 0,
            workload: WorkloadKind::Mlp,
            model: "small".into(),
            phase: Phase::Forward,
            test: None,
            precision: Precision::F32,
            batch_size: 1,
            path: PathId::Burn,
        };
        let lost = inference.lost(ErrorKind::DeviceLost, "Parent device is lost");
        let rejected = inference.lost(ErrorKind::KernelRejected, "shader invalid");
        assert_eq!(lost.failure(), Some(ErrorKind::DeviceLost));
        assert_eq!(rejected.failure(), Some(ErrorKind::KernelRejected));
        assert_eq!(
            memory.lost(ErrorKind::TimedOut, "x").failure(),
            Some(ErrorKind::TimedOut)
        );
        assert_eq!(
            Piece::Ceilings
                .lost(ErrorKind::DeviceLost, "lost")
                .failure(),
            None
        );
        assert!(matches!(
            probes.matmul_gflops,
            crate::schema::Ceiling::Unavailable { ref reason } if reason.contains("signal 11")
        ));
    }
}
