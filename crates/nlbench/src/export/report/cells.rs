//! The cells several report tables share: a throughput with its interval, a row's verdicts,
//! a ceiling's figure. Kept apart so the report's sections import them, never each other.

use super::{fmt_count, format::fmt_with_interval};
use crate::{
    analysis::verdicts::{self, throughput_interval},
    schema::{Ceiling, Timed, Verdict},
};

/// Throughput with its interval and, under 95 %, the interval's coverage.
pub(crate) fn throughput_cell(t: &Timed, batch: usize) -> String {
    fmt_with_interval(t.throughput, throughput_interval(t, batch))
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
