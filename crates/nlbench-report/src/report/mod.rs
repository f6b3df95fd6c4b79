//! Markdown reports, generated from a [`ResultSet`](nlbench_results::schema::ResultSet) alone, so the
//! command line and the dashboard write the same document, and the plain-text tables the
//! terminal and the dashboard show.

mod cells;
mod comparison;
mod format;
mod glance;
mod header;
mod inference;
mod llama_bench;
mod memory;
mod roofline;
mod summary;
mod terminal;
mod training;
mod workloads;

pub(crate) use cells::tail_cells;
pub use comparison::{comparison_report, throughput_table, training_table};
pub use format::{fmt_bytes, fmt_count, fmt_ms, fmt_percent, fmt_ratio};
pub use glance::{glance_summary, unsupported_notes};
pub use inference::benchmark_report;
pub use memory::memory_report;
pub use summary::{
    TextTable, ceilings_summary, kernels_summary, memory_summary, supported_summary,
};
pub use terminal::{fit_table, row_line, terminal_summary};
pub use training::training_summary;

use comfy_table::{Table, presets::ASCII_MARKDOWN};

/// A Markdown table with the given header row.
pub(crate) fn markdown_table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(header);
    table
}
