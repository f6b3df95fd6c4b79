//! The cells several report tables share: a throughput with its interval, a row's verdicts,
//! a ceiling's figure. Kept apart so the report's sections import them, never each other.

use super::{
    fmt_count,
    format::{fmt_ms, fmt_with_interval},
};
use nlbench_results::{
    analysis::verdicts::{self, throughput_interval},
    schema::{Ceiling, Timed, Verdict},
    stats::{Interval, Summary, samples_for_interval},
};

/// Throughput with its interval and, under 95 %, the interval's coverage.
pub(crate) fn throughput_cell(t: &Timed, batch: usize) -> String {
    fmt_with_interval(t.throughput, throughput_interval(t, batch))
}

/// A latency's median with its interval in brackets: "1.478 [1.459 – 1.492]".
pub(crate) fn median_cell(summary: &Summary) -> String {
    match summary.median_ci {
        Some(ci) => format!(
            "{} [{} – {}]",
            fmt_ms(summary.median),
            fmt_ms(ci.low),
            fmt_ms(ci.high)
        ),
        None => fmt_ms(summary.median),
    }
}

/// A tail quantile (`q` of 0.9 or 0.99) with its interval in brackets, or where the samples
/// are too few for one, how many its interval needs: "2.104 (interval from 299 runs)".
/// Results older than schema version 11 have no tail intervals: the figure alone.
pub(crate) fn tail_cell(value: f64, interval: Option<Interval>, count: usize, q: f64) -> String {
    match interval {
        Some(ci) => format!(
            "{} [{} – {}]",
            fmt_ms(value),
            fmt_ms(ci.low),
            fmt_ms(ci.high)
        ),
        None if count < samples_for_interval(q) => format!(
            "{} (interval from {} runs)",
            fmt_ms(value),
            samples_for_interval(q)
        ),
        None => fmt_ms(value),
    }
}

/// The p90 and p99 cells of a row's latencies.
pub(crate) fn tail_cells(summary: &Summary) -> [String; 2] {
    [
        tail_cell(summary.p90, summary.p90_ci, summary.count, 0.9),
        tail_cell(summary.p99, summary.p99_ci, summary.count, 0.99),
    ]
}

/// A row's verdicts in short, or a dash where there are none.
pub(crate) fn verdict_cell(found: &[Verdict]) -> String {
    if found.is_empty() {
        "–".into()
    } else {
        found
            .iter()
            .map(verdicts::short)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A ceiling's figure in `unit`, or why it is missing.
pub(crate) fn ceiling_text(ceiling: &Ceiling, unit: &str) -> String {
    match ceiling {
        Ceiling::Measured { value } => format!("{} {unit}", fmt_count(*value)),
        Ceiling::Unavailable { reason } => format!("n/a ({reason})"),
    }
}
