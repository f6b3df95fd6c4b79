//! A result at a glance, above its tables: per workload and path the best throughput and
//! where it was reached, the latency at the smallest batch, the share of the device's FMA
//! ceiling, the WGSL reference against burn, and how many rows are noisy or have no
//! figures, and why; and the configurations a device cannot run, said once each.

use super::{cells::throughput_cell, fmt_percent, summary::TextTable};
use nlbench_results::{
    analysis::roofline::share,
    schema::{InferenceMeasurement, InferenceRecord, Outcome, PathId, ResultSet},
};

/// One row per workload (each MLP model, each other workload's phase) and path, in run order.
pub fn glance_summary(results: &ResultSet) -> TextTable {
    let mut groups: Vec<(String, PathId, Vec<&InferenceRecord>)> = Vec::new();
    for record in &results.inference {
        let label = record.label();
        match groups
            .iter_mut()
            .find(|(l, p, _)| *l == label && *p == record.path)
        {
            Some((_, _, rows)) => rows.push(record),
            None => groups.push((label, record.path, vec![record])),
        }
    }
    let rows = groups
        .iter()
        .map(|(label, path, rows)| {
            let measured: Vec<(&InferenceRecord, &InferenceMeasurement)> = rows
                .iter()
                .filter_map(|r| match &r.outcome {
                    Outcome::Measured(m) => Some((*r, m.as_ref())),
                    _ => None,
                })
                .collect();
            let best = measured
                .iter()
                .max_by(|a, b| a.1.timed.throughput.total_cmp(&b.1.timed.throughput));
            let smallest = measured.iter().min_by_key(|(r, _)| r.batch_size);
            let mut row = vec![label.clone(), path.label().to_owned()];
            match best {
                Some((r, m)) => row.extend([
                    throughput_cell(&m.timed, r.batch_size),
                    format!("{} batch {}", r.precision, r.batch_size),
                    fmt_percent(share(
                        m.timed.gflops,
                        results
                            .ceilings
                            .as_ref()
                            .and_then(|c| c.fma_gflops(r.precision)),
                    )),
                ]),
                None => row.extend(["–".into(), "–".into(), "–".into()]),
            }
            row.push(smallest.map_or("–".into(), |(r, m)| {
                format!(
                    "{:.3} ms at batch {}",
                    m.timed.batch_latency_ms.median, r.batch_size
                )
            }));
            row.push(match (path, best) {
                (PathId::Reference, Some((r, m))) => results
                    .labelled_on(PathId::Burn, label, r.precision, r.batch_size)
                    .and_then(|burn| match &burn.outcome {
                        Outcome::Measured(b) => Some(format!(
                            "{:.2}× at {} batch {}",
                            m.timed.throughput / b.timed.throughput,
                            r.precision,
                            r.batch_size
                        )),
                        _ => None,
                    })
                    .unwrap_or_else(|| "–".into()),
                _ => "–".into(),
            });
            let noisy = measured
                .iter()
                .filter(|(_, m)| !m.timed.verdicts.is_empty())
                .count();
            row.push(format!("{} of {}", noisy, measured.len()));
            row.push(without_figures(rows));
            row
        })
        .collect();
    TextTable {
        headers: [
            "Workload",
            "Path",
            "Best throughput (95 % CI)",
            "Reached at",
            "% of SIMT FMA ceiling there",
            "Latency at the smallest batch",
            "Reference ÷ burn there",
            "Noisy rows",
            "Rows without figures",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// `none`, or `2 failed (out of memory), 1 skipped`: the rows of a group without figures,
/// the unsupported ones left to [`unsupported_notes`].
fn without_figures(rows: &[&InferenceRecord]) -> String {
    let (mut failed, mut skipped) = (0, 0);
    // Each kind of failure once, in the order the rows met them.
    let mut kinds: Vec<&str> = Vec::new();
    for r in rows {
        match &r.outcome {
            Outcome::Failed { kind, .. } => {
                failed += 1;
                if !kinds.contains(&kind.label()) {
                    kinds.push(kind.label());
                }
            }
            Outcome::Skipped { .. } => skipped += 1,
            _ => {}
        }
    }
    let mut parts = Vec::new();
    if failed > 0 {
        parts.push(format!("{failed} failed ({})", kinds.join(", ")));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} skipped (no room)"));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// Each reason a device cannot run a precision, once: `FP16 (burn, WGSL reference):
/// shader-f16 is not supported by this adapter; 4 configurations`, where a table would repeat
/// it in a row per configuration.
pub fn unsupported_notes(results: &ResultSet) -> Vec<String> {
    let mut notes: Vec<(String, &str, Vec<&str>, usize)> = Vec::new();
    for record in &results.inference {
        if let Outcome::Unsupported { reason } = &record.outcome {
            let precision = record.precision.to_string();
            let path = record.path.label();
            match notes
                .iter_mut()
                .find(|(p, r, _, _)| *p == precision && *r == reason)
            {
                Some((_, _, paths, count)) => {
                    if !paths.contains(&path) {
                        paths.push(path);
                    }
                    *count += 1;
                }
                None => notes.push((precision, reason, vec![path], 1)),
            }
        }
    }
    notes
        .into_iter()
        .map(|(precision, reason, paths, count)| {
            let plural = if count == 1 { "" } else { "s" };
            format!(
                "{precision} ({}): {reason}; {count} configuration{plural}",
                paths.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::supported_summary;
    use nlbench_results::fixtures;

    #[test]
    fn the_best_throughput_is_the_tables() {
        let results = fixtures::results();
        let glance = glance_summary(&results);
        let table = supported_summary(&results);
        let measured: Vec<_> = glance.rows.iter().filter(|row| row[2] != "–").collect();
        assert!(!measured.is_empty(), "{:?}", glance.rows);
        for row in measured {
            let best = &row[2];
            assert!(
                table
                    .rows
                    .iter()
                    .any(|r| r.contains(best) && r[0] == row[0]),
                "{best} of {} is in the table",
                row[0]
            );
        }
        let notes = unsupported_notes(&results);
        let unsupported = results
            .inference
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Unsupported { .. }))
            .count();
        assert!(unsupported > 1 && notes.len() < unsupported, "{notes:?}");
        assert!(notes[0].contains("configurations"), "{notes:?}");
        assert_eq!(table.rows.len(), results.inference.len() - unsupported);
    }
}
