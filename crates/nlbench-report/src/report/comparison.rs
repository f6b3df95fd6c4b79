//! `COMPARISON.md` and the comparison table the dashboard shows: each result's identity,
//! ceilings and clocks, throughput side by side with intervals, lined up by configuration
//! (headline against headline, device time against device time, other paths in rows of
//! their own), and ratios against the first result that say how they were bounded and when a
//! difference is within the noise.

use std::fmt::Write;

use super::{
    TextTable, fmt_count, fmt_ratio, format::fmt_with_interval, kernels_summary, markdown_table,
};
use nlbench_results::{
    analysis::compare::{Line, Ratio, Row, label, rows, training_rows},
    schema::{ClockKind, DeviceClock, Outcome, ResultSet, TrainingOutcome},
};

/// `COMPARISON.md`.
pub fn comparison_report(results: &[ResultSet]) -> String {
    let mut out = String::from("# nlbench comparison\n\n## Results\n\n");
    let mut table = markdown_table([
        "#", "Device", "Vendor", "Type", "Backend", "Driver", "Paths", "Date", "Schema",
    ]);
    for (i, r) in results.iter().enumerate() {
        let d = &r.device;
        table.add_row(vec![
            format!("{}{}", i + 1, if i == 0 { " (baseline)" } else { "" }),
            d.name.clone(),
            d.vendor.clone(),
            format!(
                "{}{}",
                d.device_type.label(),
                if d.emulated_gpu() { ", software" } else { "" }
            ),
            d.backend_label(),
            format!("{} {}", d.driver, d.driver_info).trim().to_owned(),
            r.paths
                .iter()
                .map(|p| p.id.label())
                .collect::<Vec<_>>()
                .join(", "),
            format!(
                "{}{}",
                r.created,
                if r.partial.is_some() {
                    " (partial)"
                } else {
                    ""
                }
            ),
            r.schema_version.to_string(),
        ]);
    }
    writeln!(out, "{table}\n").unwrap();
    out.push_str(&clocks_table(results));
    out.push_str(&ceilings_table(results));

    let throughput = throughput_table(results);
    let mut table = markdown_table(throughput.headers);
    for row in throughput.rows {
        table.add_row(row);
    }
    writeln!(
        out,
        "## Throughput\n\nSamples per second with their 95 % intervals (a bracket gives the \
         real coverage of an interval from fewer than six samples or rounds). Rows are lined \
         up by configuration: the **headline** is the implementation users run (burn with \
         fusion where the backend has it; PyTorch eager in a baseline), timed end to end on the \
         host's monotonic clock, each iteration ending when one element of its output is back \
         on the host; **device time** is the device's own timestamps around the same work, a \
         second figure; other paths have rows of their own. A ratio only ever divides two \
         figures of the same clock. Where both results ran interleaved rounds (`--repeat`, 3 by \
         default) its range is **run to run**: both rows' intervals, each the spread its run's \
         rounds measured, combined as independent errors, meant to hold an identical rerun \
         95 % of the time (a run slowed or sped up as a whole, by a load that outlasts it, \
         moves every row together, which its own rounds cannot see). A result of one round has within-run \
         intervals only: the range is then a bootstrap of the ratio of the two medians where \
         both results hold their samples, otherwise the ends of the two intervals, and an \
         identical rerun on a busy machine often falls outside it. Where the range holds 1× \
         the two figures are within noise of each other, and the difference is not a \
         result.\n\n{table}\n"
    )
    .unwrap();
    if let Some(training) = training_table(results) {
        let mut table = markdown_table(training.headers);
        for row in training.rows {
            table.add_row(row);
        }
        writeln!(
            out,
            "## Training steps\n\nOne optimizer step (forward, loss, backward, Adam's update, \
             every parameter read back) per second, in the workload's unit, FP32 on burn's \
             autodiff backend, host clock; ratios and their ranges as above.\n\n{table}\n"
        )
        .unwrap();
    }
    out.push_str(&kernels_section(results));
    let partial: Vec<String> = rows(results)
        .iter()
        .filter(|row| row.clock == ClockKind::Host && row.figures.iter().any(Option::is_none))
        .map(|row| {
            let missing: Vec<String> = row
                .figures
                .iter()
                .enumerate()
                .filter(|(_, t)| t.is_none())
                .map(|(i, _)| format!("#{}", i + 1))
                .collect();
            format!(
                "{} {} batch {} ({}): no measurement in {}",
                row.model,
                row.precision,
                row.batch_size,
                line_label(row),
                missing.join(", ")
            )
        })
        .collect();
    if !partial.is_empty() {
        writeln!(
            out,
            "## Not in every result\n\nThese configurations are compared where they exist:\n\n- {}\n",
            partial.join("\n- ")
        )
        .unwrap();
    }
    out
}

/// "headline" or the path a row follows.
fn line_label(row: &Row) -> String {
    match row.line {
        // A configuration no result measured names no implementation.
        Line::Headline => match row.paths_label() {
            paths if paths.is_empty() => "headline path".into(),
            paths => format!("headline path: {paths}"),
        },
        Line::Path(_) => row.paths_label(),
    }
}

/// Throughput of every configuration per result, and ratios against the first, each row
/// naming its path and clock.
pub fn throughput_table(results: &[ResultSet]) -> TextTable {
    let columns = ["Model", "Precision", "Batch", "Path", "Clock"];
    let rows = rows(results)
        .into_iter()
        .map(|row| {
            let named = vec![
                row.model.clone(),
                row.precision.to_string(),
                row.batch_size.to_string(),
                line_label(&row),
                row.clock.label().to_owned(),
            ];
            with_figures(named, &row, results, gap)
        })
        .collect();
    TextTable {
        headers: headers(&columns, results, "samples/s"),
        rows,
    }
}

/// Training steps per second of every workload and batch size per result, and ratios against
/// the first; `None` where no result ran the training suite.
pub fn training_table(results: &[ResultSet]) -> Option<TextTable> {
    let rows = training_rows(results);
    if rows.is_empty() {
        return None;
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let named = vec![row.model.clone(), row.batch_size.to_string()];
            with_figures(named, &row, results, training_gap)
        })
        .collect();
    Some(TextTable {
        headers: headers(&["Workload", "Batch"], results, "per second"),
        rows,
    })
}

/// The columns naming a row, then each result's figure in `unit`, then each ratio.
fn headers(columns: &[&str], results: &[ResultSet], unit: &str) -> Vec<String> {
    let mut headers: Vec<String> = columns.iter().map(|&c| c.to_owned()).collect();
    headers.extend(
        results
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{} {unit}", label(i, r))),
    );
    headers.extend((2..=results.len()).map(|i| format!("#{i} ÷ #1")));
    headers
}

/// `named` (the cells naming `row`), then each result's figure with its interval (`gap` says
/// why one has none), then each ratio against the first.
fn with_figures(
    mut named: Vec<String>,
    row: &Row,
    results: &[ResultSet],
    gap: fn(&ResultSet, &Row) -> String,
) -> Vec<String> {
    named.extend(row.figures.iter().zip(results).map(|(f, result)| match f {
        Some(f) => fmt_with_interval(f.throughput, f.interval),
        None => gap(result, row),
    }));
    named.extend((1..results.len()).map(|i| ratio_cell(row, i)));
    named
}

/// A result without a training step for `row`: why, where it holds the step.
fn training_gap(result: &ResultSet, row: &Row) -> String {
    let step = result
        .training
        .iter()
        .find(|t| t.label() == row.model && t.batch_size == row.batch_size);
    match step.map(|t| &t.outcome) {
        Some(TrainingOutcome::Failed { kind, .. }) => format!("– ({})", kind.label()),
        Some(TrainingOutcome::Skipped { .. }) => "– (skipped)".into(),
        Some(TrainingOutcome::Measured(_)) | None => "–".into(),
    }
}

/// A result without a figure for `row`: why, where it holds the configuration ("– (crashed)",
/// "– (skipped)"), else a dash.
fn gap(result: &ResultSet, row: &Row) -> String {
    let record = match row.line {
        Line::Headline => {
            result.labelled_on(result.headline(), &row.model, row.precision, row.batch_size)
        }
        Line::Path(path) => result.labelled_on(path, &row.model, row.precision, row.batch_size),
    };
    match record.map(|r| &r.outcome) {
        Some(Outcome::Failed { kind, .. }) => format!("– ({})", kind.label()),
        Some(Outcome::Skipped { .. }) => "– (skipped)".into(),
        Some(Outcome::Unsupported { .. }) => "– (unsupported)".into(),
        Some(Outcome::Measured(_)) | None => "–".into(),
    }
}

fn ratio_cell(row: &Row, index: usize) -> String {
    match row.ratio(index) {
        Some(
            ratio @ Ratio {
                range: Some((low, high)),
                ..
            },
        ) => {
            let verdict = if ratio.within_noise() {
                ", within noise"
            } else {
                ""
            };
            format!(
                "{} ({} – {}, {}{verdict})",
                fmt_ratio(ratio.value),
                fmt_ratio(low),
                fmt_ratio(high),
                ratio.method.label()
            )
        }
        Some(ratio) => format!("{} (no interval)", fmt_ratio(ratio.value)),
        None => "–".into(),
    }
}

/// The kernels each result ran, so figures can be read knowing what ran where.
fn kernels_section(results: &[ResultSet]) -> String {
    let summaries: Vec<_> = results.iter().map(kernels_summary).collect();
    let Some(first) = summaries.first() else {
        return String::new();
    };
    let mut table = markdown_table(std::iter::once("#".to_owned()).chain(first.headers.clone()));
    let mut any = false;
    for (i, summary) in summaries.into_iter().enumerate() {
        for row in summary.rows {
            let mut cells = vec![(i + 1).to_string()];
            cells.extend(row);
            table.add_row(cells);
            any = true;
        }
    }
    if !any {
        return String::new();
    }
    format!("## Kernels\n\nWhat ran each matmul in each result.\n\n{table}\n\n")
}

/// How each result timed its paths: the headline's clock and the device time's, if any.
fn clocks_table(results: &[ResultSet]) -> String {
    let mut table = markdown_table(["#", "Path", "Headline clock", "Device time"]);
    for (i, r) in results.iter().enumerate() {
        for path in &r.paths {
            let device = match &path.device_time {
                Some(DeviceClock::Timed { timing, .. }) => timing.clock.clone(),
                Some(DeviceClock::Unavailable { reason }) => format!("n/a ({reason})"),
                None => "not taken".into(),
            };
            table.add_row(vec![
                (i + 1).to_string(),
                path.id.label().to_owned(),
                format!("{} · {}", path.timing.clock, path.clock.label()),
                device,
            ]);
        }
    }
    format!("## Clocks\n\n{table}\n\n")
}

/// Each result's measured ceilings and clock, side by side.
fn ceilings_table(results: &[ResultSet]) -> String {
    let mut table = markdown_table([
        "#",
        "Copy GB/s",
        "Read GB/s",
        "SIMT FMA f32 GFLOP/s",
        "SIMT FMA f16 GFLOP/s",
        "Matrix f16 GFLOP/s",
        "Dispatch µs",
        "Timed with",
    ]);
    for (i, r) in results.iter().enumerate() {
        let mut row = vec![(i + 1).to_string()];
        match &r.ceilings {
            Some(c) => row.extend(
                [
                    &c.copy_gbps,
                    &c.read_gbps,
                    &c.fma_f32_gflops,
                    &c.fma_f16_gflops,
                    &c.matrix_f16_gflops,
                    &c.dispatch_us,
                ]
                .map(|ceiling| ceiling.value().map_or_else(|| "n/a".into(), fmt_count)),
            ),
            None => row.extend(std::iter::repeat_n("not measured".to_owned(), 6)),
        }
        row.push(
            r.ceilings
                .as_ref()
                .map_or_else(|| "–".into(), |c| c.clock.clone()),
        );
        table.add_row(row);
    }
    format!(
        "## Device ceilings\n\nMeasured by each run's microbenchmarks (`n/a`: not measurable \
         on that device; \"not measured\": a result older than schema version 3).\n\n{table}\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::{error::ErrorKind, fixtures};

    #[test]
    fn report_lists_devices_ceilings_ratios_and_gaps() {
        let a = fixtures::results();
        let mut b = fixtures::results();
        b.device.name = "Other GPU".into();
        b.inference.retain(|r| r.batch_size == 1);
        for record in &mut b.inference {
            if let Outcome::Measured(m) = &mut record.outcome {
                m.timed.throughput *= 2.0;
                m.timed.batch_latency_ms = m.timed.batch_latency_ms.scaled(0.5);
            }
        }
        b.ceilings = None;
        // A worker died on one configuration: the comparison says so in its cell.
        b.inference[0].outcome = Outcome::Failed {
            kind: ErrorKind::Crashed,
            reason: "the worker process was killed by signal 9".into(),
        };
        let crashed = (b.inference[0].model.clone(), b.inference[0].precision);
        let report = comparison_report(&[a.clone(), b]);
        let flat = report.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("| 1 | 40.00 | 50.00 | 400 | n/a | n/a | 12.50 | test timestamps |"));
        assert!(flat.contains("| 2 | not measured | not measured"));
        assert!(report.contains("1 (baseline)"));
        assert!(report.contains("2.00× ("), "{report}");
        assert!(report.contains(", bootstrap"), "{report}");
        assert!(
            report.contains("| headline path: burn | host clock |"),
            "{report}"
        );
        assert!(report.contains("no measurement in #2"));
        assert!(report.contains("Other GPU"));
        let row = report
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .find(|l| l.contains("– (crashed)"))
            .unwrap_or_else(|| panic!("{report}"));
        let (model, precision) = crashed;
        assert!(
            row.starts_with(&format!(
                "| {model} | {precision} | 1 | headline path: burn | host clock |"
            )),
            "{row}"
        );
        let same = comparison_report(&[a.clone(), a]);
        assert!(same.contains("1.00× (") && same.contains("within noise"));
    }
}
