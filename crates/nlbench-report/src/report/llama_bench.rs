//! The decoder's tests as llama-bench prints them (model, size, parameters, backend,
//! precision, batch, test, t/s), so its figures sit beside the ones llama.cpp users quote.
//! Its t/s is llama-bench's: the mean ± standard deviation over the timed runs of each run's
//! tokens per second.

use super::{fmt_bytes, fmt_count, markdown_table};
use nlbench_results::{
    analysis::not_measured_text,
    schema::{InferenceRecord, Outcome, ResultSet, Timed},
    stats::Summary,
    workload::Workload,
};

/// The table of `workload`'s rows that have a llama-bench test, or nothing.
pub(crate) fn table(results: &ResultSet, workload: &Workload) -> String {
    let rows: Vec<&InferenceRecord> = results
        .workload_rows()
        .filter(|r| workload.is(r.workload, &r.model) && r.test.is_some())
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut table = markdown_table([
        "model",
        "size",
        "params",
        "backend",
        "precision",
        "batch",
        "test",
        "t/s",
    ]);
    for record in rows {
        let figures = workload.figures(record.phase);
        let tokens = workload.unit(record.phase).tokens.unwrap_or(1);
        let rate = match &record.outcome {
            Outcome::Measured(m) => tokens_per_second(&m.timed, tokens * record.batch_size as u64)
                .map_or_else(
                    || "n/a".to_owned(),
                    |s| format!("{:.2} ± {:.2}", s.mean, s.std_dev),
                ),
            other => not_measured_text(other).unwrap_or_default(),
        };
        table.add_row([
            format!("{} {}", workload.kind(), workload.name()),
            fmt_bytes(figures.parameters * record.precision.bytes()),
            fmt_count(figures.parameters as f64),
            format!("{} {}", results.device.backend_label(), record.path.label()),
            record.precision.to_string(),
            record.batch_size.to_string(),
            record.test.clone().unwrap_or_default(),
            rate,
        ]);
    }
    format!(
        "### {} {} as llama-bench prints it\n\nt/s: the mean ± standard deviation over the timed \
         runs of tokens × batch ÷ the run's time (llama-bench's definition); `ppN` is a prefill \
         of N tokens, `tgN` N tokens generated one by one. Weights are random and the \
         vocabulary the preset's, so the figures hold against a model of the same shape, \
         not a trained one's outputs.\n\n{table}\n\n",
        workload.kind(),
        workload.name()
    )
}

/// Each timed run's tokens per second, `tokens` per run, summarised.
fn tokens_per_second(timed: &Timed, tokens: u64) -> Option<Summary> {
    let rates: Vec<f64> = timed
        .raw_batch_ms
        .iter()
        .map(|ms| tokens as f64 / (ms / 1000.0))
        .collect();
    Summary::of(&rates)
}
