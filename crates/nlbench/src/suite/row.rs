//! A row from its samples: the batch and per-sample summaries with the median's interval,
//! throughput, GFLOP/s and the verdicts; and one row from several interleaved rounds.

use crate::{
    analysis::verdicts::verdicts,
    error::RunError,
    measure::{Samples, StopReason},
    schema::{
        Accuracy, AllocatorMemory, InferenceMeasurement, InferenceRecord, KernelChoice,
        MemoryFigures, Outcome, StopRule, Verdict,
    },
    stats::Summary,
};

/// What a path measured for one configuration, before statistics.
pub struct Measured {
    pub samples: Samples,
    pub memory: MemoryFigures,
    pub kernels: Vec<KernelChoice>,
    pub accuracy: Option<Accuracy>,
}

/// The row for one configuration's samples.
pub fn build_measurement(
    measured: Measured,
    batch_size: usize,
    flops_per_sample: u64,
    target_ci: Option<f64>,
    resolution_ms: f64,
) -> Result<InferenceMeasurement, RunError> {
    let raw = measured.samples.per_repeat();
    let t = Timings::of(
        &raw,
        batch_size,
        flops_per_sample,
        target_ci,
        resolution_ms,
        &[],
    )?;
    Ok(InferenceMeasurement {
        warmup_runs: measured.samples.warmup_runs,
        batch_latency_ms: t.batch,
        sample_latency_ms: t.sample,
        throughput: t.throughput,
        gflops: t.gflops,
        memory: measured.memory,
        raw_batch_ms: raw,
        verdicts: t.verdicts,
        rounds: Vec::new(),
        stopped: Some(match measured.samples.stopped {
            StopReason::Count => StopRule::Count,
            StopReason::Converged => StopRule::Converged,
            StopReason::TimeCap => StopRule::TimeCap,
            StopReason::MaxSamples => StopRule::MaxSamples,
        }),
        kernels: measured.kernels,
        accuracy: measured.accuracy,
    })
}

/// The figures that follow from the timings alone.
struct Timings {
    batch: Summary,
    sample: Summary,
    throughput: f64,
    gflops: f64,
    verdicts: Vec<Verdict>,
}

impl Timings {
    fn of(
        raw_batch_ms: &[f64],
        batch_size: usize,
        flops_per_sample: u64,
        target_ci: Option<f64>,
        resolution_ms: f64,
        rounds: &[f64],
    ) -> Result<Self, RunError> {
        let batch = Summary::of(raw_batch_ms)
            .ok_or_else(|| RunError::backend("the clock returned no usable timings"))?;
        if batch.median <= 0.0 {
            return Err(RunError::backend(
                "the clock measured no time for the work (a zero median): nothing to report",
            ));
        }
        let size = batch_size as f64;
        let throughput = size / (batch.median / 1000.0);
        Ok(Self {
            sample: batch.scaled(1.0 / size),
            verdicts: verdicts(raw_batch_ms, &batch, target_ci, resolution_ms, rounds),
            batch,
            throughput,
            gflops: flops_per_sample as f64 * throughput / 1e9,
        })
    }
}

/// One row from the same configuration's rounds (in round order): the samples pooled, each
/// round's median kept, the verdicts taken again over everything. With one round, or none
/// measured, the first record as it is.
pub fn merge_rounds(
    rounds: &[&InferenceRecord],
    flops_per_sample: u64,
    target_ci: Option<f64>,
    resolution_ms: f64,
) -> InferenceRecord {
    let first = rounds[0];
    let measured: Vec<&InferenceMeasurement> = rounds
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Measured(m) => Some(m.as_ref()),
            _ => None,
        })
        .collect();
    if rounds.len() == 1 || measured.is_empty() {
        return first.clone();
    }
    let raw: Vec<f64> = measured
        .iter()
        .flat_map(|m| m.raw_batch_ms.iter().copied())
        .collect();
    let medians: Vec<f64> = measured.iter().map(|m| m.batch_latency_ms.median).collect();
    let timings = Timings::of(
        &raw,
        first.batch_size,
        flops_per_sample,
        target_ci,
        resolution_ms,
        &medians,
    );
    let outcome = match timings {
        Ok(t) => Outcome::Measured(Box::new(InferenceMeasurement {
            warmup_runs: measured.iter().map(|r| r.warmup_runs).sum(),
            batch_latency_ms: t.batch,
            sample_latency_ms: t.sample,
            throughput: t.throughput,
            gflops: t.gflops,
            memory: MemoryFigures {
                allocator: measured
                    .iter()
                    .filter_map(|r| r.memory.allocator)
                    .reduce(|a, b| AllocatorMemory {
                        baseline_in_use: a.baseline_in_use.min(b.baseline_in_use),
                        peak_in_use: a.peak_in_use.max(b.peak_in_use),
                        peak_reserved: a.peak_reserved.max(b.peak_reserved),
                    }),
                ..measured[0].memory.clone()
            },
            raw_batch_ms: raw,
            verdicts: t.verdicts,
            rounds: medians,
            stopped: measured.last().and_then(|r| r.stopped),
            kernels: measured[0].kernels.clone(),
            accuracy: measured
                .iter()
                .filter_map(|r| r.accuracy)
                .max_by(|a, b| a.max_abs_error.total_cmp(&b.max_abs_error)),
        })),
        Err(err) => Outcome::Failed {
            kind: err.kind,
            reason: err.message,
        },
    };
    InferenceRecord {
        outcome,
        ..first.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{precision::Precision, schema::PathId};

    fn record(samples: &[f64]) -> InferenceRecord {
        let measured = Measured {
            samples: Samples {
                warmup_runs: 3,
                repeats: 1,
                ms: samples.to_vec(),
                stopped: StopReason::Count,
            },
            memory: MemoryFigures {
                allocator: None,
                allocator_unavailable: Some("none".into()),
                analytical: crate::schema::AnalyticalMemory {
                    parameter_bytes: 1,
                    input_bytes: 2,
                    activation_bytes: 3,
                },
            },
            kernels: Vec::new(),
            accuracy: None,
        };
        InferenceRecord {
            model: "m".into(),
            precision: Precision::F32,
            batch_size: 10,
            path: PathId::Burn,
            outcome: Outcome::Measured(Box::new(
                build_measurement(measured, 10, 1_000_000, Some(0.02), 1e-6).unwrap(),
            )),
        }
    }

    #[test]
    fn a_row_from_samples() {
        let r = record(&[2.0, 2.0, 2.0, 2.0]);
        let Outcome::Measured(m) = &r.outcome else {
            panic!()
        };
        // 10 samples in 2 ms: 5,000 samples/s; 10^6 FLOPs each: 5 GFLOP/s.
        assert!((m.throughput - 5000.0).abs() < 1e-9);
        assert!((m.gflops - 5.0).abs() < 1e-9);
        assert!((m.sample_latency_ms.median - 0.2).abs() < 1e-12);
        assert_eq!(m.warmup_runs, 3);
        assert_eq!(m.stopped, Some(StopRule::Count));
        assert_eq!(m.memory.analytical.activation_bytes, 3);
    }

    #[test]
    fn rounds_pool_samples_and_keep_medians() {
        let a = record(&[2.0; 10]);
        let b = record(&[2.4; 10]);
        let merged = merge_rounds(&[&a, &b], 1_000_000, Some(0.02), 1e-6);
        let Outcome::Measured(m) = &merged.outcome else {
            panic!()
        };
        assert_eq!(m.raw_batch_ms.len(), 20);
        assert_eq!(m.rounds, vec![2.0, 2.4]);
        assert_eq!(m.warmup_runs, 6);
        assert!(
            m.verdicts
                .iter()
                .any(|v| matches!(v, crate::schema::Verdict::RoundsDisagree { .. }))
        );
        let failed = InferenceRecord {
            outcome: Outcome::Failed {
                kind: crate::error::ErrorKind::OutOfMemory,
                reason: "oom".into(),
            },
            ..a.clone()
        };
        assert_eq!(merge_rounds(&[&failed], 1, None, 0.0), failed);
        // A round that failed beside a measured one: the measured round stands.
        let merged = merge_rounds(&[&failed, &a], 1_000_000, None, 1e-6);
        assert!(matches!(merged.outcome, Outcome::Measured(_)));
    }

    #[test]
    fn zero_time_is_an_error_not_a_figure() {
        let measured = Measured {
            samples: Samples {
                warmup_runs: 0,
                repeats: 1,
                ms: vec![0.0; 5],
                stopped: StopReason::Count,
            },
            memory: record(&[1.0]).outcome_memory(),
            kernels: Vec::new(),
            accuracy: None,
        };
        assert!(build_measurement(measured, 1, 1, None, 1e-6).is_err());
    }

    impl InferenceRecord {
        fn outcome_memory(&self) -> MemoryFigures {
            match &self.outcome {
                Outcome::Measured(m) => m.memory.clone(),
                _ => unreachable!(),
            }
        }
    }
}
