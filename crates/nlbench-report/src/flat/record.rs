//! One row of the results as a flat record: who measured it (device, backend, compiler,
//! versions, date), what (suite, workload, preset, phase and test, precision, batch, path) and
//! the headline figures with their intervals, each a scalar. Inference rows and training steps
//! share the record: a training step is a row of the `training` suite whose phase is `train`.

use serde::Serialize;

use nlbench_results::{
    analysis::verdicts::{self, throughput_interval},
    precision::Precision,
    schema::{
        ClockKind, InferenceRecord, Outcome, PathId, ResultSet, Timed, TrainingOutcome,
        TrainingRecord,
    },
    stats::Interval,
    workload::WorkloadKind,
};

/// One inference row or training step. Figures are `None` where the row has none (not measured, or an interval
/// the samples do not allow); times are milliseconds of one batch on the row's clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlatRecord {
    /// When the run started, RFC 3339 in UTC.
    pub date: String,
    pub nlbench_version: String,
    pub burn_version: String,
    pub device: String,
    pub vendor: String,
    /// burn's backend: `wgpu`, `cuda`, `rocm`, `cpu`, or a baseline's.
    pub backend: String,
    pub api: String,
    /// How burn's kernels reached the device (`wgsl`, `spirv`, `msl`, `cuda`, `hip`, `cpu`),
    /// where the results say.
    pub compiler: Option<String>,
    /// A CPU-emulated GPU or the CPU backend.
    pub software: bool,
    pub workload: String,
    pub preset: String,
    pub phase: String,
    pub precision: String,
    pub batch: usize,
    /// `burn`, `burn_unfused`, `reference` or `pytorch`.
    pub path: String,
    /// What `throughput` counts per second: samples, sequences, prompts, tokens, images.
    pub unit: String,
    /// `measured`, `unsupported`, `skipped` or `failed`.
    pub status: String,
    /// Why a row has no figures (the failure's kind first, for a failure).
    pub reason: Option<String>,
    /// `host` or `device`: the clock of the figures below.
    pub clock: Option<String>,
    pub samples: Option<usize>,
    pub throughput: Option<f64>,
    pub throughput_low: Option<f64>,
    pub throughput_high: Option<f64>,
    pub median_ms: Option<f64>,
    pub median_low_ms: Option<f64>,
    pub median_high_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p90_low_ms: Option<f64>,
    pub p90_high_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p99_low_ms: Option<f64>,
    pub p99_high_ms: Option<f64>,
    /// The median batch latency by the device's timestamps, where the run took them.
    pub device_median_ms: Option<f64>,
    pub gflops: Option<f64>,
    /// The row's verdicts in short, separated by "; ".
    pub verdicts: Option<String>,
    /// False where the run ended before its plan did (an interrupt).
    pub run_complete: bool,
    /// `inference` or `training`.
    pub suite: String,
    /// llama-bench's name of a decoder row (`pp64`, `tg32`, `tg32 @ d64`), where it has one.
    pub test: Option<String>,
}

impl FlatRecord {
    /// The field names, in order: the CSV header of an export with no rows.
    pub const FIELDS: [&'static str; 38] = [
        "date",
        "nlbench_version",
        "burn_version",
        "device",
        "vendor",
        "backend",
        "api",
        "compiler",
        "software",
        "workload",
        "preset",
        "phase",
        "precision",
        "batch",
        "path",
        "unit",
        "status",
        "reason",
        "clock",
        "samples",
        "throughput",
        "throughput_low",
        "throughput_high",
        "median_ms",
        "median_low_ms",
        "median_high_ms",
        "p90_ms",
        "p90_low_ms",
        "p90_high_ms",
        "p99_ms",
        "p99_low_ms",
        "p99_high_ms",
        "device_median_ms",
        "gflops",
        "verdicts",
        "run_complete",
        "suite",
        "test",
    ];

    /// `record` of `results`, flattened.
    pub fn of(results: &ResultSet, record: &InferenceRecord) -> Self {
        let unit = results
            .config
            .workload(record.workload, &record.model)
            .map_or("samples", |w| w.unit(record.phase).samples);
        let mut flat = Self::blank(
            results,
            What {
                suite: "inference",
                workload: record.workload,
                preset: &record.model,
                phase: record.phase.to_string(),
                test: record.test.clone(),
                precision: record.precision,
                batch: record.batch_size,
                path: record.path,
                unit,
            },
        );
        match &record.outcome {
            Outcome::Measured(m) => {
                flat.timed(m.clock, &m.timed, record.batch_size);
                flat.device_median_ms = m
                    .device_time
                    .as_ref()
                    .and_then(|d| d.measured())
                    .map(|d| d.timed.batch_latency_ms.median);
            }
            Outcome::Unsupported { reason } => flat.not_measured("unsupported", reason.clone()),
            Outcome::Skipped { reason } => flat.not_measured("skipped", reason.clone()),
            Outcome::Failed { kind, reason } => {
                flat.not_measured("failed", format!("{}: {reason}", wire_name(kind)))
            }
        }
        flat
    }

    /// A training step of `results`, flattened: burn's autodiff backend in FP32, throughput in
    /// the workload's unit, one run being one optimizer step.
    pub fn of_training(results: &ResultSet, record: &TrainingRecord) -> Self {
        let unit = results
            .config
            .workload(record.workload, &record.model)
            .map_or("samples", |w| w.unit(w.phases()[0]).samples);
        let mut flat = Self::blank(
            results,
            What {
                suite: "training",
                workload: record.workload,
                preset: &record.model,
                phase: "train".into(),
                test: None,
                precision: Precision::F32,
                batch: record.batch_size,
                path: PathId::Burn,
                unit,
            },
        );
        match &record.outcome {
            TrainingOutcome::Measured(m) => flat.timed(m.clock, &m.timed, record.batch_size),
            TrainingOutcome::Skipped { reason } => flat.not_measured("skipped", reason.clone()),
            TrainingOutcome::Failed { kind, reason } => {
                flat.not_measured("failed", format!("{}: {reason}", wire_name(kind)))
            }
        }
        flat
    }

    /// The record of `what` in `results`, without figures yet.
    fn blank(results: &ResultSet, what: What<'_>) -> Self {
        let device = &results.device;
        Self {
            date: results.created.clone(),
            nlbench_version: results.tool.version.clone(),
            burn_version: results.tool.burn_version.clone(),
            device: device.name.clone(),
            vendor: device.vendor.clone(),
            backend: device.backend.clone(),
            api: device.api.clone(),
            compiler: device
                .kernels
                .as_ref()
                .map(|k| k.compiler.name().to_owned()),
            software: device.software,
            workload: what.workload.to_string(),
            preset: what.preset.to_owned(),
            phase: what.phase,
            precision: what.precision.to_string(),
            batch: what.batch,
            path: wire_name(&what.path),
            unit: what.unit.to_owned(),
            status: String::new(),
            reason: None,
            clock: None,
            samples: None,
            throughput: None,
            throughput_low: None,
            throughput_high: None,
            median_ms: None,
            median_low_ms: None,
            median_high_ms: None,
            p90_ms: None,
            p90_low_ms: None,
            p90_high_ms: None,
            p99_ms: None,
            p99_low_ms: None,
            p99_high_ms: None,
            device_median_ms: None,
            gflops: None,
            verdicts: None,
            run_complete: results.partial.is_none(),
            suite: what.suite.to_owned(),
            test: what.test,
        }
    }

    /// A measured row's figures, timed by `clock`.
    fn timed(&mut self, clock: ClockKind, t: &Timed, batch: usize) {
        let b = &t.batch_latency_ms;
        self.status = "measured".into();
        self.clock = Some(wire_name(&clock));
        self.samples = Some(b.count);
        self.throughput = Some(t.throughput);
        (self.throughput_low, self.throughput_high) = ends(throughput_interval(t, batch));
        self.median_ms = Some(b.median);
        (self.median_low_ms, self.median_high_ms) = ends(b.median_ci);
        self.p90_ms = Some(b.p90);
        (self.p90_low_ms, self.p90_high_ms) = ends(b.p90_ci);
        self.p99_ms = Some(b.p99);
        (self.p99_low_ms, self.p99_high_ms) = ends(b.p99_ci);
        self.gflops = Some(t.gflops);
        self.verdicts = (!t.verdicts.is_empty()).then(|| {
            t.verdicts
                .iter()
                .map(verdicts::short)
                .collect::<Vec<_>>()
                .join("; ")
        });
    }

    /// A row without figures: its status and why.
    fn not_measured(&mut self, status: &str, reason: String) {
        self.status = status.into();
        self.reason = Some(reason);
    }
}

/// What a row measured, the part of its record that names it.
struct What<'a> {
    suite: &'static str,
    workload: WorkloadKind,
    preset: &'a str,
    phase: String,
    test: Option<String>,
    precision: Precision,
    batch: usize,
    path: PathId,
    unit: &'static str,
}

/// An interval's two ends, where there is one that reaches 95 %.
fn ends(interval: Option<Interval>) -> (Option<f64>, Option<f64>) {
    match interval.filter(Interval::is_confident) {
        Some(ci) => (Some(ci.low), Some(ci.high)),
        None => (None, None),
    }
}

/// The name `results.json` gives a unit variant (`burn_unfused`, `out_of_memory`), so the
/// exports and the results spell values alike.
fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}
