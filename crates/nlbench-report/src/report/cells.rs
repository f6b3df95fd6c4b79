//! The cells several report tables share: a throughput with its interval, a row's verdicts,
//! a ceiling's figure. Kept apart so the report's sections import them, never each other.

use super::{
    fmt_count,
    format::{fmt_ms, fmt_with_interval},
};
use nlbench_results::{
    analysis::verdicts::{self, throughput_interval},
    schema::{Ceiling, Timed, Verdict},
    stats::Summary,
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
