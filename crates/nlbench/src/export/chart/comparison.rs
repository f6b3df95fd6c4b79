//! Comparison charts: one metric against batch size, a line per result and model.

use super::{Figure, Panel, PanelKind, Series};
use crate::{analysis::compare::label, precision::Precision, schema::ResultSet};

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

/// `metric` against batch size in small multiples: one panel per model and precision (the
/// headline path's rows), one line per result in it, each result one colour in every panel,
/// and one legend under the panels. Results without the figure (memory on the CPU backend)
/// draw no line.
pub fn comparison_figure(results: &[ResultSet], metric: Metric) -> Figure {
    let mut keys: Vec<(String, Precision)> = Vec::new();
    for result in results {
        for record in &result.inference {
            let key = (record.model.clone(), record.precision);
            let measured = matches!(record.outcome, crate::schema::Outcome::Measured(_));
            if measured && record.path == result.headline() && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let panels: Vec<Panel> = keys
        .iter()
        .map(|(model, precision)| Panel {
            title: format!("{model} · {precision}"),
            x_label: "Batch size".into(),
            y_label: metric.unit().into(),
            kind: PanelKind::LogLines,
            series: results
                .iter()
                .enumerate()
                .map(|(i, result)| Series {
                    colour: Some(i),
                    label: label(i, result),
                    points: result
                        .config
                        .batch_sizes
                        .iter()
                        .filter_map(|&b| {
                            let m = result.measured(model, *precision, b)?;
                            Some((b as f64, metric.value(m)?))
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let columns = panels.len().clamp(1, 3);
    let rows = panels.len().max(1).div_ceil(columns);
    let legend_rows = results.len().div_ceil(3);
    Figure {
        title: format!("{} comparison", metric.title()),
        width_in: 4.0 * columns as f64 + 0.5,
        height_in: 3.2 * rows as f64 + 0.9 + 0.2 * legend_rows as f64,
        panels,
        shared_legend: results
            .iter()
            .enumerate()
            .map(|(i, r)| (label(i, r), i))
            .collect(),
        columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{export::chart::Plotter, export::chart::SvgPlotter, fixtures};

    #[test]
    fn many_results_keep_one_colour_each_and_one_legend_outside_the_plots() {
        let results: Vec<ResultSet> = (0..5)
            .map(|i| {
                let mut r = fixtures::results();
                r.device.name = format!("GPU {i}");
                r
            })
            .collect();
        let figure = comparison_figure(&results, Metric::Throughput);
        // One panel per model and precision measured: small FP32/FP16, large FP32.
        assert_eq!(figure.panels.len(), 3);
        for panel in &figure.panels {
            let colours: Vec<Option<usize>> = panel.series.iter().map(|s| s.colour).collect();
            assert_eq!(
                colours,
                (0..5).map(Some).collect::<Vec<_>>(),
                "{}",
                panel.title
            );
        }
        assert_eq!(figure.shared_legend.len(), 5);
        let svg = SvgPlotter.plot(&figure).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<(&str, f64)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| Some((n.text()?, n.attribute("y")?.parse().ok()?)))
            .collect();
        // Each device is named once, in the legend, and the legend lies below every axis
        // label (so under the plots, never over the data).
        let lowest_axis = texts
            .iter()
            .filter(|(t, _)| t.contains("Batch size"))
            .map(|(_, y)| *y)
            .fold(0.0, f64::max);
        for i in 0..5 {
            let name = format!("GPU {i}");
            let hits: Vec<f64> = texts
                .iter()
                .filter(|(t, _)| t.contains(&name))
                .map(|(_, y)| *y)
                .collect();
            assert_eq!(hits.len(), 1, "{name}: {hits:?}");
            assert!(
                hits[0] > lowest_axis,
                "{name} at {} above {lowest_axis}",
                hits[0]
            );
        }
    }
}
