//! Comparison charts: one metric against batch size, a line per result and model, from the
//! same lined-up rows as `COMPARISON.md` (each result's headline on the host clock, or device
//! time against device time), each point with its interval.

use super::{Figure, Panel, PanelKind, Series};
use nlbench_results::{
    analysis::compare::{Figure as Point, Line, Row, label, rows},
    precision::Precision,
    schema::{ClockKind, ResultSet},
};

/// The comparison's figures, each with the file stem it is saved under: the device-time
/// chart only where a result has device time.
pub fn comparison_figures(results: &[ResultSet]) -> Vec<(&'static str, Figure)> {
    let lined_up = rows(results);
    Metric::ALL
        .iter()
        .filter(|&&m| {
            m != Metric::DeviceThroughput || lined_up.iter().any(|r| r.clock == ClockKind::Device)
        })
        .map(|&m| (m.stem(), figure(results, &lined_up, m)))
        .collect()
}

/// What a comparison chart plots against batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Throughput,
    Latency,
    Memory,
    /// Throughput by the device's timestamps.
    DeviceThroughput,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::Throughput,
        Metric::Latency,
        Metric::Memory,
        Metric::DeviceThroughput,
    ];

    /// File stem of the chart (`comparison_throughput`, …).
    pub fn stem(self) -> &'static str {
        match self {
            Metric::Throughput => "comparison_throughput",
            Metric::Latency => "comparison_latency",
            Metric::Memory => "comparison_memory",
            Metric::DeviceThroughput => "comparison_device_throughput",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Metric::Throughput => "Throughput (headline, host clock)",
            Metric::Latency => "Latency per sample (headline median, host clock)",
            Metric::Memory => "Peak buffer memory in use (headline path)",
            Metric::DeviceThroughput => "Throughput by device time",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Metric::Throughput | Metric::DeviceThroughput => "Throughput (samples/s)",
            Metric::Latency => "Latency (ms/sample)",
            Metric::Memory => "Memory (MiB)",
        }
    }

    fn clock(self) -> ClockKind {
        match self {
            Metric::DeviceThroughput => ClockKind::Device,
            _ => ClockKind::Host,
        }
    }

    /// The point, and its interval, of one lined-up figure.
    fn value(self, point: &Point) -> Option<(f64, Option<(f64, f64)>)> {
        let interval = point.interval.map(|ci| (ci.low, ci.high));
        match self {
            Metric::Throughput | Metric::DeviceThroughput => Some((point.throughput, interval)),
            // Per-sample latency is the inverse of throughput, so is its interval.
            Metric::Latency => Some((
                1000.0 / point.throughput,
                interval.map(|(low, high)| (1000.0 / high, 1000.0 / low)),
            )),
            Metric::Memory => None,
        }
    }
}

/// The comparison chart of `metric`.
pub fn comparison_figure(results: &[ResultSet], metric: Metric) -> Figure {
    figure(results, &rows(results), metric)
}

/// `metric` against batch size in small multiples: one panel per model and precision, one
/// line per result in it, each result one colour in every panel, and one legend under the
/// panels naming each result's path and clock. Results without the figure (memory on the
/// CPU backend, device time on the CPU) draw no line.
fn figure(results: &[ResultSet], lined_up: &[Row], metric: Metric) -> Figure {
    let wanted = |row: &&Row| row.line == Line::Headline && row.clock == metric.clock();
    let mut keys: Vec<(String, Precision)> = Vec::new();
    for row in lined_up.iter().filter(wanted) {
        let key = (row.model.clone(), row.precision);
        if row.figures.iter().any(Option::is_some) && !keys.contains(&key) {
            keys.push(key);
        }
    }
    let series = |model: &str, precision: Precision, i: usize, result: &ResultSet| {
        let mut points = Vec::new();
        let mut bars = Vec::new();
        for &batch in &result.config.batch_sizes {
            let x = batch as f64;
            if metric == Metric::Memory {
                if let Some(a) = result
                    .measured(model, precision, batch)
                    .and_then(|m| m.memory.allocator)
                {
                    points.push((x, a.peak_in_use as f64 / (1024.0 * 1024.0)));
                }
                continue;
            }
            let point = lined_up.iter().filter(wanted).find_map(|row| {
                (row.model == model && row.precision == precision && row.batch_size == batch)
                    .then(|| row.figures[i].as_ref())
                    .flatten()
            });
            if let Some((y, interval)) = point.and_then(|p| metric.value(p)) {
                points.push((x, y));
                if let Some((low, high)) = interval {
                    bars.push((x, low, high));
                }
            }
        }
        Series {
            colour: Some(i),
            label: label(i, result),
            points,
            bars,
            details: Vec::new(),
        }
    };
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
                .map(|(i, result)| series(model, *precision, i, result))
                .collect(),
        })
        .collect();
    let columns = panels.len().clamp(1, 3);
    let rows = panels.len().max(1).div_ceil(columns);
    // Room for one legend row per result: the labels are long, and may each need a row.
    let legend_rows = results.len();
    Figure {
        title: format!("{} comparison", metric.title()),
        width_in: 4.0 * columns as f64 + 0.5,
        height_in: 3.2 * rows as f64 + 0.9 + 0.2 * legend_rows as f64,
        panels,
        shared_legend: results
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{} · {}", label(i, r), legend_path(r, metric)), i))
            .collect(),
        columns,
    }
}

/// What a result's line is: its headline path, and the clock.
fn legend_path(result: &ResultSet, metric: Metric) -> String {
    let path = result.paths.first();
    let name = path.map_or("no path", |p| p.id.label());
    match metric {
        Metric::Memory => format!("{name} · allocator"),
        Metric::DeviceThroughput => format!("{name} · device time"),
        _ => format!(
            "{name} · {}",
            path.map_or("host clock", |p| p.clock.label())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{chart::Plotter, chart::SvgPlotter};
    use nlbench_results::fixtures;

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
            // Every point carries its interval.
            for series in &panel.series {
                assert_eq!(series.bars.len(), series.points.len(), "{}", series.label);
            }
        }
        assert_eq!(figure.shared_legend.len(), 5);
        assert!(figure.shared_legend[0].0.ends_with("· burn · host clock"));
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
        // No result has device time: no device-time chart.
        assert_eq!(comparison_figures(&results).len(), 3);
    }
}
