//! The table printed on the terminal at the end of a run.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use nlbench::{
    report::{Peaks, fmt_bytes, fmt_count},
    schema::{MemoryOutcome, Outcome, ResultSet},
};

pub fn table(results: &ResultSet) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "Model",
        "Precision",
        "Batch",
        "Samples/s",
        "ms/sample",
        "Batch ms (p50 / p99)",
        "GFLOP/s",
        "Peak memory",
    ]);
    for record in &results.inference {
        let mut row = vec![
            record.model.clone(),
            record.precision.to_string(),
            record.batch_size.to_string(),
        ];
        match &record.outcome {
            Outcome::Measured(m) => row.extend([
                fmt_count(m.throughput),
                format!("{:.4}", m.sample_latency_ms.median),
                format!(
                    "{:.3} / {:.3}",
                    m.batch_latency_ms.median, m.batch_latency_ms.p99
                ),
                format!("{:.2}", m.gflops),
                m.memory
                    .allocator
                    .map(|a| fmt_bytes(a.peak_in_use))
                    .unwrap_or_else(|| "n/a".into()),
            ]),
            Outcome::Unsupported { reason } => row.push(reason.clone()),
            Outcome::Failed { reason } => row.push(format!("failed: {reason}")),
        }
        table.add_row(row);
    }
    table
}

/// Peak memory of the memory suite: inference against training.
pub fn memory_table(results: &ResultSet) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "Model",
        "Batch",
        "Inference peak",
        "Training peak (SGD)",
        "Training peak (Adam)",
        "Adam ÷ inference",
        "Source",
    ]);
    for record in &results.memory {
        let mut row = vec![record.model.clone(), record.batch_size.to_string()];
        match &record.outcome {
            MemoryOutcome::Measured(m) => {
                let peaks = Peaks::of(m, record.batch_size);
                row.extend([
                    fmt_bytes(peaks.inference),
                    fmt_bytes(peaks.sgd),
                    fmt_bytes(peaks.adam),
                    format!("{:.2}×", peaks.adam as f64 / peaks.inference as f64),
                    if peaks.measured {
                        "allocator"
                    } else {
                        "analytical"
                    }
                    .into(),
                ]);
            }
            MemoryOutcome::Failed { reason } => row.push(format!("failed: {reason}")),
        }
        table.add_row(row);
    }
    table
}
