//! One row of the results as a flat record: who measured it (device, backend, compiler,
//! versions, date), what (workload, preset, phase, precision, batch, path) and the headline
//! figures with their intervals, each a scalar.

use serde::Serialize;

use nlbench_results::{
    analysis::verdicts::{self, throughput_interval},
    schema::{InferenceRecord, Outcome, ResultSet},
    stats::Interval,
};

/// One inference row. Figures are `None` where the row has none (not measured, or an interval
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
}

impl FlatRecord {
    /// The field names, in order: the CSV header of an export with no rows.
    pub const FIELDS: [&'static str; 36] = [
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
    ];

    /// `record` of `results`, flattened.
    pub fn of(results: &ResultSet, record: &InferenceRecord) -> Self {
        let device = &results.device;
        let unit = results
            .config
            .workload(record.workload, &record.model)
            .map_or("samples", |w| w.unit(record.phase).samples);
        let mut flat = Self {
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
            workload: record.workload.to_string(),
            preset: record.model.clone(),
            phase: record.phase.to_string(),
            precision: record.precision.to_string(),
            batch: record.batch_size,
            path: wire_name(&record.path),
            unit: unit.to_owned(),
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
        };
        match &record.outcome {
            Outcome::Measured(m) => {
                let t = &m.timed;
                let b = &t.batch_latency_ms;
                flat.status = "measured".into();
                flat.clock = Some(wire_name(&m.clock));
                flat.samples = Some(b.count);
                flat.throughput = Some(t.throughput);
                (flat.throughput_low, flat.throughput_high) =
                    ends(throughput_interval(t, record.batch_size));
                flat.median_ms = Some(b.median);
                (flat.median_low_ms, flat.median_high_ms) = ends(b.median_ci);
                flat.p90_ms = Some(b.p90);
                (flat.p90_low_ms, flat.p90_high_ms) = ends(b.p90_ci);
                flat.p99_ms = Some(b.p99);
                (flat.p99_low_ms, flat.p99_high_ms) = ends(b.p99_ci);
                flat.device_median_ms = m
                    .device_time
                    .as_ref()
                    .and_then(|d| d.measured())
                    .map(|d| d.timed.batch_latency_ms.median);
                flat.gflops = Some(t.gflops);
                flat.verdicts = (!t.verdicts.is_empty()).then(|| {
                    t.verdicts
                        .iter()
                        .map(verdicts::short)
                        .collect::<Vec<_>>()
                        .join("; ")
                });
            }
            Outcome::Unsupported { reason } => {
                flat.status = "unsupported".into();
                flat.reason = Some(reason.clone());
            }
            Outcome::Skipped { reason } => {
                flat.status = "skipped".into();
                flat.reason = Some(reason.clone());
            }
            Outcome::Failed { kind, reason } => {
                flat.status = "failed".into();
                flat.reason = Some(format!("{}: {reason}", wire_name(kind)));
            }
        }
        flat
    }
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
