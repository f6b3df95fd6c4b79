//! Plain-text summary tables of a result set, shared by the terminal summary and the
//! dashboard so both show the same columns.

use super::{
    cells::{ceiling_text, throughput_cell, verdict_cell},
    fmt_bytes, fmt_count, fmt_percent,
};
use nlbench_results::{
    analysis::{
        memory::Peaks,
        not_measured_text,
        roofline::{on_matrix_units, share},
    },
    config::BenchConfig,
    precision::Precision,
    schema::{Ceiling, DeviceTime, InferenceRecord, MemoryOutcome, Outcome, ResultSet, Tuning},
    workload::WorkloadKind,
};

/// A table of text cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// One row per inference configuration and path the device could run: the headline
/// throughput with its interval, latency, GFLOP/s, share of the SIMT FMA ceiling, peak memory
/// and verdicts, then the device-time throughput where the result has one, or the reason a
/// row has no figures. The rows a path could not run at all
/// [`unsupported_notes`](super::unsupported_notes) says once each.
pub fn supported_summary(results: &ResultSet) -> TextTable {
    summary_of(
        results,
        results
            .inference
            .iter()
            .filter(|r| !matches!(r.outcome, Outcome::Unsupported { .. }))
            .collect(),
    )
}

fn summary_of(results: &ResultSet, records: Vec<&InferenceRecord>) -> TextTable {
    let several = results.paths.len() > 1;
    // A run with workloads beside the MLP says what each row's throughput counts.
    let mixed = records.iter().any(|r| r.workload != WorkloadKind::Mlp);
    let device = records
        .iter()
        .any(|r| matches!(&r.outcome, Outcome::Measured(m) if m.device_time.is_some()));
    let rows = records
        .into_iter()
        .map(|r| {
            let mut row = vec![r.label(), r.precision.to_string(), r.batch_size.to_string()];
            if several {
                row.push(r.path.label().to_owned());
            }
            if mixed {
                row.push(unit_of(&results.config, r).to_owned());
            }
            match &r.outcome {
                Outcome::Measured(m) => row.extend([
                    throughput_cell(&m.timed, r.batch_size),
                    format!("{:.4}", m.timed.sample_latency_ms.median),
                    format!("{:.3}", m.timed.batch_latency_ms.median),
                    format!("{:.3}", m.timed.batch_latency_ms.p99),
                    format!("{:.2}", m.timed.gflops),
                    fmt_percent(share(
                        m.timed.gflops,
                        results
                            .ceilings
                            .as_ref()
                            .and_then(|c| c.fma_gflops(r.precision)),
                    )),
                    m.memory
                        .allocator
                        .map(|a| fmt_bytes(a.peak_in_use))
                        .unwrap_or_else(|| "n/a".into()),
                    verdict_cell(&m.timed.verdicts),
                ]),
                other => row.push(not_measured_text(other).unwrap_or_default()),
            }
            if let (true, Outcome::Measured(m)) = (device, &r.outcome) {
                row.push(match &m.device_time {
                    Some(DeviceTime::Measured(d)) => throughput_cell(&d.timed, r.batch_size),
                    Some(DeviceTime::Failed { kind, reason }) => {
                        format!("failed ({}): {reason}", kind.label())
                    }
                    None => "–".into(),
                });
            }
            row
        })
        .collect();
    let mut names = vec![
        if mixed { "Workload" } else { "Model" },
        "Precision",
        "Batch",
    ];
    if several {
        names.push("Path");
    }
    if mixed {
        names.push("Unit");
    }
    names.extend([
        if mixed {
            "Per second (95 % CI)"
        } else {
            "Samples/s (95 % CI)"
        },
        if mixed {
            "ms/unit (median)"
        } else {
            "ms/sample (median)"
        },
        "Batch ms (median)",
        "p99",
        "GFLOP/s",
        "% of SIMT FMA ceiling",
        "Peak memory",
        "Verdicts",
    ]);
    if device {
        names.push("Device time: samples/s (95 % CI)");
    }
    TextTable {
        headers: headers(&names),
        rows,
    }
}

/// What one of `record`'s samples is: "samples" for the MLP, "tokens", "images", ….
pub(super) fn unit_of(config: &BenchConfig, record: &InferenceRecord) -> &'static str {
    config
        .workload(record.workload, &record.model)
        .map_or("samples", |w| w.unit(record.phase).samples)
}

/// One row per kernel choice behind a measured row: which kernel each path ran for each
/// matmul, whether it ran on matrix units, and whether burn's fusion was on; the device-time
/// run's own where they differ.
pub fn kernels_summary(results: &ResultSet) -> TextTable {
    let mut rows = Vec::new();
    for record in &results.inference {
        let Outcome::Measured(m) = &record.outcome else {
            continue;
        };
        let fusion = results
            .paths
            .iter()
            .find(|p| p.id == record.path)
            .map_or("–", |p| if p.fusion { "on" } else { "off" });
        let device = m
            .device_time
            .as_ref()
            .and_then(DeviceTime::measured)
            .map(|d| {
                let fusion = if d.fusion { "on" } else { "off" };
                (
                    format!("{} (device-time run)", record.path.label()),
                    fusion,
                    &d.kernels,
                )
            });
        let headline = (record.path.label().to_owned(), fusion, &m.kernels);
        for (path, fusion, kernels) in std::iter::once(headline).chain(device) {
            for choice in kernels {
                rows.push(vec![
                    record.label(),
                    record.precision.to_string(),
                    record.batch_size.to_string(),
                    path.clone(),
                    fusion.to_owned(),
                    choice.operation.clone(),
                    choice.kernel.clone(),
                    if on_matrix_units(&choice.kernel) {
                        "yes"
                    } else {
                        "no"
                    }
                    .to_owned(),
                    choice.tuning.map_or("–", Tuning::label).to_owned(),
                ]);
            }
        }
    }
    TextTable {
        headers: headers(&[
            "Model",
            "Precision",
            "Batch",
            "Path",
            "Fusion",
            "Operation",
            "Kernel",
            "Matrix units",
            "Tuning",
        ]),
        rows,
    }
}

/// The device's measured ceilings, and burn's own kernels beside them, where the result has
/// them.
pub fn ceilings_summary(results: &ResultSet) -> Option<TextTable> {
    let c = results.ceilings.as_ref()?;
    let mut rows: Vec<Vec<String>> = [
        ("Copy bandwidth (read + write)", &c.copy_gbps, "GB/s"),
        ("Read bandwidth", &c.read_gbps, "GB/s"),
        ("SIMT FMA throughput, f32", &c.fma_f32_gflops, "GFLOP/s"),
        ("SIMT FMA throughput, f16", &c.fma_f16_gflops, "GFLOP/s"),
        (
            "Matrix-unit throughput, f16 into f32",
            &c.matrix_f16_gflops,
            "GFLOP/s",
        ),
        ("Dispatch overhead", &c.dispatch_us, "µs per dispatch"),
    ]
    .into_iter()
    .map(|(name, ceiling, unit)| vec![name.to_owned(), ceiling_text(ceiling, unit)])
    .collect();
    if let Some(burn) = &results.burn_probes {
        let with_share = |figure: &Ceiling, unit: &str, roof: Option<f64>, of: &str| match (
            figure.value(),
            roof,
        ) {
            (Some(value), Some(_)) => format!(
                "{} ({} of the {of})",
                ceiling_text(figure, unit),
                fmt_percent(share(value, roof))
            ),
            _ => ceiling_text(figure, unit),
        };
        let n = burn.matmul_n;
        rows.push(vec![
            format!("burn matmul {n}×{n} by {n}×{n}, FP32"),
            with_share(
                &burn.matmul_gflops,
                "GFLOP/s",
                c.fma_gflops(Precision::F32),
                "SIMT FMA ceiling",
            ),
        ]);
        rows.push(vec![
            format!(
                "burn add of two {}-element FP32 tensors",
                fmt_count(burn.add_elements as f64)
            ),
            with_share(
                &burn.add_gbps,
                "GB/s",
                c.bandwidth_gbps(),
                "bandwidth ceiling",
            ),
        ]);
    }
    Some(TextTable {
        headers: headers(&["Device ceiling", "Measured"]),
        rows,
    })
}

/// One row per memory configuration: inference against training peaks.
pub fn memory_summary(results: &ResultSet) -> TextTable {
    let rows = results
        .memory
        .iter()
        .map(|r| {
            let mut row = vec![r.label(), r.batch_size.to_string()];
            match &r.outcome {
                MemoryOutcome::Measured(m) => {
                    let peaks = Peaks::of(m, r.batch_size);
                    row.extend([
                        fmt_bytes(peaks.inference),
                        fmt_bytes(peaks.sgd),
                        fmt_bytes(peaks.adam),
                        format!("{:.2}×", peaks.adam as f64 / peaks.inference.max(1) as f64),
                        if peaks.measured {
                            "allocator"
                        } else {
                            "analytical"
                        }
                        .into(),
                    ]);
                }
                MemoryOutcome::Skipped { reason } => row.push(format!("skipped: {reason}")),
                MemoryOutcome::Failed { kind, reason } => {
                    row.push(format!("failed ({}): {reason}", kind.label()))
                }
            }
            row
        })
        .collect();
    TextTable {
        headers: headers(&[
            "Model",
            "Batch",
            "Inference peak",
            "Training peak (SGD)",
            "Training peak (Adam)",
            "Adam ÷ inference",
            "Source",
        ]),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::fixtures;

    #[test]
    fn rows_follow_records() {
        let results = fixtures::results();
        let table = supported_summary(&results);
        let supported = results
            .inference
            .iter()
            .filter(|r| !matches!(r.outcome, Outcome::Unsupported { .. }))
            .count();
        assert!(
            supported < results.inference.len(),
            "the fixture has unsupported rows"
        );
        assert_eq!(table.rows.len(), supported);
        assert_eq!(table.rows[0][..3], ["small", "FP32", "1"]);
        let failed = results
            .inference
            .iter()
            .find(|r| matches!(r.outcome, Outcome::Failed { .. }))
            .unwrap();
        assert!(table.rows.iter().any(|r| r[0] == failed.model
            && r[2] == failed.batch_size.to_string()
            && r[3] == "failed (out of memory): out of memory"));
        let memory = memory_summary(&results);
        assert_eq!(memory.rows.len(), results.memory.len());
        assert_eq!(memory.rows[0][6], "allocator");
        // The fixture's FMA ceiling is 400 GFLOP/s.
        let gflops: f64 = table.rows[0][7].parse().unwrap();
        assert_eq!(table.rows[0][8], format!("{:.1} %", gflops / 4.0));
        let ceilings = ceilings_summary(&results).unwrap();
        assert_eq!(
            ceilings.rows[0],
            ["Copy bandwidth (read + write)", "40.00 GB/s"]
        );
        assert!(ceilings.rows[3][1].starts_with("n/a (the device has no shader-f16"));
        // burn's matmul at 100 GFLOP/s under a 400 GFLOP/s roof; the add failed.
        assert_eq!(
            ceilings.rows[6][1],
            "100 GFLOP/s (25.0 % of the SIMT FMA ceiling)"
        );
        assert_eq!(ceilings.rows[7][1], "n/a (out of memory)");
    }
}
