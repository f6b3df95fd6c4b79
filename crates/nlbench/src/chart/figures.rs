//! The figures of the inference report, described from a result set.

use super::{Figure, Panel, Series};
use crate::schema::{InferenceMeasurement, ResultSet};

/// The inference report's figures, each with the file stem it is saved under.
pub fn inference_figures(results: &ResultSet) -> Vec<(&'static str, Figure)> {
    vec![
        ("throughput_benchmark", throughput_figure(results)),
        ("model_size_benchmark", model_size_figure(results)),
    ]
}

/// Throughput and per-sample latency against batch size, one line per model and precision.
pub fn throughput_figure(results: &ResultSet) -> Figure {
    let mut throughput = Vec::new();
    let mut latency = Vec::new();
    for model in &results.config.models {
        for &precision in &results.config.precisions {
            let measured: Vec<(f64, &InferenceMeasurement)> = results
                .config
                .batch_sizes
                .iter()
                .filter_map(|&b| {
                    results
                        .measured(&model.name, precision, b)
                        .map(|m| (b as f64, m))
                })
                .collect();
            let label = format!("{} {}", model.name, precision);
            throughput.push(Series {
                label: label.clone(),
                points: measured.iter().map(|(b, m)| (*b, m.throughput)).collect(),
            });
            latency.push(Series {
                label,
                points: measured
                    .iter()
                    .map(|(b, m)| (*b, m.sample_latency_ms.median))
                    .collect(),
            });
        }
    }
    Figure {
        title: format!(
            "Inference throughput and latency — {}",
            results.device.label()
        ),
        width_in: 11.0,
        height_in: 4.5,
        panels: vec![
            Panel {
                title: "Throughput".into(),
                x_label: "Batch size".into(),
                y_label: "Throughput (samples/s)".into(),
                series: throughput,
            },
            Panel {
                title: "Latency per sample (median)".into(),
                x_label: "Batch size".into(),
                y_label: "Latency (ms/sample)".into(),
                series: latency,
            },
        ],
    }
}

/// Throughput and per-sample latency against parameter count, one line per batch size, at
/// the run's first precision.
pub fn model_size_figure(results: &ResultSet) -> Figure {
    let precision = results.config.precisions[0];
    let mut throughput = Vec::new();
    let mut latency = Vec::new();
    for &batch in &results.config.batch_sizes {
        let measured: Vec<(f64, &InferenceMeasurement)> = results
            .config
            .models
            .iter()
            .filter_map(|model| {
                results
                    .measured(&model.name, precision, batch)
                    .map(|m| (model.parameter_count() as f64, m))
            })
            .collect();
        let label = format!("batch {batch}");
        throughput.push(Series {
            label: label.clone(),
            points: measured.iter().map(|(p, m)| (*p, m.throughput)).collect(),
        });
        latency.push(Series {
            label,
            points: measured
                .iter()
                .map(|(p, m)| (*p, m.sample_latency_ms.median))
                .collect(),
        });
    }
    Figure {
        title: format!(
            "Model size scaling ({precision}) — {}",
            results.device.label()
        ),
        width_in: 11.0,
        height_in: 4.5,
        panels: vec![
            Panel {
                title: "Throughput against model size".into(),
                x_label: "Parameters".into(),
                y_label: "Throughput (samples/s)".into(),
                series: throughput,
            },
            Panel {
                title: "Latency against model size".into(),
                x_label: "Parameters".into(),
                y_label: "Latency (ms/sample)".into(),
                series: latency,
            },
        ],
    }
}
