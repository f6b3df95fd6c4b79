//! Every report, table, chart and share link renders from any result `results.json` can
//! hold, without a panic or a hang: arbitrary result sets (zero, tiny and huge finite values,
//! empty lists, failed and foreign rows) from proptest, and one of thousands of rows.

use proptest::prelude::*;

use super::{Format, Options, chart::Plotter, plan, report, share};
use nlbench_results::{
    error::ErrorKind,
    fixtures,
    precision::Precision,
    schema::*,
    stats::{Interval, Summary},
    workload::{ModelConfig, Phase, WorkloadKind},
};

/// Finite numbers a result can hold, the awkward ones often.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1e-300),
        Just(1e300),
        Just(f64::MAX),
        Just(-1.0),
        1e-6..1e6f64,
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
    ]
}

fn count() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0), Just(u64::MAX), any::<u64>(), 0..1u64 << 40]
}

fn summary() -> impl Strategy<Value = Summary> {
    (
        prop::collection::vec(number(), 11),
        any::<usize>(),
        prop::option::of((number(), number(), number())),
    )
        .prop_map(|(v, n, ci)| Summary {
            count: n % 1_000_000,
            mean: v[0],
            std_dev: v[1],
            median: v[2],
            p90: v[3],
            p99: v[4],
            min: v[5],
            max: v[6],
            cv: v[7],
            outliers: n % 7,
            median_ci: ci.map(|(low, high, coverage)| Interval {
                low,
                high,
                coverage,
            }),
            mad: Some(v[8]),
            mad_outliers: Some(n % 5),
            p90_ci: ci.map(|(low, high, coverage)| Interval {
                low: high,
                high: low,
                coverage,
            }),
            p99_ci: None,
        })
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        (
            summary(),
            summary(),
            prop::collection::vec(number(), 0..8),
            prop::collection::vec(count(), 6)
        )
            .prop_map(|(batch, sample, v, c)| {
                let timed = Timed {
                    warmup_runs: (c[0] % 1000) as usize,
                    batch_latency_ms: batch,
                    sample_latency_ms: sample,
                    throughput: v.first().copied().unwrap_or(0.0),
                    gflops: v.get(1).copied().unwrap_or(1e300),
                    raw_batch_ms: v.clone(),
                    verdicts: vec![
                        Verdict::Noisy {
                            half_width: v.get(2).copied().unwrap_or(0.5),
                            target: 0.02,
                        },
                        Verdict::NearResolution {
                            median_ms: 0.0,
                            resolution_ms: 0.0,
                        },
                        Verdict::LowCoverage {
                            coverage: v.get(3).copied().unwrap_or(0.5),
                            count: (c[1] % 6) as usize,
                            rounds: c[2] % 2 == 0,
                        },
                    ],
                    rounds: v.clone(),
                    failed_rounds: vec![RoundFailure {
                        round: (c[3] % 4) as usize,
                        kind: ErrorKind::DeviceLost,
                        reason: "<lost>".into(),
                    }],
                    stopped: Some(StopRule::TimeCap),
                };
                let device_time = match c[4] % 3 {
                    0 => None,
                    1 => Some(DeviceTime::Failed {
                        kind: ErrorKind::Backend,
                        reason: "|".into(),
                    }),
                    _ => Some(DeviceTime::Measured(Box::new(DeviceFigures {
                        fusion: false,
                        timed: timed.clone(),
                        kernels: Vec::new(),
                    }))),
                };
                Outcome::Measured(Box::new(InferenceMeasurement {
                    clock: if c[5] % 2 == 0 {
                        ClockKind::Host
                    } else {
                        ClockKind::Device
                    },
                    timed,
                    memory: MemoryFigures {
                        allocator: Some(AllocatorMemory {
                            baseline_in_use: c[1],
                            peak_in_use: c[2],
                            peak_reserved: c[3],
                        }),
                        allocator_unavailable: None,
                        analytical: AnalyticalMemory {
                            parameter_bytes: c[4],
                            input_bytes: c[5],
                            activation_bytes: c[0],
                            kv_cache_bytes: 0,
                        },
                    },
                    kernels: vec![KernelChoice {
                        operation: "layer 0".into(),
                        kernel: "<k>|`".into(),
                        tuning: Some(nlbench_results::schema::Tuning::Fresh),
                    }],
                    accuracy: None,
                    device_time,
                    token_latency_ms: None,
                }))
            }),
        ".*".prop_map(|reason| Outcome::Unsupported { reason }),
        ".*".prop_map(|reason| Outcome::Skipped { reason }),
        ".*".prop_map(|reason| Outcome::Failed {
            kind: ErrorKind::OutOfMemory,
            reason
        }),
    ]
}

fn memory_outcome() -> impl Strategy<Value = MemoryOutcome> {
    prop_oneof![
        prop::collection::vec(count(), 12).prop_map(|c| {
            let mut m = match fixtures::results().memory.remove(0).outcome {
                MemoryOutcome::Measured(m) => m,
                _ => unreachable!("the fixture's first memory row is measured"),
            };
            m.analytical.parameter_bytes = c[0];
            m.analytical.activation_bytes = c[1];
            m.analytical.adam_state_bytes = c[2];
            m.analytical.kv_cache_bytes = c[8];
            if let Some(inference) = &mut m.inference {
                inference.after_forward = c[3];
                inference.baseline_in_use = c[4];
            }
            for t in &mut m.training {
                t.after_forward = c[5];
                t.peak_in_use = c[6];
                t.after_weights = c[7];
            }
            MemoryOutcome::Measured(m)
        }),
        ".*".prop_map(|reason| MemoryOutcome::Skipped { reason }),
    ]
}

fn result_set() -> impl Strategy<Value = ResultSet> {
    (
        prop::collection::vec((1..4096usize, 1..4096usize, 2..5usize), 0..3),
        prop::collection::vec(1..1_000_000usize, 0..5),
        prop::collection::vec(
            (0..4usize, 0..3usize, 0..6usize, 0..3usize, outcome()),
            0..24,
        ),
        prop::collection::vec((0..4usize, 0..6usize, memory_outcome()), 0..8),
        prop::option::of(prop::collection::vec(number(), 3)),
    )
        .prop_map(|(models, batches, rows, memory, ceilings)| {
            let mut r = fixtures::results();
            r.config.models = models
                .iter()
                .enumerate()
                .map(|(i, &(input, hidden, layers))| {
                    let mut m = ModelConfig::new(format!("m{i} <&>"), input, hidden);
                    m.layers = layers;
                    m
                })
                .collect();
            r.config.batch_sizes = batches.clone();
            let name = |i: usize| format!("m{i} <&>");
            let batch = |i: usize| batches.get(i).copied().unwrap_or(i + 1);
            r.inference = rows
                .into_iter()
                .map(|(model, precision, b, path, outcome)| InferenceRecord {
                    workload: WorkloadKind::Mlp,
                    model: name(model),
                    phase: Phase::Forward,
                    test: None,
                    precision: Precision::ALL[precision],
                    batch_size: batch(b),
                    path: PathId::ALL[path],
                    outcome,
                })
                .collect();
            r.paths = PathId::ALL
                .iter()
                .map(|&id| PathInfo {
                    id,
                    fusion: id == PathId::Burn,
                    timing: r.timing.clone(),
                    clock: ClockKind::Host,
                    device_time: Some(DeviceClock::Timed {
                        timing: r.timing.clone(),
                        fusion: false,
                    }),
                })
                .collect();
            r.memory = memory
                .into_iter()
                .map(|(model, b, outcome)| MemoryRecord {
                    workload: WorkloadKind::Mlp,
                    model: name(model),
                    batch_size: batch(b),
                    outcome,
                })
                .collect();
            if let (Some(c), Some(v)) = (&mut r.ceilings, ceilings) {
                c.fma_f32_gflops = Ceiling::Measured { value: v[0] };
                c.copy_gbps = Ceiling::Measured { value: v[1] };
                c.read_gbps = Ceiling::Measured { value: v[2] };
            } else {
                r.ceilings = None;
            }
            r
        })
}

/// Renders everything a result gives; a panic fails the case. (A figure that made plotters
/// tick thousands of decades would hang here rather than fail: values past 10^±100 are kept
/// off log axes for that reason.)
fn render_everything(results: &ResultSet, png: bool) {
    for planned in plan(
        results,
        Options {
            per_model_reports: true,
        },
    ) {
        if planned.format != Format::Png || png {
            planned.render().expect("every artifact renders");
        }
    }
    let summary = report::terminal_summary(results, 80);
    assert!(
        summary.lines().all(|line| line.chars().count() <= 80),
        "the terminal summary fits 80 columns:\n{summary}"
    );
    let pair = [results.clone(), fixtures::results()];
    let tables = [
        Some(report::memory_summary(results)),
        Some(report::kernels_summary(results)),
        report::ceilings_summary(results),
        Some(report::throughput_table(&pair)),
    ];
    for table in tables.into_iter().flatten() {
        // A failed or skipped configuration's reason stands in for its figures: a row may be
        // shorter than the header, never longer, and never without its configuration.
        assert!(
            table
                .rows
                .iter()
                .all(|row| (2..=table.headers.len()).contains(&row.len()) && !row[0].is_empty()),
            "a row wider than {:?} or without its configuration: {:?}",
            table.headers,
            table.rows
        );
    }
    let comparison = report::comparison_report(&pair);
    assert!(
        comparison.lines().any(|line| line.contains("(baseline)")),
        "the comparison names its baseline:\n{comparison}"
    );
    for (_, figure) in super::chart::comparison_figures(&pair) {
        super::chart::SvgPlotter
            .plot(&figure)
            .expect("the comparison draws");
    }
    let back = share::decode(&share::encode(results)).expect("a link of any result decodes");
    assert_eq!(back.inference.len(), results.inference.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_result_renders(results in result_set()) {
        // JSON holds only finite numbers: a result that reads back is what the property covers.
        let results = ResultSet::from_json(&results.to_json()).expect("a result set reads back");
        render_everything(&results, false);
    }
}

#[test]
fn thousands_of_rows_render_as_png_too() {
    let mut results = fixtures::results();
    let template = results.inference[0].clone();
    results.config.batch_sizes = (1..=500).collect();
    results.inference = (1..=500)
        .flat_map(|batch| {
            let template = template.clone();
            PathId::ALL.into_iter().take(2).flat_map(move |path| {
                let template = template.clone();
                [Precision::F32, Precision::F16].map(move |precision| InferenceRecord {
                    batch_size: batch,
                    precision,
                    path,
                    ..template.clone()
                })
            })
        })
        .collect();
    assert_eq!(results.inference.len(), 2000);
    render_everything(&results, true);
}
