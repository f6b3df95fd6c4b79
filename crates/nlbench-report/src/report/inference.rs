//! `BENCHMARK_REPORT.md`: throughput, latency and their quality, memory, the paths side by
//! side, model scaling, precision and what the figures mean.

use std::fmt::Write;

use super::{
    cells::{median_cell, tail_cells, throughput_cell, verdict_cell},
    fmt_bytes, fmt_count, fmt_percent, fmt_ratio,
    format::fmt_ms,
    header::{header, path_timing},
    kernels_summary, markdown_table,
    roofline::roofline_section,
    training::training_section,
    workloads::workloads_section,
};
use nlbench_results::{
    analysis::{not_measured_text, roofline::share, verdicts},
    precision::Precision,
    schema::{InferenceMeasurement, Outcome, PathId, ResultSet},
    workload::ModelConfig,
};

/// Per-sample latency a real-time application usually has to stay under.
const REAL_TIME_TARGET_MS: f64 = 1.0;
/// Throughput counts as saturated from the smallest batch reaching this share of the peak.
const SATURATION_SHARE: f64 = 0.9;

/// The inference report. `model` limits it to one model (the per-model reports of a
/// `--config` run); `None` covers every model of the run.
pub fn benchmark_report(results: &ResultSet, model: Option<&str>) -> String {
    let models: Vec<&ModelConfig> = results
        .config
        .models
        .iter()
        .filter(|m| model.is_none_or(|name| m.name == name))
        .collect();
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    let mut out = String::new();
    let title = match model {
        Some(name) => format!("# nlbench inference benchmark: {name}\n"),
        None => "# nlbench inference benchmark\n".to_owned(),
    };
    writeln!(out, "{title}").unwrap();
    out.push_str(&header(results, Some(&names)));
    if results.inference.is_empty() {
        // The training suite alone.
        out.push_str(&training_section(results));
        return out;
    }
    if models.is_empty() {
        // A run of other workloads alone (or a per-model report has no MLP to show).
        out.push_str(&workloads_section(results));
        out.push_str(&training_section(results));
        return out;
    }

    out.push_str("## Throughput and latency\n\n");
    out.push_str(
        "Each row gives the median with its 95 % confidence interval (order statistics; a \
         bracket gives the real coverage of an interval from fewer than six samples); the \
         verdicts list what the samples say about their own quality. The headline figures are \
         timed on the host's monotonic clock, each iteration ending when one element of the \
         output has been read back; where the device has timestamps, the device-time columns \
         give the same configuration timed by them in runs of their own (never mixed with the \
         headline).\n\n",
    );
    for path in results.path_ids() {
        for model in &models {
            for &precision in &results.config.precisions {
                out.push_str(&latency_table(results, path, model, precision));
            }
        }
    }
    if results.paths.len() > 1 {
        out.push_str(&paths_section(results, &models));
    }
    out.push_str(&kernels_section(results, &names));
    out.push_str(&memory_section(results, &models));
    out.push_str(&roofline_section(results, &models));
    if models.len() > 1 {
        out.push_str(&scaling_section(results, &models));
    }
    if results.config.precisions.len() > 1 {
        out.push_str(&precision_section(results, &models));
    }
    out.push_str(&interpretation(results, &models));
    if model.is_none() && !results.config.workloads.is_empty() {
        // The interpretation ends in a list: a blank line keeps the next heading apart.
        out.push('\n');
        out.push_str(&workloads_section(results));
    }
    if model.is_none() {
        out.push_str(&training_section(results));
    }
    out
}

fn latency_table(
    results: &ResultSet,
    path: PathId,
    model: &ModelConfig,
    precision: Precision,
) -> String {
    let device = results.inference.iter().any(|r| {
        r.path == path && matches!(&r.outcome, Outcome::Measured(m) if m.device_time.is_some())
    });
    let mut header = vec![
        "Batch",
        "Throughput (samples/s), 95 % CI",
        "Latency per sample, median (ms)",
        "Batch latency, median [95 % CI] (ms)",
        "Mean ± σ (ms)",
        "p90 [95 % CI] (ms)",
        "p99 [95 % CI] (ms)",
        "Min / max (ms)",
        "CV",
        "GFLOP/s",
        "Runs (warm-up)",
        "Verdicts",
    ];
    if device {
        header.extend([
            "Device time: samples/s, 95 % CI",
            "Device time: batch median (ms)",
            "Device-time verdicts",
        ]);
    }
    let columns = header.len();
    let mut table = markdown_table(header);
    let mut any = false;
    for &batch in &results.config.batch_sizes {
        let Some(record) = results.record_on(path, &model.name, precision, batch) else {
            continue;
        };
        any = true;
        let row = match &record.outcome {
            Outcome::Measured(m) => {
                let b = &m.timed.batch_latency_ms;
                let [p90, p99] = tail_cells(b);
                let mut row = vec![
                    batch.to_string(),
                    throughput_cell(&m.timed, batch),
                    fmt_ms(m.timed.sample_latency_ms.median),
                    median_cell(b),
                    format!("{} ± {}", fmt_ms(b.mean), fmt_ms(b.std_dev)),
                    p90,
                    p99,
                    format!("{} / {}", fmt_ms(b.min), fmt_ms(b.max)),
                    format!("{:.1} %", b.cv * 100.0),
                    format!("{:.2}", m.timed.gflops),
                    format!("{} ({})", b.count, m.timed.warmup_runs),
                    verdict_cell(&m.timed.verdicts),
                ];
                if device {
                    row.extend(device_cells(m, batch));
                }
                row
            }
            other => {
                let mut row = vec![
                    batch.to_string(),
                    not_measured_text(other).unwrap_or_default(),
                ];
                row.resize(columns, "–".to_owned());
                row
            }
        };
        table.add_row(row);
    }
    if !any {
        return String::new();
    }
    let heading = if results.paths.len() > 1 {
        format!("### {} · {} · {}", model.name, precision, path.label())
    } else {
        format!("### {} · {}", model.name, precision)
    };
    format!("{heading}\n\n{table}\n\n")
}

/// The device-time cells of a row: throughput with its interval, batch median, verdicts; or
/// why there is no figure.
fn device_cells(m: &InferenceMeasurement, batch: usize) -> [String; 3] {
    match &m.device_time {
        Some(nlbench_results::schema::DeviceTime::Measured(d)) => [
            throughput_cell(&d.timed, batch),
            fmt_ms(d.timed.batch_latency_ms.median),
            verdict_cell(&d.timed.verdicts),
        ],
        Some(nlbench_results::schema::DeviceTime::Failed { kind, reason }) => [
            format!("failed ({}): {reason}", kind.label()),
            "–".into(),
            "–".into(),
        ],
        None => ["–".into(), "–".into(), "–".into()],
    }
}

/// Every path's headline throughput per configuration, with its share of the SIMT FMA
/// ceiling and each path's ratio to the headline path on the same clock: the headlines'
/// ratio, and the device times' where both paths have one.
fn paths_section(results: &ResultSet, models: &[&ModelConfig]) -> String {
    let paths = results.path_ids();
    let headline = paths[0];
    let mut header = vec!["Model".to_owned(), "Precision".into(), "Batch".into()];
    for path in &paths {
        header.push(format!("{} samples/s", path.label()));
        header.push(format!("{} % of SIMT FMA ceiling", path.label()));
    }
    for path in &paths[1..] {
        header.push(format!(
            "{} ÷ {} (host clock)",
            headline.label(),
            path.label()
        ));
        header.push(format!(
            "{} ÷ {} (device time)",
            headline.label(),
            path.label()
        ));
    }
    let mut table = markdown_table(header);
    let roof = |p: Precision| results.ceilings.as_ref().and_then(|c| c.fma_gflops(p));
    let device = |m: &InferenceMeasurement| {
        m.device_time
            .as_ref()
            .and_then(|d| d.measured())
            .map(|d| d.timed.throughput)
    };
    for model in models {
        for &precision in &results.config.precisions {
            for &batch in &results.config.batch_sizes {
                let measured: Vec<Option<&InferenceMeasurement>> = paths
                    .iter()
                    .map(|&p| results.measured_on(p, &model.name, precision, batch))
                    .collect();
                if measured.iter().all(Option::is_none) {
                    continue;
                }
                let mut row = vec![model.name.clone(), precision.to_string(), batch.to_string()];
                for (m, &path) in measured.iter().zip(&paths) {
                    match m {
                        Some(m) => row.extend([
                            fmt_count(m.timed.throughput),
                            fmt_percent(share(m.timed.gflops, roof(precision))),
                        ]),
                        None => {
                            let why = results
                                .record_on(path, &model.name, precision, batch)
                                .and_then(|r| not_measured_text(&r.outcome))
                                .unwrap_or_else(|| "–".into());
                            row.extend([why, "–".into()]);
                        }
                    }
                }
                for m in &measured[1..] {
                    let (host, device) = match (measured[0], m) {
                        (Some(a), Some(b)) if a.clock == b.clock => (
                            fmt_ratio(a.timed.throughput / b.timed.throughput),
                            match (device(a), device(b)) {
                                (Some(a), Some(b)) => fmt_ratio(a / b),
                                _ => "–".into(),
                            },
                        ),
                        _ => ("–".into(), "–".into()),
                    };
                    row.extend([host, device]);
                }
                table.add_row(row);
            }
        }
    }
    let timing: Vec<String> = results
        .paths
        .iter()
        .map(|p| {
            format!(
                "- **{}** (fusion {}): {}.",
                p.id.label(),
                if p.fusion { "on" } else { "off" },
                path_timing(p)
            )
        })
        .collect();
    format!(
        "## Paths side by side\n\nThe same configurations through each implementation of the \
         forward pass on this device, each timed as follows:\n\n{}\n\nRatios divide figures \
         of the same clock only: the headlines, and the device times where both paths have \
         one.\n\n{table}\n\n",
        timing.join("\n")
    )
}

/// The kernels behind every measured row of `models`.
fn kernels_section(results: &ResultSet, models: &[&str]) -> String {
    let summary = kernels_summary(results);
    let mut table = markdown_table(summary.headers);
    let mut any = false;
    for row in summary
        .rows
        .into_iter()
        .filter(|r| models.contains(&r[0].as_str()))
    {
        table.add_row(row);
        any = true;
    }
    if !any {
        let why = if results.schema_version < 4 {
            "it predates schema version 4".to_owned()
        } else if results.notes.is_empty() {
            "no row measured".to_owned()
        } else {
            format!("see the notes: {}", results.notes.join("; "))
        };
        return format!("## Kernels\n\nThis result names no kernels ({why}).\n\n");
    }
    format!(
        "## Kernels\n\nWhat ran each matmul: for burn, the candidate cubecl's autotuner found \
         fastest for that shape (nothing is timed until its tuning has finished); for the WGSL \
         reference, the tile shape its search chose on this device. Tuning says whether the \
         choice was made in this run or kept from an earlier run on the same device, driver \
         and versions.\n\n{table}\n\n"
    )
}

fn memory_section(results: &ResultSet, models: &[&ModelConfig]) -> String {
    let mut out = String::from(
        "## Buffer memory\n\nMeasured figures come from the backend's allocator; analytical ones \
         follow from the model's shape (parameters, the input batch, and every intermediate \
         tensor of one forward pass with none freed).\n\n",
    );
    for model in models {
        for &precision in &results.config.precisions {
            let mut table = markdown_table([
                "Batch",
                "Baseline in use",
                "Peak in use",
                "Peak reserved",
                "Parameters (analytical)",
                "Input + activations (analytical)",
                "Total (analytical)",
            ]);
            let mut any = false;
            for &batch in &results.config.batch_sizes {
                let Some(m) = results.measured(&model.name, precision, batch) else {
                    continue;
                };
                any = true;
                let a = &m.memory.analytical;
                let measured = match &m.memory.allocator {
                    Some(alloc) => [
                        fmt_bytes(alloc.baseline_in_use),
                        fmt_bytes(alloc.peak_in_use),
                        fmt_bytes(alloc.peak_reserved),
                    ],
                    None => {
                        let na = format!(
                            "n/a ({})",
                            m.memory
                                .allocator_unavailable
                                .as_deref()
                                .unwrap_or("not reported")
                        );
                        [na.clone(), na.clone(), na]
                    }
                };
                let mut row = vec![batch.to_string()];
                row.extend(measured);
                row.extend([
                    fmt_bytes(a.parameter_bytes),
                    fmt_bytes(a.input_bytes.saturating_add(a.activation_bytes)),
                    fmt_bytes(a.total()),
                ]);
                table.add_row(row);
            }
            if any {
                writeln!(out, "### {} · {}\n\n{table}\n", model.name, precision).unwrap();
            }
        }
    }
    out
}

fn scaling_section(results: &ResultSet, models: &[&ModelConfig]) -> String {
    let precision = results.config.precisions[0];
    let mut header = vec!["Model".to_owned(), "Parameters".to_owned()];
    header.extend(
        results
            .config
            .batch_sizes
            .iter()
            .map(|b| format!("Batch {b}: samples/s (ms/sample)")),
    );
    let mut table = markdown_table(header);
    for model in models {
        let mut row = vec![
            model.name.clone(),
            fmt_count(model.parameter_count() as f64),
        ];
        row.extend(results.config.batch_sizes.iter().map(|&batch| {
            match results.measured(&model.name, precision, batch) {
                Some(m) => format!(
                    "{} ({})",
                    fmt_count(m.timed.throughput),
                    fmt_ms(m.timed.sample_latency_ms.median)
                ),
                None => "–".to_owned(),
            }
        }));
        table.add_row(row);
    }
    format!("## Model scaling ({precision})\n\n{table}\n\n")
}

fn precision_section(results: &ResultSet, models: &[&ModelConfig]) -> String {
    let precisions = &results.config.precisions;
    let reference = precisions[0];
    let mut header = vec!["Model".to_owned(), "Batch".to_owned()];
    for &p in precisions {
        header.push(format!("{p} (samples/s)"));
    }
    for &p in &precisions[1..] {
        header.push(format!("{p} ÷ {reference}"));
    }
    let mut table = markdown_table(header);
    for model in models {
        for &batch in &results.config.batch_sizes {
            let cell = |p: Precision| match results.record(&model.name, p, batch) {
                Some(record) => match &record.outcome {
                    Outcome::Measured(m) => fmt_count(m.timed.throughput),
                    other => not_measured_text(other).unwrap_or_default(),
                },
                None => "–".to_owned(),
            };
            let mut row = vec![model.name.clone(), batch.to_string()];
            row.extend(precisions.iter().map(|&p| cell(p)));
            let base = results.measured(&model.name, reference, batch);
            row.extend(precisions[1..].iter().map(|&p| {
                match (base, results.measured(&model.name, p, batch)) {
                    (Some(base), Some(m)) => {
                        format!("{:.2}×", m.timed.throughput / base.timed.throughput)
                    }
                    _ => "–".to_owned(),
                }
            }));
            table.add_row(row);
        }
    }
    format!("## Precision\n\n{table}\n\n")
}

fn interpretation(results: &ResultSet, models: &[&ModelConfig]) -> String {
    let mut out = String::from("## Interpretation\n\n");
    for model in models {
        for &precision in &results.config.precisions {
            let mut measured: Vec<(usize, &InferenceMeasurement)> = results
                .config
                .batch_sizes
                .iter()
                .filter_map(|&b| results.measured(&model.name, precision, b).map(|m| (b, m)))
                .collect();
            if measured.is_empty() {
                continue;
            }
            // The sentences read smallest batch first, whatever order the plan gave.
            measured.sort_by_key(|(b, _)| *b);
            writeln!(
                out,
                "- **{} · {}**: {} {}",
                model.name,
                precision,
                saturation(&measured),
                real_time(&measured)
            )
            .unwrap();
        }
    }
    let noisy: Vec<String> = results
        .inference
        .iter()
        .filter(|r| models.iter().any(|m| m.name == r.model))
        .filter_map(|r| match &r.outcome {
            Outcome::Measured(m) if !m.timed.verdicts.is_empty() => Some(format!(
                "{} {} batch {} ({}): {}",
                r.model,
                r.precision,
                r.batch_size,
                r.path.label(),
                m.timed
                    .verdicts
                    .iter()
                    .map(verdicts::sentence)
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            _ => None,
        })
        .collect();
    if !noisy.is_empty() {
        writeln!(
            out,
            "- Rows to read with care:\n  - {}",
            noisy.join("\n  - ")
        )
        .unwrap();
    }
    let not_measured: Vec<String> = results
        .inference
        .iter()
        .filter(|r| models.iter().any(|m| m.name == r.model))
        .filter_map(|r| {
            not_measured_text(&r.outcome).map(|why| {
                format!(
                    "{} {} batch {} ({}): {why}",
                    r.model,
                    r.precision,
                    r.batch_size,
                    r.path.label()
                )
            })
        })
        .collect();
    if !not_measured.is_empty() {
        writeln!(out, "- Not measured: {}.", not_measured.join("; ")).unwrap();
    }
    for path in &results.paths {
        writeln!(
            out,
            "- {} was timed with {}. Throughput is the batch size divided by the median batch \
             latency.",
            path.id.label(),
            path_timing(path)
        )
        .unwrap();
    }
    out
}

/// Where throughput stops growing with the batch size.
fn saturation(measured: &[(usize, &InferenceMeasurement)]) -> String {
    let (peak_batch, peak) = measured
        .iter()
        .max_by(|a, b| a.1.timed.throughput.total_cmp(&b.1.timed.throughput))
        .map(|(b, m)| (*b, m.timed.throughput))
        .expect("at least one measurement");
    // The peak qualifies for any positive peak; a hand-made result may hold others.
    let first_batch = measured
        .iter()
        .find(|(_, m)| m.timed.throughput >= SATURATION_SHARE * peak)
        .map_or(peak_batch, |(b, _)| *b);
    let largest = measured.last().expect("non-empty").0;
    if measured.len() == 1 {
        format!(
            "{} samples/s at batch {peak_batch} (one batch size: no saturation point).",
            fmt_count(peak)
        )
    } else if first_batch == largest {
        format!(
            "throughput still grows at the largest batch ({largest}, {} samples/s): it has not \
             saturated within the batch sizes tried.",
            fmt_count(peak)
        )
    } else {
        format!(
            "throughput saturates from batch {first_batch} (≥ {:.0} % of the peak of {} samples/s \
             at batch {peak_batch}).",
            SATURATION_SHARE * 100.0,
            fmt_count(peak)
        )
    }
}

/// How per-sample latency compares with a 1 ms real-time target.
fn real_time(measured: &[(usize, &InferenceMeasurement)]) -> String {
    let (smallest, first) = measured[0];
    let batch_ms = first.timed.batch_latency_ms.median;
    let verdict = if batch_ms <= REAL_TIME_TARGET_MS {
        "within"
    } else {
        "over"
    };
    let meeting: Vec<String> = measured
        .iter()
        .filter(|(_, m)| m.timed.sample_latency_ms.median <= REAL_TIME_TARGET_MS)
        .map(|(b, _)| b.to_string())
        .collect();
    let amortised = if meeting.is_empty() {
        format!("No batch size brings the per-sample latency under {REAL_TIME_TARGET_MS} ms.")
    } else {
        format!(
            "Per-sample latency is under {REAL_TIME_TARGET_MS} ms at batch {}.",
            meeting.join(", ")
        )
    };
    format!(
        "A single request at batch {smallest} takes {} ms, {verdict} the {REAL_TIME_TARGET_MS} ms \
         real-time target. {amortised}",
        fmt_ms(batch_ms)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::fixtures;

    #[test]
    fn per_model_report_and_missing_allocator() {
        let mut results = fixtures::results();
        for record in &mut results.inference {
            if let Outcome::Measured(m) = &mut record.outcome {
                m.memory.allocator = None;
                m.memory.allocator_unavailable = Some("no allocator report".into());
            }
        }
        let report = benchmark_report(&results, Some("large"));
        assert!(report.starts_with("# nlbench inference benchmark: large"));
        assert!(!report.contains("### small"));
        assert!(report.contains("n/a (no allocator report)"));
        assert!(!report.contains("## Model scaling"));
    }

    #[test]
    fn saturation_sentences() {
        let results = fixtures::results();
        let m = results.measured("small", Precision::F32, 1).unwrap();
        let m16 = results.measured("small", Precision::F32, 16).unwrap();
        // Throughput grows from batch 1 to 16 in the fixture.
        assert!(saturation(&[(1, m), (16, m16)]).contains("has not saturated"));
        assert!(saturation(&[(1, m16), (16, m)]).contains("saturates from batch 1"));
    }

    #[test]
    fn batch_sizes_given_largest_first_still_read_smallest_first() {
        let mut results = fixtures::results();
        results.config.batch_sizes = vec![16, 1];
        let report = benchmark_report(&results, None);
        assert!(
            report.contains("A single request at batch 1 takes"),
            "{report}"
        );
    }
}
