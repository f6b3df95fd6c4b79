//! The training suite's rows: one optimizer step per workload and batch size, its throughput
//! in the workload's unit with its interval, the step's time, the loss over the first steps
//! (falling where the step trains) and, where the memory suite ran too, its peak memory.

use super::{
    TextTable, cells::throughput_cell, cells::verdict_cell, fmt_bytes, fmt_ms, markdown_table,
};
use nlbench_results::{
    analysis::memory::Peaks,
    schema::{MemoryOutcome, ResultSet, TrainingOutcome, TrainingRecord},
};

const HEADERS: [&str; 10] = [
    "Workload",
    "Batch",
    "Optimizer",
    "Unit",
    "Per second (95 % CI)",
    "Step, median (ms)",
    "GFLOP/s",
    "Loss, first steps",
    "Peak memory (Adam)",
    "Verdicts",
];

/// The rows as a plain table, for the terminal and the dashboard.
pub fn training_summary(results: &ResultSet) -> TextTable {
    TextTable {
        headers: HEADERS.map(str::to_owned).to_vec(),
        rows: results.training.iter().map(|r| row(results, r)).collect(),
    }
}

/// The report's training section, or nothing where the suite did not run.
pub(crate) fn training_section(results: &ResultSet) -> String {
    if results.training.is_empty() {
        return String::new();
    }
    let mut table = markdown_table(HEADERS);
    for record in &results.training {
        table.add_row(row(results, record));
    }
    format!(
        "## Training\n\nOne optimizer step per row on burn's autodiff backend, FP32: the forward \
         pass over the batch, a mean squared error against a seeded random target, backward, \
         the optimizer's update, every parameter read back to the host; the same batch and \
         target every step, so the loss falls where the step trains. Host clock, the timing \
         protocol of the inference rows; per second counts the workload's unit (samples, \
         sequences, prompts, images); GFLOP/s counts three times the forward pass's FLOPs. \
         The peak memory is the memory suite's reading of the same step, where it ran.\n\n\
         {table}\n\n"
    )
}

fn row(results: &ResultSet, record: &TrainingRecord) -> Vec<String> {
    let unit = results
        .config
        .workload(record.workload, &record.model)
        .map_or("samples", |w| w.unit(w.phases()[0]).samples);
    let mut row = vec![
        record.label(),
        record.batch_size.to_string(),
        record.optimizer.label().to_owned(),
        unit.to_owned(),
    ];
    match &record.outcome {
        TrainingOutcome::Measured(m) => row.extend([
            throughput_cell(&m.timed, record.batch_size),
            fmt_ms(m.timed.batch_latency_ms.median),
            format!("{:.2}", m.timed.gflops),
            losses(&m.losses),
            peak_memory(results, record),
            verdict_cell(&m.timed.verdicts),
        ]),
        TrainingOutcome::Skipped { reason } => {
            row.push(format!("skipped: {reason}"));
            row.resize(HEADERS.len(), "–".into());
        }
        TrainingOutcome::Failed { kind, reason } => {
            row.push(format!("failed ({}): {reason}", kind.label()));
            row.resize(HEADERS.len(), "–".into());
        }
    }
    row
}

/// `1.25 → 0.86 (4 steps)`: the first and the last loss kept.
fn losses(losses: &[f64]) -> String {
    match (losses.first(), losses.last()) {
        (Some(first), Some(last)) => {
            format!("{first:.4} → {last:.4} ({} steps)", losses.len())
        }
        _ => "–".into(),
    }
}

/// The memory suite's peak of the same workload and batch with Adam, where it measured one.
fn peak_memory(results: &ResultSet, record: &TrainingRecord) -> String {
    results
        .memory
        .iter()
        .filter(|m| m.workload == record.workload && m.model == record.model)
        .filter(|m| m.batch_size == record.batch_size)
        .find_map(|m| match &m.outcome {
            MemoryOutcome::Measured(measured) => {
                Some(fmt_bytes(Peaks::of(measured, m.batch_size).adam))
            }
            _ => None,
        })
        .unwrap_or_else(|| "–".into())
}
