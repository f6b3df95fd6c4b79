//! A row from its samples: the batch and per-sample summaries with the median's interval,
//! throughput, GFLOP/s and the verdicts; one row from several interleaved rounds, its median
//! the rounds' medians' (pooled samples would pretend the rounds were one long run, and
//! narrow the interval exactly when the rounds disagree); and, once a run's rows are in, the
//! interval of each row of several rounds from the run-to-run spread of every row's rounds
//! ([`apply_run_to_run`]).

use crate::{
    analysis::{spread::RunToRun, verdicts::verdicts},
    error::{ErrorKind, RunError},
    schema::{
        Accuracy, AllocatorMemory, ClockKind, DeviceFigures, DeviceTime, InferenceMeasurement,
        InferenceRecord, KernelChoice, MemoryFigures, Outcome, RoundFailure, StopRule, Timed,
        Verdict,
    },
    stats::{Interval, Samples, StopReason, Summary, median_interval},
};

/// What a path measured for one configuration, before statistics.
pub struct Measured {
    pub samples: Samples,
    /// A generation's steps, each timed on its own over every timed run (empty for a row
    /// whose run is one pass).
    pub steps_ms: Vec<f64>,
    pub memory: MemoryFigures,
    pub kernels: Vec<KernelChoice>,
    pub accuracy: Option<Accuracy>,
}

/// How one row's figures are turned into statistics.
#[derive(Debug, Clone, Copy)]
pub struct RowSettings {
    pub batch_size: usize,
    pub flops_per_sample: u64,
    pub target_ci: Option<f64>,
    /// The clock's resolution, where known.
    pub resolution_ms: Option<f64>,
}

/// The row for one configuration's samples, timed by a clock of `clock`'s kind.
pub fn build_measurement(
    measured: Measured,
    settings: RowSettings,
    clock: ClockKind,
) -> Result<InferenceMeasurement, RunError> {
    Ok(InferenceMeasurement {
        clock,
        timed: timed_samples(&measured.samples, settings)?,
        memory: measured.memory,
        kernels: measured.kernels,
        accuracy: measured.accuracy,
        device_time: None,
        token_latency_ms: Summary::of_timings(
            &measured.steps_ms,
            settings.resolution_ms.unwrap_or(0.0),
        ),
    })
}

/// The figures of one configuration's samples: statistics, throughput, GFLOP/s, verdicts,
/// and how the protocol took them (warm-up, why sampling stopped).
pub fn timed_samples(samples: &Samples, settings: RowSettings) -> Result<Timed, RunError> {
    let mut timed = timed(samples.per_repeat(), &[], settings)?;
    timed.warmup_runs = samples.warmup_runs;
    timed.stopped = Some(match samples.stopped {
        StopReason::Count => StopRule::Count,
        StopReason::Converged => StopRule::Converged,
        StopReason::TimeCap => StopRule::TimeCap,
        StopReason::MaxSamples => StopRule::MaxSamples,
    });
    Ok(timed)
}

/// The figures that follow from the timings alone: from the samples, or with several rounds
/// (`round_medians`), the median and interval of the rounds' medians beside the pooled
/// samples' spread.
fn timed(raw: Vec<f64>, round_medians: &[f64], settings: RowSettings) -> Result<Timed, RunError> {
    let mut batch = Summary::of_timings(&raw, settings.resolution_ms.unwrap_or(0.0))
        .ok_or_else(|| RunError::backend("the clock returned no usable timings"))?;
    if round_medians.len() > 1
        && let Some(rounds) = median_interval(round_medians)
    {
        batch.median = rounds.median;
        batch.median_ci = Some(rounds.interval);
    }
    if batch.median <= 0.0 {
        return Err(RunError::backend(
            "the clock measured no time for the work (a zero median): nothing to report",
        ));
    }
    let size = settings.batch_size as f64;
    let throughput = size / (batch.median / 1000.0);
    Ok(Timed {
        warmup_runs: 0,
        sample_latency_ms: batch.scaled(1.0 / size),
        verdicts: verdicts(
            &raw,
            &batch,
            settings.target_ci,
            settings.resolution_ms,
            round_medians,
        ),
        batch_latency_ms: batch,
        throughput,
        gflops: settings.flops_per_sample as f64 * throughput / 1e9,
        raw_batch_ms: raw,
        rounds: Vec::new(),
        failed_rounds: Vec::new(),
        stopped: None,
    })
}

/// One round's figures of a configuration (0-based round, its figures or why it has none).
type Round<'a> = (usize, Result<&'a Timed, (ErrorKind, &'a str)>);

/// One configuration's figures across rounds.
fn merge_timed(rounds: &[Round<'_>], settings: RowSettings) -> Result<Timed, RunError> {
    let measured: Vec<&Timed> = rounds.iter().filter_map(|(_, r)| r.ok()).collect();
    let failed: Vec<RoundFailure> = rounds
        .iter()
        .filter_map(|(round, r)| match r {
            Err((kind, reason)) => Some(RoundFailure {
                round: *round,
                kind: *kind,
                reason: (*reason).to_owned(),
            }),
            Ok(_) => None,
        })
        .collect();
    let Some(last) = measured.last() else {
        let first = &failed[0];
        return Err(RunError::new(first.kind, first.reason.clone()));
    };
    let raw: Vec<f64> = measured
        .iter()
        .flat_map(|t| t.raw_batch_ms.iter().copied())
        .collect();
    let medians: Vec<f64> = measured.iter().map(|t| t.batch_latency_ms.median).collect();
    let mut timed = timed(raw, &medians, settings)?;
    timed.warmup_runs = measured.iter().map(|t| t.warmup_runs).sum();
    timed.stopped = last.stopped;
    if medians.len() > 1 {
        timed.rounds = medians;
    }
    if !failed.is_empty() {
        timed.verdicts.push(Verdict::FailedRounds {
            failed: failed.len(),
            rounds: rounds.len(),
        });
    }
    timed.failed_rounds = failed;
    Ok(timed)
}

/// One row from the same configuration's rounds (each with its 0-based round number, in
/// round order): the headline figures and the device time each merged over the rounds that
/// measured them, failed rounds recorded. With one round, the record as it is.
pub fn merge_rounds(
    rounds: &[(usize, &InferenceRecord)],
    settings: RowSettings,
    device_settings: RowSettings,
) -> InferenceRecord {
    let first = rounds[0].1;
    if rounds.len() == 1 {
        return first.clone();
    }
    let headline: Vec<_> = rounds
        .iter()
        .map(|(round, record)| {
            let figures = match &record.outcome {
                Outcome::Measured(m) => Ok(&m.timed),
                Outcome::Failed { kind, reason } => Err((*kind, reason.as_str())),
                Outcome::Unsupported { reason } | Outcome::Skipped { reason } => {
                    Err((ErrorKind::Unsupported, reason.as_str()))
                }
            };
            (*round, figures)
        })
        .collect();
    let measured: Vec<&InferenceMeasurement> = rounds
        .iter()
        .filter_map(|(_, r)| match &r.outcome {
            Outcome::Measured(m) => Some(m.as_ref()),
            _ => None,
        })
        .collect();
    if measured.is_empty() {
        return first.clone();
    }
    let outcome = match merge_timed(&headline, settings) {
        Ok(timed) => Outcome::Measured(Box::new(InferenceMeasurement {
            clock: measured[0].clock,
            timed,
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
            kernels: measured[0].kernels.clone(),
            accuracy: measured
                .iter()
                .filter_map(|r| r.accuracy.clone())
                .max_by(|a, b| a.max_abs_error.total_cmp(&b.max_abs_error)),
            device_time: merge_device_time(rounds, device_settings),
            token_latency_ms: measured[0].token_latency_ms.clone(),
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

/// The rows of a run, each merged from its rounds, with the intervals the run-to-run spread
/// gives: the spread pooled over every row's rounds (the headline figures and the device time
/// apart, as two clocks), each row with two rounds or more taking its interval from it and its
/// verdicts from that interval. `settings_of` gives a row's settings on its headline and its
/// device clock. Rows of one round keep their own, within-run interval.
pub fn apply_run_to_run(
    records: &mut [InferenceRecord],
    settings_of: impl Fn(&InferenceRecord) -> (RowSettings, RowSettings),
) {
    fn measured(r: &InferenceRecord) -> Option<&InferenceMeasurement> {
        match &r.outcome {
            Outcome::Measured(m) => Some(m.as_ref()),
            _ => None,
        }
    }
    let headline = RunToRun::of(
        records
            .iter()
            .filter_map(measured)
            .map(|m| m.timed.rounds.as_slice()),
    );
    let device = RunToRun::of(
        records
            .iter()
            .filter_map(measured)
            .filter_map(|m| m.device_time.as_ref()?.measured())
            .map(|d| d.timed.rounds.as_slice()),
    );
    for record in records {
        let (settings, device_settings) = settings_of(record);
        let Outcome::Measured(m) = &mut record.outcome else {
            continue;
        };
        if let Some(spread) = &headline {
            widen(&mut m.timed, spread, settings);
        }
        if let (Some(spread), Some(DeviceTime::Measured(d))) = (&device, &mut m.device_time) {
            widen(&mut d.timed, spread, device_settings);
        }
    }
}

/// One row's figures with the run-to-run interval, never narrower than its pooled samples'
/// own, and the verdicts that follow from it; its rounds disagree only beyond the run's
/// spread.
fn widen(timed: &mut Timed, spread: &RunToRun, settings: RowSettings) {
    let rounds = timed.rounds.len();
    if rounds < 2 {
        return;
    }
    let mut interval = spread.interval(timed.batch_latency_ms.median, rounds);
    if let Some(own) = median_interval(&timed.raw_batch_ms)
        .map(|m| m.interval)
        .filter(Interval::is_confident)
    {
        interval.low = interval.low.min(own.low);
        interval.high = interval.high.max(own.high);
    }
    timed.batch_latency_ms.median_ci = Some(interval);
    timed.sample_latency_ms.median_ci = Some(interval.scaled(1.0 / settings.batch_size as f64));
    let disagree = spread.disagree(&timed.rounds);
    let failed: Vec<Verdict> = timed
        .verdicts
        .drain(..)
        .filter(|v| matches!(v, Verdict::FailedRounds { .. }))
        .collect();
    timed.verdicts = verdicts(
        &timed.raw_batch_ms,
        &timed.batch_latency_ms,
        settings.target_ci,
        settings.resolution_ms,
        &timed.rounds,
    )
    .into_iter()
    .filter(|v| disagree || !matches!(v, Verdict::RoundsDisagree { .. }))
    .chain(failed)
    .collect();
}

/// The device time across the rounds whose headline measured; `None` where none took one.
fn merge_device_time(
    rounds: &[(usize, &InferenceRecord)],
    settings: RowSettings,
) -> Option<DeviceTime> {
    let taken: Vec<(usize, &DeviceTime)> = rounds
        .iter()
        .filter_map(|(round, r)| match &r.outcome {
            Outcome::Measured(m) => m.device_time.as_ref().map(|d| (*round, d)),
            _ => None,
        })
        .collect();
    let first = taken.iter().find_map(|(_, d)| d.measured())?;
    let figures: Vec<_> = taken
        .iter()
        .map(|(round, d)| {
            let figures = match d {
                DeviceTime::Measured(f) => Ok(&f.timed),
                DeviceTime::Failed { kind, reason } => Err((*kind, reason.as_str())),
            };
            (*round, figures)
        })
        .collect();
    Some(match merge_timed(&figures, settings) {
        Ok(timed) => DeviceTime::Measured(Box::new(DeviceFigures {
            fusion: first.fusion,
            timed,
            kernels: first.kernels.clone(),
        })),
        Err(err) => DeviceTime::Failed {
            kind: err.kind,
            reason: err.message,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{precision::Precision, schema::PathId};

    const SETTINGS: RowSettings = RowSettings {
        batch_size: 10,
        flops_per_sample: 1_000_000,
        target_ci: Some(0.02),
        resolution_ms: Some(1e-6),
    };

    fn record(samples: &[f64]) -> InferenceRecord {
        let measured = Measured {
            steps_ms: Vec::new(),
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
                    kv_cache_bytes: 0,
                },
            },
            kernels: Vec::new(),
            accuracy: None,
        };
        InferenceRecord {
            workload: crate::workload::WorkloadKind::Mlp,
            model: "m".into(),
            phase: crate::workload::Phase::Forward,
            test: None,
            precision: Precision::F32,
            batch_size: 10,
            path: PathId::Burn,
            outcome: Outcome::Measured(Box::new(
                build_measurement(measured, SETTINGS, ClockKind::Host).unwrap(),
            )),
        }
    }

    fn measurement(record: &InferenceRecord) -> &InferenceMeasurement {
        match &record.outcome {
            Outcome::Measured(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_row_from_samples() {
        let r = record(&[2.0, 2.0, 2.0, 2.0]);
        let m = measurement(&r);
        // 10 samples in 2 ms: 5,000 samples/s; 10^6 FLOPs each: 5 GFLOP/s.
        assert!((m.timed.throughput - 5000.0).abs() < 1e-9);
        assert!((m.timed.gflops - 5.0).abs() < 1e-9);
        assert!((m.timed.sample_latency_ms.median - 0.2).abs() < 1e-12);
        assert_eq!(m.timed.warmup_runs, 3);
        assert_eq!(m.timed.stopped, Some(StopRule::Count));
        assert_eq!(m.memory.analytical.activation_bytes, 3);
        assert_eq!(m.clock, ClockKind::Host);
    }

    /// Three rounds that disagree (2.0, 2.1 and 2.2 ms), each tight: pooled as one run of 300
    /// samples, the median's interval falls inside the middle round and claims a precision
    /// of a few microseconds; the rounds' medians give the 2.0–2.2 range, at the coverage
    /// three figures allow.
    #[test]
    fn rounds_take_their_interval_from_the_round_medians() {
        let jitter =
            |base: f64| -> Vec<f64> { (0..100).map(|i| base + 1e-5 * f64::from(i)).collect() };
        let pooled: Vec<f64> = [2.0, 2.1, 2.2].into_iter().flat_map(jitter).collect();
        let pooled = median_interval(&pooled).unwrap();
        assert!(
            pooled.interval.high - pooled.interval.low < 0.002,
            "{pooled:?}"
        );

        let rounds: Vec<InferenceRecord> = [2.0, 2.1, 2.2].map(|b| record(&jitter(b))).into();
        let indexed: Vec<(usize, &InferenceRecord)> = rounds.iter().enumerate().collect();
        let merged = merge_rounds(&indexed, SETTINGS, SETTINGS);
        let m = measurement(&merged);
        assert_eq!(m.timed.raw_batch_ms.len(), 300);
        assert_eq!(m.timed.rounds.len(), 3);
        let ci = m.timed.batch_latency_ms.median_ci.unwrap();
        assert!(ci.low <= 2.001 && ci.high >= 2.2, "{ci:?}");
        assert!(
            (ci.coverage - 0.75).abs() < 1e-12,
            "three rounds hold the median 75 % of the time"
        );
        assert!((m.timed.batch_latency_ms.median - 2.100495).abs() < 1e-9);
        assert_eq!(m.timed.warmup_runs, 9);
        for expected in ["rounds", "coverage"] {
            assert!(
                m.timed.verdicts.iter().any(|v| match v {
                    Verdict::RoundsDisagree { .. } => expected == "rounds",
                    Verdict::LowCoverage {
                        rounds: true,
                        count: 3,
                        ..
                    } => expected == "coverage",
                    _ => false,
                }),
                "{expected}: {:?}",
                m.timed.verdicts
            );
        }
    }

    /// Two configurations of three rounds, one round of the second failed: after the run's
    /// spread is applied each row's interval is the run-to-run one (95 %, about its median,
    /// no narrower than its samples'), the rounds that differ within the spread no longer
    /// disagree, and the failed round stays recorded.
    #[test]
    fn rounds_take_the_run_to_run_interval() {
        let jitter =
            |base: f64| -> Vec<f64> { (0..20).map(|i| base + 1e-4 * f64::from(i)).collect() };
        let a: Vec<InferenceRecord> = [2.0, 2.1, 2.2].map(|b| record(&jitter(b))).into();
        let b: Vec<InferenceRecord> = [4.4, 4.0, 4.2].map(|b| record(&jitter(b))).into();
        let failed = InferenceRecord {
            outcome: Outcome::Failed {
                kind: ErrorKind::DeviceLost,
                reason: "lost".into(),
            },
            ..b[0].clone()
        };
        let rounds = |r: &[InferenceRecord]| -> Vec<(usize, InferenceRecord)> {
            r.iter().cloned().enumerate().collect()
        };
        let merge = |r: &[(usize, InferenceRecord)]| {
            let indexed: Vec<(usize, &InferenceRecord)> = r.iter().map(|(i, r)| (*i, r)).collect();
            merge_rounds(&indexed, SETTINGS, SETTINGS)
        };
        let mut with_failure = rounds(&b);
        with_failure.push((3, failed));
        let mut rows = vec![merge(&rounds(&a)), merge(&with_failure)];
        assert!(
            !measurement(&rows[0])
                .timed
                .batch_latency_ms
                .median_ci
                .unwrap()
                .is_confident()
        );
        apply_run_to_run(&mut rows, |_| (SETTINGS, SETTINGS));
        let spread =
            RunToRun::of(rows.iter().map(|r| measurement(r).timed.rounds.as_slice())).unwrap();
        assert_eq!(spread.df, 4);
        for row in &rows {
            let t = &measurement(row).timed;
            let ci = t.batch_latency_ms.median_ci.unwrap();
            let expected = spread.interval(t.batch_latency_ms.median, 3);
            assert!(ci.is_confident());
            assert!(ci.low <= expected.low && ci.high >= expected.high, "{ci:?}");
            assert!(ci.low <= t.raw_batch_ms[0] && ci.high >= *t.raw_batch_ms.last().unwrap());
            assert!((t.sample_latency_ms.median_ci.unwrap().high - ci.high / 10.0).abs() < 1e-12);
            assert!(!t.verdicts.iter().any(|v| matches!(
                v,
                Verdict::RoundsDisagree { .. } | Verdict::LowCoverage { .. }
            )));
        }
        assert!(
            measurement(&rows[1])
                .timed
                .verdicts
                .iter()
                .any(|v| matches!(
                    v,
                    Verdict::FailedRounds {
                        failed: 1,
                        rounds: 4
                    }
                ))
        );
    }

    #[test]
    fn a_failed_round_is_recorded_not_dropped() {
        let a = record(&[2.0; 10]);
        let failed = InferenceRecord {
            outcome: Outcome::Failed {
                kind: ErrorKind::OutOfMemory,
                reason: "oom".into(),
            },
            ..a.clone()
        };
        assert_eq!(merge_rounds(&[(0, &failed)], SETTINGS, SETTINGS), failed);
        let merged = merge_rounds(&[(0, &failed), (1, &a), (2, &a)], SETTINGS, SETTINGS);
        let m = measurement(&merged);
        assert_eq!(m.timed.failed_rounds.len(), 1);
        assert_eq!(m.timed.failed_rounds[0].round, 0);
        assert_eq!(m.timed.failed_rounds[0].kind, ErrorKind::OutOfMemory);
        assert!(m.timed.verdicts.iter().any(|v| matches!(
            v,
            Verdict::FailedRounds {
                failed: 1,
                rounds: 3
            }
        )));
        // Every round failed: the row fails with the first reason.
        let all = merge_rounds(&[(0, &failed), (1, &failed)], SETTINGS, SETTINGS);
        assert!(matches!(all.outcome, Outcome::Failed { .. }));
    }

    #[test]
    fn zero_time_is_an_error_not_a_figure() {
        let measured = Measured {
            steps_ms: Vec::new(),
            samples: Samples {
                warmup_runs: 0,
                repeats: 1,
                ms: vec![0.0; 5],
                stopped: StopReason::Count,
            },
            memory: measurement(&record(&[1.0])).memory.clone(),
            kernels: Vec::new(),
            accuracy: None,
        };
        assert!(build_measurement(measured, SETTINGS, ClockKind::Host).is_err());
    }
}
