//! What a run prints on the terminal, fitted to its width: the rows as they finish, and at the
//! end a summary of the few columns a person reads first (configuration, throughput with its
//! interval, latency, a verdict in a word), one table per workload. The full tables stay in
//! the reports. A terminal too narrow for every column drops them in a stated order
//! ([`DROPPED_FIRST`]) rather than wrapping rows into several lines, and cuts long cells (a
//! failure's reason) short with `…`.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use super::{
    TextTable, ceilings_summary, cells::throughput_cell, fmt_ms, glance::unsupported_notes,
    memory_summary, summary::unit_of, training_summary,
};
use nlbench_results::{
    analysis::{not_measured_text, verdicts},
    config::BenchConfig,
    schema::{DeviceTime, InferenceRecord, Outcome, ResultSet},
};

/// The columns of a workload's table that a narrow terminal drops, first to last: the
/// device-time figure (the headline is the host clock's), the p99 latency, the verdict, the
/// median latency. The configuration and the throughput always stay.
const DROPPED_FIRST: [&str; 4] = ["Device time", "p99 ms", "Verdict", "ms per batch"];

/// The memory table's columns a narrow terminal drops, first to last.
const MEMORY_DROPPED_FIRST: [&str; 3] = ["Source", "Adam ÷ inference", "Training peak (SGD)"];
/// The training table's columns dropped first on a narrow terminal.
const TRAINING_DROPPED_FIRST: [&str; 6] = [
    "GFLOP/s",
    "Optimizer",
    "Peak memory (Adam)",
    "Loss, first steps",
    "Unit",
    "Verdicts",
];

/// The narrowest a cut cell becomes: enough to read what it begins with.
const NARROWEST_CELL: usize = 12;

/// The end-of-run summary in `width` columns: the device's ceilings, a table per workload
/// (and phase), the configurations the device could not run (each reason once), the memory
/// suite's peaks.
pub fn terminal_summary(results: &ResultSet, width: usize) -> String {
    let mut out = String::new();
    if let Some(ceilings) = ceilings_summary(results) {
        out.push_str(&fit_table(ceilings, &[], width));
    }
    for (label, records) in by_workload(&results.inference) {
        let unit = unit_of(&results.config, records[0]);
        out.push_str(&fit_line(&format!("{label} ({unit}/s)"), width));
        out.push('\n');
        out.push_str(&fit_table(
            workload_table(results, &records, unit),
            &DROPPED_FIRST,
            width,
        ));
    }
    for note in unsupported_notes(results) {
        out.push_str(&fit_line(&format!("not run: {note}"), width));
        out.push('\n');
    }
    if !results.memory.is_empty() {
        out.push_str(&fit_table(
            memory_summary(results),
            &MEMORY_DROPPED_FIRST,
            width,
        ));
    }
    if !results.training.is_empty() {
        out.push_str(&fit_line(
            "training step, FP32 (per second in each workload's unit)",
            width,
        ));
        out.push('\n');
        out.push_str(&fit_table(
            training_summary(results),
            &TRAINING_DROPPED_FIRST,
            width,
        ));
    }
    out
}

/// The rows each workload (and phase) ran, in the order first measured, without those the
/// device could not run at all (said once each below the tables).
fn by_workload(records: &[InferenceRecord]) -> Vec<(String, Vec<&InferenceRecord>)> {
    let mut groups: Vec<(String, Vec<&InferenceRecord>)> = Vec::new();
    for record in records {
        if matches!(record.outcome, Outcome::Unsupported { .. }) {
            continue;
        }
        let label = record.label();
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, rows)) => rows.push(record),
            None => groups.push((label, vec![record])),
        }
    }
    groups
}

/// One workload's table: its configurations with their throughput (interval), median and
/// p99 batch latency, verdict in a word and, where taken, the device time's throughput.
fn workload_table(results: &ResultSet, records: &[&InferenceRecord], unit: &str) -> TextTable {
    let several_paths = results.paths.len() > 1;
    let device = records
        .iter()
        .any(|r| matches!(&r.outcome, Outcome::Measured(m) if m.device_time.is_some()));
    let mut headers = vec![
        "Configuration".to_owned(),
        format!("{unit}/s (95 % CI)"),
        "ms per batch".to_owned(),
        "p99 ms".to_owned(),
        "Verdict".to_owned(),
    ];
    if device {
        headers.push("Device time".to_owned());
    }
    let rows = records
        .iter()
        .map(|r| {
            let mut row = vec![configuration(r, several_paths)];
            match &r.outcome {
                Outcome::Measured(m) => {
                    row.extend([
                        throughput_cell(&m.timed, r.batch_size),
                        fmt_ms(m.timed.batch_latency_ms.median),
                        fmt_ms(m.timed.batch_latency_ms.p99),
                        verdicts::word(&m.timed.verdicts),
                    ]);
                    if device {
                        row.push(match &m.device_time {
                            Some(DeviceTime::Measured(d)) => {
                                throughput_cell(&d.timed, r.batch_size)
                            }
                            Some(DeviceTime::Failed { kind, .. }) => {
                                format!("failed ({})", kind.label())
                            }
                            None => "–".into(),
                        });
                    }
                }
                other => {
                    row.push(not_measured_text(other).unwrap_or_default());
                    row.resize(headers.len(), String::new());
                }
            }
            row
        })
        .collect();
    TextTable { headers, rows }
}

/// `FP32 · batch 16`, and the path where the run had several.
fn configuration(record: &InferenceRecord, several_paths: bool) -> String {
    let path = if several_paths {
        format!(" · {}", record.path.label())
    } else {
        String::new()
    };
    format!("{} · batch {}{path}", record.precision, record.batch_size)
}

/// One finished row in a line of at most `width` columns, for a terminal that prints rows as
/// they come: the configuration and its path, the headline throughput with its interval, the
/// median batch latency and, where taken, the device time's throughput; or why it has no
/// figures. The device time goes first where the line is too long, then the latency, then the
/// line is cut.
pub fn row_line(config: &BenchConfig, record: &InferenceRecord, width: usize) -> String {
    let unit = unit_of(config, record);
    let what = format!(
        "{} {} batch {} · {}",
        record.label(),
        record.precision,
        record.batch_size,
        record.path.label()
    );
    let Outcome::Measured(m) = &record.outcome else {
        return fit_line(
            &format!(
                "{what}: {}",
                not_measured_text(&record.outcome).unwrap_or_default()
            ),
            width,
        );
    };
    let device = match &m.device_time {
        Some(DeviceTime::Measured(d)) => format!(
            "; device time {} {unit}/s",
            throughput_cell(&d.timed, record.batch_size)
        ),
        Some(DeviceTime::Failed { kind, reason }) => {
            format!("; device time failed ({}): {reason}", kind.label())
        }
        None => String::new(),
    };
    let headline = format!(
        "{what}: {} {unit}/s",
        throughput_cell(&m.timed, record.batch_size)
    );
    let latency = format!(", {} ms per batch", fmt_ms(m.timed.batch_latency_ms.median));
    [
        format!("{headline}{latency}{device}"),
        format!("{headline}{latency}"),
    ]
    .into_iter()
    .find(|line| columns(line) <= width)
    .unwrap_or_else(|| fit_line(&headline, width))
}

/// `text` in at most `width` columns: cut, with `…` at the end, where it is longer.
fn fit_line(text: &str, width: usize) -> String {
    if columns(text) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Columns `text` takes on a terminal. Every character nlbench prints is one column wide
/// (box drawing, `–`, `×`, `µ`); a device's name is the one text from elsewhere.
fn columns(text: &str) -> usize {
    text.chars().count()
}

/// `table` drawn in at most `width` columns: the columns named in `dropped` go, in that
/// order, until it fits; then the widest column's cells are cut, down to [`NARROWEST_CELL`];
/// past that, the lines are cut.
pub fn fit_table(table: TextTable, dropped: &[&str], width: usize) -> String {
    let TextTable {
        mut headers,
        mut rows,
    } = table;
    let mut shown: Vec<bool> = vec![true; headers.len()];
    let drop_order: Vec<usize> = dropped
        .iter()
        .filter_map(|name| headers.iter().position(|h| h == name))
        .collect();
    let mut drops = drop_order.into_iter();
    loop {
        let text = render(&headers, &rows, &shown);
        let widest = text.lines().map(columns).max().unwrap_or(0);
        if widest <= width {
            return text;
        }
        if let Some(column) = drops.next() {
            shown[column] = false;
            continue;
        }
        // The widest cell of the widest shown column, cut by what the table is over.
        let Some((column, longest)) = (0..headers.len())
            .filter(|&c| shown[c])
            .map(|c| {
                let longest = std::iter::once(&headers[c])
                    .chain(rows.iter().filter_map(|r| r.get(c)))
                    .map(|cell| columns(cell))
                    .max()
                    .unwrap_or(0);
                (c, longest)
            })
            .max_by_key(|&(_, longest)| longest)
            .filter(|&(_, longest)| longest > NARROWEST_CELL)
        else {
            return text
                .lines()
                .map(|line| fit_line(line, width) + "\n")
                .collect();
        };
        let to = longest.saturating_sub(widest - width).max(NARROWEST_CELL);
        headers[column] = fit_line(&headers[column], to);
        for row in &mut rows {
            if let Some(cell) = row.get_mut(column) {
                *cell = fit_line(cell, to);
            }
        }
    }
}

/// The shown columns of `headers` and `rows` drawn with box characters, a line at the end.
fn render(headers: &[String], rows: &[Vec<String>], shown: &[bool]) -> String {
    let pick = |cells: &[String]| -> Vec<String> {
        cells
            .iter()
            .zip(shown)
            .filter(|(_, shown)| **shown)
            .map(|(cell, _)| cell.clone())
            .collect()
    };
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(pick(headers));
    for row in rows {
        table.add_row(pick(row));
    }
    format!("{table}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::fixtures;

    fn widest(text: &str) -> usize {
        text.lines().map(columns).max().unwrap_or(0)
    }

    #[test]
    fn the_summary_fits_every_width_and_drops_columns_in_order() {
        let results = fixtures::results();
        let wide = terminal_summary(&results, 200);
        assert!(
            wide.contains("p99 ms") && wide.contains("Verdict"),
            "{wide}"
        );
        for width in [120, 100, 80, 60, 40] {
            let text = terminal_summary(&results, width);
            assert!(widest(&text) <= width, "{width} columns:\n{text}");
            // Every row is still there, by its configuration, however narrow.
            assert!(text.contains("FP32 · batch 1"), "{width} columns:\n{text}");
        }
        // At 80 columns the p99 goes before the verdict, and the throughput stays.
        let narrow = terminal_summary(&results, 80);
        assert!(!narrow.contains("p99 ms"), "{narrow}");
        assert!(narrow.contains("samples/s (95 % CI)"), "{narrow}");
    }

    #[test]
    fn rows_as_they_finish_fit_their_line() {
        let results = fixtures::results();
        let record = &results.inference[0];
        let line = row_line(&results.config, record, 200);
        assert!(
            line.starts_with("small FP32 batch 1 · burn: 1,951 (")
                && line.ends_with(" ms per batch"),
            "{line}"
        );
        let short = row_line(&results.config, record, 50);
        assert_eq!(short.chars().count(), 50, "{short}");
        assert!(short.ends_with('…'));
        let failed = results
            .inference
            .iter()
            .find(|r| matches!(r.outcome, Outcome::Failed { .. }))
            .unwrap();
        assert!(
            row_line(&results.config, failed, 200)
                .ends_with("failed (out of memory): out of memory")
        );
    }

    #[test]
    fn lines_are_cut_with_an_ellipsis() {
        assert_eq!(fit_line("abcdef", 6), "abcdef");
        assert_eq!(fit_line("abcdefg", 6), "abcde…");
    }
}
