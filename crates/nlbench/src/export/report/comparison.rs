//! `COMPARISON.md` and the comparison table the dashboard shows: each result's identity,
//! ceilings and clock, throughput side by side with intervals, and ratios against the first
//! result that say when a difference is within the noise.

use std::fmt::Write;

use super::{TextTable, fmt_count, fmt_ratio, kernels_summary, markdown_table};
use crate::{
    analysis::compare::{Ratio, Row, label, rows},
    schema::ResultSet,
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
                if d.software && d.backend != "cpu" {
                    ", software"
                } else {
                    ""
                }
            ),
            format!("{} ({})", d.backend, d.api),
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
    out.push_str(&ceilings_table(results));

    let throughput = throughput_table(results);
    let mut table = markdown_table(throughput.headers);
    for row in throughput.rows {
        table.add_row(row);
    }
    writeln!(
        out,
        "## Throughput\n\nSamples per second with their 95 % intervals. A ratio's range is \
         what the two intervals allow; where it holds 1× the two figures are within noise of \
         each other, and the difference is not a result.\n\n{table}\n"
    )
    .unwrap();
    out.push_str(&kernels_section(results));
    let partial: Vec<String> = rows(results)
        .iter()
        .filter(|row| row.figures.iter().any(Option::is_none))
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
                row.path.label(),
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

/// Throughput of every configuration per result, and ratios against the first.
pub fn throughput_table(results: &[ResultSet]) -> TextTable {
    let mut headers = vec![
        "Model".to_owned(),
        "Precision".into(),
        "Batch".into(),
        "Path".into(),
    ];
    headers.extend(
        results
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{} samples/s", label(i, r))),
    );
    headers.extend((2..=results.len()).map(|i| format!("#{i} ÷ #1")));
    let rows = rows(results)
        .into_iter()
        .map(|row| {
            let mut cells = vec![
                row.model.clone(),
                row.precision.to_string(),
                row.batch_size.to_string(),
                row.path.label().to_owned(),
            ];
            cells.extend(row.figures.iter().map(|f| match f {
                Some(f) => match f.interval {
                    Some(ci) => format!(
                        "{} ({} – {})",
                        fmt_count(f.throughput),
                        fmt_count(ci.low),
                        fmt_count(ci.high)
                    ),
                    None => fmt_count(f.throughput),
                },
                None => "–".into(),
            }));
            cells.extend((1..results.len()).map(|i| ratio_cell(&row, i)));
            cells
        })
        .collect();
    TextTable { headers, rows }
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
                "{} ({} – {}{verdict})",
                fmt_ratio(ratio.value),
                fmt_ratio(low),
                fmt_ratio(high)
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

/// Each result's measured ceilings and clock, side by side.
fn ceilings_table(results: &[ResultSet]) -> String {
    let mut table = markdown_table([
        "#",
        "Copy GB/s",
        "Read GB/s",
        "FMA f32 GFLOP/s",
        "FMA f16 GFLOP/s",
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
                    &c.dispatch_us,
                ]
                .map(|ceiling| ceiling.value().map_or_else(|| "n/a".into(), fmt_count)),
            ),
            None => row.extend(std::iter::repeat_n("not measured".to_owned(), 5)),
        }
        row.push(r.timing.clock.clone());
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
    use crate::{fixtures, schema::Outcome};

    #[test]
    fn report_lists_devices_ceilings_ratios_and_gaps() {
        let a = fixtures::results();
        let mut b = fixtures::results();
        b.device.name = "Other GPU".into();
        b.inference.retain(|r| r.batch_size == 1);
        for record in &mut b.inference {
            if let Outcome::Measured(m) = &mut record.outcome {
                m.throughput *= 2.0;
                m.batch_latency_ms = m.batch_latency_ms.scaled(0.5);
            }
        }
        b.ceilings = None;
        let report = comparison_report(&[a.clone(), b]);
        let flat = report.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("| 1 | 40.00 | 50.00 | 400 | n/a | 12.50 | test clock |"));
        assert!(flat.contains("| 2 | not measured | not measured"));
        assert!(report.contains("1 (baseline)"));
        assert!(report.contains("2.00× ("), "{report}");
        assert!(report.contains("no measurement in #2"));
        assert!(report.contains("Other GPU"));
        let same = comparison_report(&[a.clone(), a]);
        assert!(same.contains("1.00× (") && same.contains("within noise"));
    }
}
