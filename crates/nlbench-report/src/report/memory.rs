//! `MEMORY_REPORT.md`: inference and training memory, where it goes, and how it scales.

use std::fmt::Write;

use super::{fmt_bytes, format::fmt_ms, header::header, markdown_table};
use nlbench_results::{
    analysis::memory::Peaks,
    schema::{MemoryMeasurement, MemoryOutcome, OptimizerKind, ResultSet},
    stats::LinearFit,
    workload::Workload,
};

/// Below this R², memory is said not to grow linearly with the batch size.
const LINEAR_R_SQUARED: f64 = 0.98;

pub fn memory_report(results: &ResultSet) -> String {
    let mut out = String::from("# nlbench memory profile\n\n");
    out.push_str(&header(results, None));
    out.push_str(
        "Memory is measured at FP32, on the backend's allocator, as bytes in use above the \
         baseline taken before the model existed; analytical figures follow from the shapes \
         alone. Their difference is allocator overhead (alignment, padding, scratch buffers) \
         less what burn frees early: the analytical training peak counts weights, activations, \
         gradients and optimizer state alive at once, while burn releases saved activations \
         during the backward pass and gradients once the optimizer has used them.\n\n",
    );
    for workload in &results.memory_workloads() {
        writeln!(out, "## {}\n", workload.label()).unwrap();
        if !matches!(workload, Workload::Mlp(_)) {
            out.push_str(&trained_on(workload));
        }
        out.push_str(&inference_table(results, workload));
        out.push_str(&training_table(results, workload));
        out.push_str(&breakdown_table(results, workload));
        out.push_str(&layer_table(results, workload));
        out.push_str(&efficiency(results, workload));
    }
    let failed: Vec<String> = results
        .memory
        .iter()
        .filter_map(|r| match &r.outcome {
            MemoryOutcome::Failed { kind, reason } => Some(format!(
                "{} batch {}: failed ({}): {reason}",
                r.label(),
                r.batch_size,
                kind.label()
            )),
            MemoryOutcome::Skipped { reason } => Some(format!(
                "{} batch {}: skipped: {reason}",
                r.label(),
                r.batch_size
            )),
            MemoryOutcome::Measured(_) => None,
        })
        .collect();
    if !failed.is_empty() {
        writeln!(
            out,
            "## Configurations without figures\n\n- {}\n",
            failed.join("\n- ")
        )
        .unwrap();
    }
    out
}

/// What a workload's readings ran: the pass it is measured and trained on.
fn trained_on(workload: &Workload) -> String {
    let pass = workload.shapes().measured_pass();
    format!(
        "Inference and one training step (against a random target of the output's shape) \
         run {pass}. The per-layer profile is the MLP's alone.\n\n"
    )
}

/// A row of measured figures beside the analytical peak: `lead` cells, then the measured
/// cells and the peak's difference from `analytical`, or `n/a` (with the reason) in each
/// measured cell where the allocator reported nothing.
fn against_analytical<const N: usize>(
    lead: Vec<String>,
    measured: Option<([String; N], u64)>,
    m: &MemoryMeasurement,
    analytical: u64,
) -> Vec<String> {
    let mut row = lead;
    match measured {
        Some((cells, peak)) => {
            row.extend(cells);
            row.extend([fmt_bytes(analytical), signed_bytes(peak, analytical)]);
        }
        None => {
            row.extend(std::iter::repeat_n(na(m), N));
            row.extend([fmt_bytes(analytical), "–".into()]);
        }
    }
    row
}

fn na(m: &MemoryMeasurement) -> String {
    format!(
        "n/a ({})",
        m.allocator_unavailable.as_deref().unwrap_or("not reported")
    )
}

fn signed_bytes(measured: u64, analytical: u64) -> String {
    if measured >= analytical {
        format!("+{}", fmt_bytes(measured - analytical))
    } else {
        format!("−{}", fmt_bytes(analytical - measured))
    }
}

fn inference_table(results: &ResultSet, workload: &Workload) -> String {
    let mut table = markdown_table([
        "Batch",
        "Weights (measured)",
        "Peak in use (measured)",
        "Reserved (measured)",
        "Peak (analytical)",
        "Measured − analytical",
    ]);
    for (batch, m) in results.memory_by_batch(workload) {
        let measured = m.inference.map(|inf| {
            let cells = [
                inf.after_weights.saturating_sub(inf.baseline_in_use),
                inf.peak_above_baseline(),
                inf.peak_reserved,
            ];
            (cells.map(fmt_bytes), inf.peak_above_baseline())
        });
        table.add_row(against_analytical(
            vec![batch.to_string()],
            measured,
            m,
            m.analytical.inference_total(),
        ));
    }
    format!("### Inference memory\n\n{table}\n\n")
}

fn training_table(results: &ResultSet, workload: &Workload) -> String {
    let mut table = markdown_table([
        "Batch",
        "Optimizer",
        "After forward",
        "After backward",
        "After step",
        "Peak (measured)",
        "Peak (analytical)",
        "Measured − analytical",
    ]);
    for (batch, m) in results.memory_by_batch(workload) {
        for kind in [OptimizerKind::Sgd, OptimizerKind::Adam] {
            let measured = m.training.iter().find(|t| t.optimizer == kind).map(|t| {
                let cells = [
                    t.after_forward.saturating_sub(t.baseline_in_use),
                    t.after_backward.saturating_sub(t.baseline_in_use),
                    t.after_step.saturating_sub(t.baseline_in_use),
                    t.peak_above_baseline(),
                ];
                (cells.map(fmt_bytes), t.peak_above_baseline())
            });
            table.add_row(against_analytical(
                vec![batch.to_string(), kind.label().into()],
                measured,
                m,
                m.analytical.training_total(kind),
            ));
        }
    }
    format!("### Training memory (one step)\n\n{table}\n\n")
}

fn breakdown_table(results: &ResultSet, workload: &Workload) -> String {
    let rows = results.memory_by_batch(workload);
    let cache = rows.iter().any(|(_, m)| m.analytical.kv_cache_bytes > 0);
    let mut headers = vec!["Batch", "Weights", "Input + activations"];
    if cache {
        headers.push("KV cache");
    }
    headers.extend(["Gradients", "SGD state", "Adam state"]);
    let mut table = markdown_table(headers);
    for (batch, m) in rows {
        let a = &m.analytical;
        let mut row = vec![
            batch.to_string(),
            fmt_bytes(a.parameter_bytes),
            fmt_bytes(a.input_bytes.saturating_add(a.activation_bytes)),
        ];
        if cache {
            row.push(fmt_bytes(a.kv_cache_bytes));
        }
        row.extend([
            fmt_bytes(a.gradient_bytes),
            fmt_bytes(a.sgd_state_bytes),
            fmt_bytes(a.adam_state_bytes),
        ]);
        table.add_row(row);
    }
    format!("### Training breakdown (analytical)\n\n{table}\n\n")
}

fn layer_table(results: &ResultSet, workload: &Workload) -> String {
    let Some((batch, m)) = results
        .memory_by_batch(workload)
        .pop()
        .filter(|(_, m)| !m.layers.is_empty())
    else {
        return String::new();
    };
    let mut table = markdown_table([
        "Module",
        "Parameters",
        "Output",
        "Time, median (ms)",
        "Time, p90 (ms)",
    ]);
    for layer in &m.layers {
        let (median, p90) = layer
            .time_ms
            .as_ref()
            .map(|t| (fmt_ms(t.median), fmt_ms(t.p90)))
            .unwrap_or_else(|| ("n/a".into(), "n/a".into()));
        table.add_row(vec![
            layer.name.clone(),
            fmt_bytes(layer.parameter_bytes),
            fmt_bytes(layer.output_bytes),
            median,
            p90,
        ]);
    }
    format!(
        "### Per-layer profile (batch {batch})\n\nEach module timed alone, with {}.\n\n{table}\n\n",
        results
            .memory_timing
            .as_ref()
            .unwrap_or(&results.timing)
            .clock
    )
}

fn efficiency(results: &ResultSet, workload: &Workload) -> String {
    let rows = results.memory_by_batch(workload);
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("### Efficiency\n\n");
    let mut table = markdown_table([
        "Batch",
        "Training ÷ inference (SGD)",
        "Training ÷ inference (Adam)",
        "Inference bytes/sample",
        "Training bytes/sample",
        "Source",
    ]);
    let mut points = Vec::new();
    for &(batch, m) in &rows {
        let peaks = Peaks::of(m, batch);
        table.add_row(vec![
            batch.to_string(),
            format!("{:.2}×", peaks.sgd as f64 / peaks.inference.max(1) as f64),
            format!("{:.2}×", peaks.adam as f64 / peaks.inference.max(1) as f64),
            fmt_bytes(peaks.inference_per_sample),
            fmt_bytes(peaks.training_per_sample),
            if peaks.measured {
                "measured"
            } else {
                "analytical"
            }
            .into(),
        ]);
        points.push((batch as f64, peaks.training_forward as f64, peaks.measured));
    }
    writeln!(
        out,
        "Training overhead is the training peak over the inference peak; it is usually 2 to 3×. \
         Bytes per sample are what a forward pass adds to the weights (its output, and in \
         training the activations saved for backward), divided by the batch size: near \
         constant when memory grows linearly.\n\n{table}\n"
    )
    .unwrap();
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let source = if points.iter().all(|p| p.2) {
        "measured"
    } else {
        "analytical"
    };
    match LinearFit::of(&xs, &ys) {
        Some(fit) => {
            writeln!(
                out,
                "Linear fit of training memory after the forward pass (weights and saved \
                 activations, {source}) against batch size: {} fixed + {} per sample, R² = {:.4}.",
                fmt_bytes(fit.intercept.max(0.0) as u64),
                fmt_bytes(fit.slope.max(0.0) as u64),
                fit.r_squared
            )
            .unwrap();
            if fit.r_squared < LINEAR_R_SQUARED {
                writeln!(
                    out,
                    "Memory does not grow linearly with the batch size here (R² under {LINEAR_R_SQUARED}): \
                     the allocator pools and pads buffers, so small batches cost more than their share."
                )
                .unwrap();
            }
            out.push('\n');
        }
        None => out.push_str("One batch size only: no linear fit.\n\n"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::{fixtures, schema::MemoryOutcome};

    #[test]
    fn analytical_when_no_allocator() {
        let mut results = fixtures::results();
        for record in &mut results.memory {
            if let MemoryOutcome::Measured(m) = &mut record.outcome {
                m.inference = None;
                m.training.clear();
                m.allocator_unavailable = Some("the CPU backend has no allocator report".into());
            }
        }
        let report = memory_report(&results);
        assert!(report.contains("n/a (the CPU backend has no allocator report)"));
        assert!(report.contains("| analytical"));
        assert!(report.contains("saved activations, analytical)"));
        let small = Workload::Mlp(results.model("small").unwrap().clone());
        let m = results.memory_measured(&small, 1).unwrap();
        let peaks = Peaks::of(m, 1);
        assert!(!peaks.measured);
        assert!(peaks.adam > peaks.sgd && peaks.sgd > peaks.inference);
    }
}
