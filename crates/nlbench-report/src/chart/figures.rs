//! The figures of the inference report, described from a result set.

use super::{Figure, Panel, PanelKind, Series};
use crate::report::tail_cells;
use nlbench_results::{
    analysis::{
        memory::Peaks,
        roofline::{roofline_points, workload_points},
        verdicts::throughput_interval,
    },
    schema::{InferenceMeasurement, KernelChoice, PathId, ResultSet, Timed},
    stats::Summary,
    workload::{ModelConfig, Phase, Workload},
};

/// A point of a line: its x, its batch size, its figures and the kernels that ran it.
type Point<'a> = (f64, usize, &'a Timed, &'a [KernelChoice]);

/// What a point's hover text adds: the batch latency's p90 and p99 with their intervals (or
/// how many runs an interval needs), then `kernels: matmul → …; attention → …` where named.
fn point_details(points: &[Point<'_>]) -> Vec<(f64, String)> {
    points
        .iter()
        .map(|&(x, _, timed, kernels)| {
            let [p90, p99] = tail_cells(&timed.batch_latency_ms);
            let mut text = format!("batch latency (ms): p90 {p90}; p99 {p99}");
            if !kernels.is_empty() {
                let named: Vec<String> = kernels
                    .iter()
                    .map(|k| format!("{} → {}", k.operation, k.kernel))
                    .collect();
                text.push_str(&format!("\nkernels: {}", named.join("; ")));
            }
            (x, text)
        })
        .collect()
}

/// `m`'s point at `x` on the line named `label`, which starts where it is new.
fn add_point<'a>(
    lines: &mut Vec<(String, Vec<Point<'a>>)>,
    label: String,
    x: f64,
    batch: usize,
    m: &'a InferenceMeasurement,
) {
    let point = (x, batch, &m.timed, m.kernels.as_slice());
    match lines.iter_mut().find(|(l, _)| *l == label) {
        Some((_, points)) => points.push(point),
        None => lines.push((label, vec![point])),
    }
}

/// Throughput points against `x` and their intervals.
fn throughput_series(points: &[Point<'_>], label: String) -> Series {
    Series {
        colour: None,
        label,
        points: points.iter().map(|p| (p.0, p.2.throughput)).collect(),
        bars: points
            .iter()
            .filter_map(|&(x, batch, t, _)| {
                throughput_interval(t, batch).map(|ci| (x, ci.low, ci.high))
            })
            .collect(),
        details: point_details(points),
    }
}

/// Per-sample latency points against `x` and their intervals.
fn latency_series(points: &[Point<'_>], label: String) -> Series {
    summary_series(points, label, |t| &t.sample_latency_ms)
}

/// The medians of one of the points' summaries against `x`, with their intervals.
fn summary_series(points: &[Point<'_>], label: String, of: fn(&Timed) -> &Summary) -> Series {
    Series {
        colour: None,
        label,
        points: points.iter().map(|p| (p.0, of(p.2).median)).collect(),
        bars: points
            .iter()
            .filter_map(|p| of(p.2).median_ci.map(|ci| (p.0, ci.low, ci.high)))
            .collect(),
        details: point_details(points),
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// Every figure of a result, each with the file stem it is saved under: the inference
/// report's where it has inference rows, the memory report's where it has memory rows.
pub fn result_figures(results: &ResultSet) -> Vec<(&'static str, Figure)> {
    let mut figures = Vec::new();
    if !results.inference.is_empty() {
        figures.extend(inference_figures(results));
    }
    if !results.memory.is_empty() {
        figures.extend(memory_figures(results));
    }
    figures
}

/// The inference report's figures, each with the file stem it is saved under.
pub fn inference_figures(results: &ResultSet) -> Vec<(&'static str, Figure)> {
    let mut figures = vec![
        ("throughput_benchmark", throughput_figure(results)),
        ("model_size_benchmark", model_size_figure(results)),
        ("roofline", roofline_figure(results)),
    ];
    if !results.config.workloads.is_empty() {
        figures.push(("workload_benchmark", workloads_figure(results)));
    }
    if let Some(prefill) = prompt_length_figure(results) {
        figures.push(("prompt_length_benchmark", prefill));
    }
    figures
}

/// A prefill sweep (`--prompt-len 16,64,256`): the time to first token against the prompt
/// length, one line per decoder, precision, batch size and path, each point with its
/// interval; `None` where no decoder ran two prompt lengths.
pub fn prompt_length_figure(results: &ResultSet) -> Option<Figure> {
    let several = results.paths.len() > 1;
    let mut lines: Vec<(String, Vec<Point<'_>>)> = Vec::new();
    for record in results.workload_rows() {
        let (nlbench_results::schema::Outcome::Measured(m), Some(Workload::Decoder(decoder))) =
            (&record.outcome, results.workload_of(record))
        else {
            continue;
        };
        if record.phase != Phase::Prefill {
            continue;
        }
        let label = path_label(
            several,
            record.path,
            format!(
                "decoder:{} {} batch {}",
                decoder.swept_name(),
                record.precision,
                record.batch_size
            ),
        );
        add_point(
            &mut lines,
            label,
            decoder.prompt as f64,
            record.batch_size,
            m,
        );
    }
    lines.retain(|(_, points)| points.len() > 1);
    if lines.is_empty() {
        return None;
    }
    for (_, points) in &mut lines {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Some(Figure {
        shared_legend: Vec::new(),
        columns: 0,
        title: format!(
            "Time to first token — {} ({})",
            results.device.label(),
            clocks_title(results)
        ),
        width_in: 7.5,
        height_in: 5.0,
        panels: vec![Panel {
            title: "Prefill of the prompt, to the first token's logits".into(),
            x_label: "Prompt length (tokens)".into(),
            y_label: "Time to first token (ms)".into(),
            kind: PanelKind::LogLines,
            series: lines
                .iter()
                .map(|(label, points)| {
                    summary_series(points, label.clone(), |t| &t.batch_latency_ms)
                })
                .collect(),
        }],
    })
}

/// The workloads beside the MLP: each one's throughput in its own unit (sequences, prompts,
/// tokens, images per second) and its batch latency (for the prefill the time to first
/// token, for decode the per-token latency) against batch size, one line per workload,
/// phase, precision and path, each point with its interval.
pub fn workloads_figure(results: &ResultSet) -> Figure {
    let several = results.paths.len() > 1;
    let mut lines: Vec<(String, Vec<Point<'_>>)> = Vec::new();
    for record in results.workload_rows() {
        let nlbench_results::schema::Outcome::Measured(m) = &record.outcome else {
            continue;
        };
        let unit = results
            .workload_of(record)
            .map_or("samples", |w| w.unit(record.phase).samples);
        let label = path_label(
            several,
            record.path,
            format!("{} {} ({unit})", record.label(), record.precision),
        );
        let batch = record.batch_size;
        add_point(&mut lines, label, batch as f64, batch, m);
    }
    for (_, points) in &mut lines {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let throughput = lines
        .iter()
        .map(|(label, points)| throughput_series(points, label.clone()))
        .collect();
    let latency = lines
        .iter()
        .map(|(label, points)| summary_series(points, label.clone(), |t| &t.batch_latency_ms))
        .collect();
    Figure {
        shared_legend: Vec::new(),
        columns: 0,
        title: format!(
            "Workloads — {} ({})",
            results.device.label(),
            clocks_title(results)
        ),
        width_in: 11.0,
        height_in: 4.5,
        panels: vec![
            Panel {
                title: "Throughput against batch size".into(),
                x_label: "Batch size".into(),
                y_label: "Per second, in each line's unit".into(),
                kind: PanelKind::LogLines,
                series: throughput,
            },
            Panel {
                title: "Batch latency (prefill: time to first token; decode: per token)".into(),
                x_label: "Batch size".into(),
                y_label: "Milliseconds".into(),
                kind: PanelKind::LogLines,
                series: latency,
            },
        ],
    }
}

/// Achieved GFLOP/s against arithmetic intensity, one line per model or workload phase and
/// precision (batch sizes left to right), under the measured roofs: bandwidth × intensity up
/// to the FMA ceiling.
pub fn roofline_figure(results: &ResultSet) -> Figure {
    let models: Vec<&ModelConfig> = results.config.models.iter().collect();
    let mut points = roofline_points(results, &models);
    points.extend(workload_points(results));
    let several = results.paths.len() > 1;
    let mut series: Vec<Series> = Vec::new();
    for p in &points {
        let label = path_label(several, p.path, format!("{} {}", p.model, p.precision));
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push((p.intensity, p.gflops)),
            None => series.push(Series {
                label,
                points: vec![(p.intensity, p.gflops)],
                ..Series::default()
            }),
        }
    }
    let (low, high) = points.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), p| {
        (lo.min(p.intensity), hi.max(p.intensity))
    });
    if let Some(ceilings) = &results.ceilings
        && low.is_finite()
    {
        let bandwidth = ceilings.bandwidth_gbps();
        let (from, to) = (low / 4.0, high * 4.0);
        let mut roof = |label: String, flops: Option<f64>| {
            let (Some(flops), Some(bandwidth)) = (flops, bandwidth) else {
                return;
            };
            let ridge = flops / bandwidth;
            let mut points = vec![(from, (bandwidth * from).min(flops))];
            if ridge > from && ridge < to {
                points.push((ridge, flops));
            }
            points.push((to, (bandwidth * to).min(flops)));
            series.push(Series {
                label,
                points,
                ..Series::default()
            });
        };
        for &precision in &results.config.precisions {
            roof(
                format!("measured SIMT FMA roof {precision}"),
                ceilings.fma_gflops(precision),
            );
        }
        if results
            .config
            .precisions
            .contains(&nlbench_results::precision::Precision::F16)
        {
            roof(
                "measured matrix-unit roof FP16".into(),
                ceilings.matrix_f16_gflops.value(),
            );
        }
    }
    Figure {
        shared_legend: Vec::new(),
        columns: 0,
        title: format!("Roofline — {}", results.device.label()),
        width_in: 7.0,
        height_in: 4.5,
        panels: vec![Panel {
            title: "Achieved compute against arithmetic intensity".into(),
            x_label: "Arithmetic intensity (FLOP/byte)".into(),
            y_label: "Achieved GFLOP/s".into(),
            kind: PanelKind::LogLines,
            series,
        }],
    }
}

/// Which clocks the lines of a panel use, for its title.
fn clocks_title(results: &ResultSet) -> &'static str {
    let device = results.inference.iter().any(
        |r| matches!(&r.outcome, nlbench_results::schema::Outcome::Measured(m) if m.device_time.is_some()),
    );
    match results.paths.first().map(|p| p.clock) {
        _ if device => "host clock and device time",
        Some(nlbench_results::schema::ClockKind::Device) => "device time",
        _ => "host clock",
    }
}

/// `label`, naming the path where the result has several.
fn path_label(several: bool, path: PathId, label: String) -> String {
    if several {
        format!("{label} · {}", path.label())
    } else {
        label
    }
}

/// Throughput and per-sample latency against batch size, one line per path, model and
/// precision, each point with its interval: the headline on the host clock and, where the
/// rows have it, device time beside it, every line naming its clock.
pub fn throughput_figure(results: &ResultSet) -> Figure {
    let several = results.paths.len() > 1;
    let device = results.inference.iter().any(
        |r| matches!(&r.outcome, nlbench_results::schema::Outcome::Measured(m) if m.device_time.is_some()),
    );
    let mut throughput = Vec::new();
    let mut latency = Vec::new();
    for (path, model) in results
        .path_ids()
        .into_iter()
        .flat_map(|p| results.config.models.iter().map(move |m| (p, m)))
    {
        for &precision in &results.config.precisions {
            let measured: Vec<(usize, &InferenceMeasurement)> = results
                .config
                .batch_sizes
                .iter()
                .filter_map(|&b| {
                    results
                        .measured_on(path, &model.name, precision, b)
                        .map(|m| (b, m))
                })
                .collect();
            if measured.is_empty() && several {
                continue;
            }
            let base = path_label(several, path, format!("{} {}", model.name, precision));
            let headline: Vec<Point<'_>> = measured
                .iter()
                .map(|(b, m)| (*b as f64, *b, &m.timed, m.kernels.as_slice()))
                .collect();
            let clock = |kind: nlbench_results::schema::ClockKind| {
                if device {
                    format!("{base} · {}", kind.label())
                } else {
                    base.clone()
                }
            };
            let host = measured
                .first()
                .map_or(nlbench_results::schema::ClockKind::Host, |(_, m)| m.clock);
            throughput.push(throughput_series(&headline, clock(host)));
            latency.push(latency_series(&headline, clock(host)));
            let timed: Vec<Point<'_>> = measured
                .iter()
                .filter_map(|(b, m)| {
                    let d = m.device_time.as_ref()?.measured()?;
                    // The device-time run's kernels where they differ from the headline's.
                    let kernels = if d.kernels.is_empty() {
                        &m.kernels
                    } else {
                        &d.kernels
                    };
                    Some((*b as f64, *b, &d.timed, kernels.as_slice()))
                })
                .collect();
            if !timed.is_empty() {
                let label = clock(nlbench_results::schema::ClockKind::Device);
                throughput.push(throughput_series(&timed, label.clone()));
                latency.push(latency_series(&timed, label));
            }
        }
    }
    Figure {
        shared_legend: Vec::new(),
        columns: 0,
        title: format!(
            "Inference throughput and latency — {}",
            results.device.label()
        ),
        width_in: 11.0,
        height_in: 4.5,
        panels: vec![
            Panel {
                title: format!("Throughput ({})", clocks_title(results)),
                x_label: "Batch size".into(),
                y_label: "Throughput (samples/s)".into(),
                kind: PanelKind::LogLines,
                series: throughput,
            },
            Panel {
                title: "Latency per sample (median, 95 % interval)".into(),
                x_label: "Batch size".into(),
                y_label: "Latency (ms/sample)".into(),
                kind: PanelKind::LogLines,
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
        let measured: Vec<Point<'_>> = results
            .config
            .models
            .iter()
            .filter_map(|model| {
                results.measured(&model.name, precision, batch).map(|m| {
                    (
                        model.parameter_count() as f64,
                        batch,
                        &m.timed,
                        m.kernels.as_slice(),
                    )
                })
            })
            .collect();
        let label = format!("batch {batch}");
        throughput.push(throughput_series(&measured, label.clone()));
        latency.push(latency_series(&measured, label));
    }
    Figure {
        shared_legend: Vec::new(),
        columns: 0,
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
                kind: PanelKind::LogLines,
                series: throughput,
            },
            Panel {
                title: "Latency against model size".into(),
                x_label: "Parameters".into(),
                y_label: "Latency (ms/sample)".into(),
                kind: PanelKind::LogLines,
                series: latency,
            },
        ],
    }
}

/// The memory report's figures, each with the file stem it is saved under.
pub fn memory_figures(results: &ResultSet) -> Vec<(&'static str, Figure)> {
    vec![
        ("memory_comparison", memory_comparison_figure(results)),
        (
            "training_memory_breakdown",
            training_breakdown_figure(results),
        ),
    ]
}

/// Inference against training peak memory per batch size, one line per workload and mode.
pub fn memory_comparison_figure(results: &ResultSet) -> Figure {
    let mut series = Vec::new();
    let mut source = "measured";
    for workload in results.memory_workloads() {
        let peaks: Vec<(f64, Peaks)> = results
            .memory_by_batch(&workload)
            .into_iter()
            .map(|(b, m)| (b as f64, Peaks::of(m, b)))
            .collect();
        if peaks.iter().any(|(_, p)| !p.measured) {
            source = "analytical";
        }
        let line = |label: &str, pick: fn(&Peaks) -> u64| Series {
            label: format!("{} {label}", workload.label()),
            points: peaks
                .iter()
                .map(|(b, p)| (*b, pick(p) as f64 / MIB))
                .collect(),
            ..Series::default()
        };
        if !peaks.is_empty() {
            series.push(line("inference", |p| p.inference));
            series.push(line("training SGD", |p| p.sgd));
            series.push(line("training Adam", |p| p.adam));
        }
    }
    Figure {
        shared_legend: Vec::new(),
        columns: 0,
        title: format!("Inference vs training memory — {}", results.device.label()),
        width_in: 7.5,
        height_in: 5.0,
        panels: vec![Panel {
            title: format!("Peak memory ({source}, FP32)"),
            x_label: "Batch size".into(),
            y_label: "Peak memory (MiB)".into(),
            kind: PanelKind::LogLines,
            series,
        }],
    }
}

/// Stacked analytical bytes of one training step (Adam) per batch size, for the first
/// workload measured: weights, input and activations (and a KV cache), gradients, optimizer
/// state.
pub fn training_breakdown_figure(results: &ResultSet) -> Figure {
    let workload = results.memory_workloads().into_iter().next();
    let rows: Vec<(usize, nlbench_results::schema::TrainingAnalytical)> = workload
        .as_ref()
        .map(|workload| {
            results
                .memory_by_batch(workload)
                .into_iter()
                .map(|(b, m)| (b, m.analytical))
                .collect()
        })
        .unwrap_or_default();
    let layer =
        |label: &str, pick: fn(&nlbench_results::schema::TrainingAnalytical) -> u64| Series {
            label: label.into(),
            points: rows
                .iter()
                .enumerate()
                .map(|(i, (_, a))| (i as f64, pick(a) as f64 / MIB))
                .collect(),
            ..Series::default()
        };
    Figure {
        shared_legend: Vec::new(),
        columns: 0,
        title: format!(
            "Training memory breakdown ({}, Adam, analytical) — {}",
            workload.map_or("no workload".into(), |w| w.label()),
            results.device.label()
        ),
        width_in: 7.5,
        height_in: 5.0,
        panels: vec![Panel {
            title: "One training step".into(),
            x_label: "Batch size".into(),
            y_label: "Memory (MiB)".into(),
            kind: PanelKind::StackedBars {
                categories: rows.iter().map(|(b, _)| b.to_string()).collect(),
            },
            series: [
                layer("weights", |a| a.parameter_bytes),
                layer("input + activations", |a| {
                    a.input_bytes.saturating_add(a.activation_bytes)
                }),
                layer("KV cache", |a| a.kv_cache_bytes),
                layer("gradients", |a| a.gradient_bytes),
                layer("optimizer state", |a| a.adam_state_bytes),
            ]
            .into_iter()
            .filter(|s| s.points.iter().any(|&(_, y)| y > 0.0))
            .collect(),
        }],
    }
}
