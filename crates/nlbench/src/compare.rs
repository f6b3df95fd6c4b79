//! Several results side by side: one row per configuration (model, precision, batch size)
//! found in any of them, with each result's throughput and its ratio to the first (the
//! baseline). Configurations some results lack are kept and marked, never dropped.

use std::fmt::Write;

use crate::{
    chart::{Figure, Panel, PanelKind, Series},
    precision::Precision,
    report::{TextTable, fmt_count, markdown_table},
    schema::ResultSet,
};

/// One configuration across the compared results.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub model: String,
    pub precision: Precision,
    pub batch_size: usize,
    /// Throughput in samples/s per result, in input order; `None` where that result has no
    /// measurement of this configuration.
    pub throughput: Vec<Option<f64>>,
}

impl Row {
    /// Throughput of result `index` over the baseline's.
    pub fn ratio(&self, index: usize) -> Option<f64> {
        Some(self.throughput.get(index).copied()?? / self.throughput.first().copied()??)
    }
}

/// Every configuration any result holds, in first-seen order.
pub fn rows(results: &[ResultSet]) -> Vec<Row> {
    let mut keys: Vec<(String, Precision, usize)> = Vec::new();
    for result in results {
        for record in &result.inference {
            let key = (record.model.clone(), record.precision, record.batch_size);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys.into_iter()
        .map(|(model, precision, batch_size)| Row {
            throughput: results
                .iter()
                .map(|r| {
                    r.measured(&model, precision, batch_size)
                        .map(|m| m.throughput)
                })
                .collect(),
            model,
            precision,
            batch_size,
        })
        .collect()
}

/// Legend and column name of a result: its device, and its position to tell two runs on one
/// device apart.
pub fn label(index: usize, result: &ResultSet) -> String {
    format!("#{} {}", index + 1, result.device.label())
}

/// `COMPARISON.md`.
pub fn comparison_report(results: &[ResultSet]) -> String {
    let mut out = String::from("# nlbench comparison\n\n## Results\n\n");
    let mut table = markdown_table([
        "#", "Device", "Vendor", "Type", "Backend", "Driver", "Date", "Schema",
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
                if d.software { ", software" } else { "" }
            ),
            format!("{} ({})", d.backend, d.api),
            format!("{} {}", d.driver, d.driver_info).trim().to_owned(),
            r.created.clone(),
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
    let partial: Vec<String> = rows(results)
        .iter()
        .filter(|row| row.throughput.iter().any(Option::is_none))
        .map(|row| {
            let missing: Vec<String> = row
                .throughput
                .iter()
                .enumerate()
                .filter(|(_, t)| t.is_none())
                .map(|(i, _)| format!("#{}", i + 1))
                .collect();
            format!(
                "{} {} batch {}: no measurement in {}",
                row.model,
                row.precision,
                row.batch_size,
                missing.join(", ")
            )
        })
        .collect();
    writeln!(out, "## Throughput\n\n{table}\n").unwrap();
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
    let mut headers = vec!["Model".to_owned(), "Precision".into(), "Batch".into()];
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
            ];
            cells.extend(
                row.throughput
                    .iter()
                    .map(|t| t.map(fmt_count).unwrap_or_else(|| "–".into())),
            );
            cells.extend(
                (1..results.len())
                    .map(|i| row.ratio(i).map(fmt_ratio).unwrap_or_else(|| "–".into())),
            );
            cells
        })
        .collect();
    TextTable { headers, rows }
}

/// What a comparison chart plots against batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Throughput,
    Latency,
    Memory,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Throughput, Metric::Latency, Metric::Memory];

    /// File stem of the chart (`comparison_throughput`, …).
    pub fn stem(self) -> &'static str {
        match self {
            Metric::Throughput => "comparison_throughput",
            Metric::Latency => "comparison_latency",
            Metric::Memory => "comparison_memory",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Metric::Throughput => "Throughput",
            Metric::Latency => "Latency per sample (median)",
            Metric::Memory => "Peak buffer memory in use",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Metric::Throughput => "Throughput (samples/s)",
            Metric::Latency => "Latency (ms/sample)",
            Metric::Memory => "Memory (MiB)",
        }
    }

    fn value(self, m: &crate::schema::InferenceMeasurement) -> Option<f64> {
        match self {
            Metric::Throughput => Some(m.throughput),
            Metric::Latency => Some(m.sample_latency_ms.median),
            Metric::Memory => m
                .memory
                .allocator
                .map(|a| a.peak_in_use as f64 / (1024.0 * 1024.0)),
        }
    }
}

/// `metric` against batch size, one line per result and model at each result's first
/// precision; results without the figure (memory on the CPU backend) draw no line.
pub fn comparison_figure(results: &[ResultSet], metric: Metric) -> Figure {
    let mut series = Vec::new();
    for (i, result) in results.iter().enumerate() {
        let Some(&precision) = result.config.precisions.first() else {
            continue;
        };
        for model in &result.config.models {
            series.push(Series {
                label: format!("{} · {} {}", label(i, result), model.name, precision),
                points: result
                    .config
                    .batch_sizes
                    .iter()
                    .filter_map(|&b| {
                        let m = result.measured(&model.name, precision, b)?;
                        Some((b as f64, metric.value(m)?))
                    })
                    .collect(),
            });
        }
    }
    Figure {
        title: format!("{} comparison", metric.title()),
        width_in: 8.0,
        height_in: 5.0,
        panels: vec![Panel {
            title: metric.title().into(),
            x_label: "Batch size".into(),
            y_label: metric.unit().into(),
            kind: PanelKind::LogLines,
            series,
        }],
    }
}

/// A ratio with two decimals, or three significant digits below 0.1 (a browser against a
/// CPU can be 0.0022×, which two decimals would show as zero).
fn fmt_ratio(ratio: f64) -> String {
    if ratio > 0.0 && ratio < 0.1 {
        format!("{:.1$}×", ratio, (2.0 - ratio.log10().floor()) as usize)
    } else {
        format!("{ratio:.2}×")
    }
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
        "## Device ceilings

Measured by each run's WGSL microbenchmarks (`n/a`: not \
         measurable on that device; \"not measured\": a result older than schema version 3).\n\n\
         {table}\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn aligns_overlap_and_marks_missing() {
        let a = fixtures::results();
        let mut b = fixtures::results();
        b.device.name = "Other GPU".into();
        b.inference.retain(|r| r.batch_size == 1);
        for record in &mut b.inference {
            if let crate::schema::Outcome::Measured(m) = &mut record.outcome {
                m.throughput *= 2.0;
            }
        }
        let rows = rows(&[a.clone(), b.clone()]);
        let small1 = rows
            .iter()
            .find(|r| r.model == "small" && r.precision == Precision::F32 && r.batch_size == 1)
            .unwrap();
        assert!((small1.ratio(1).unwrap() - 2.0).abs() < 1e-9);
        let small16 = rows.iter().find(|r| r.batch_size == 16).unwrap();
        assert!(small16.throughput[1].is_none() && small16.ratio(1).is_none());

        b.ceilings = None;
        let report = comparison_report(&[a, b]);
        let flat = report.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("| 1 | 40.00 | 50.00 | 400 | n/a | 12.50 | test clock |"));
        assert!(flat.contains("| 2 | not measured | not measured"));
        assert!(report.contains("1 (baseline)"));
        assert!(report.contains("2.00×"));
        assert_eq!(fmt_ratio(0.002_212), "0.00221×");
        assert_eq!(fmt_ratio(0.0614), "0.0614×");
        assert_eq!(fmt_ratio(0.5), "0.50×");
        assert!(report.contains("no measurement in #2"));
        assert!(report.contains("Other GPU"));
    }
}
