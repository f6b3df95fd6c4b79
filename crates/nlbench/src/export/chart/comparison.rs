//! Comparison charts: one metric against batch size, a line per result and model.

use super::{Figure, Panel, PanelKind, Series};
use crate::{analysis::compare::label, schema::ResultSet};

/// The comparison's figures, each with the file stem it is saved under.
pub fn comparison_figures(results: &[ResultSet]) -> Vec<(&'static str, Figure)> {
    Metric::ALL
        .iter()
        .map(|&m| (m.stem(), comparison_figure(results, m)))
        .collect()
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
