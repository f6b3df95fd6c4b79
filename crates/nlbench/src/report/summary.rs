//! Plain-text summary tables of a result set, shared by the terminal summary and the
//! dashboard so both show the same columns.

use super::{Peaks, fmt_bytes, fmt_count};
use crate::schema::{MemoryOutcome, Outcome, ResultSet};

/// A table of text cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// One row per inference configuration: throughput, latency, GFLOP/s and peak memory, or the
/// reason it has no figures.
pub fn inference_summary(results: &ResultSet) -> TextTable {
    let rows = results
        .inference
        .iter()
        .map(|r| {
            let mut row = vec![
                r.model.clone(),
                r.precision.to_string(),
                r.batch_size.to_string(),
            ];
            match &r.outcome {
                Outcome::Measured(m) => row.extend([
                    fmt_count(m.throughput),
                    format!("{:.4}", m.sample_latency_ms.median),
                    format!("{:.3}", m.batch_latency_ms.median),
                    format!("{:.3}", m.batch_latency_ms.p90),
                    format!("{:.3}", m.batch_latency_ms.p99),
                    format!("{:.2}", m.gflops),
                    m.memory
                        .allocator
                        .map(|a| fmt_bytes(a.peak_in_use))
                        .unwrap_or_else(|| "n/a".into()),
                ]),
                Outcome::Unsupported { reason } => row.push(reason.clone()),
                Outcome::Failed { reason } => row.push(format!("failed: {reason}")),
            }
            row
        })
        .collect();
    TextTable {
        headers: headers(&[
            "Model",
            "Precision",
            "Batch",
            "Samples/s",
            "ms/sample (median)",
            "Batch ms (median)",
            "p90",
            "p99",
            "GFLOP/s",
            "Peak memory",
        ]),
        rows,
    }
}

/// One row per memory configuration: inference against training peaks.
pub fn memory_summary(results: &ResultSet) -> TextTable {
    let rows = results
        .memory
        .iter()
        .map(|r| {
            let mut row = vec![r.model.clone(), r.batch_size.to_string()];
            match &r.outcome {
                MemoryOutcome::Measured(m) => {
                    let peaks = Peaks::of(m, r.batch_size);
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
            row
        })
        .collect();
    TextTable {
        headers: headers(&[
            "Model",
            "Batch",
            "Inference peak",
            "Training peak (SGD)",
            "Training peak (Adam)",
            "Adam ÷ inference",
            "Source",
        ]),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn rows_follow_records() {
        let results = fixtures::results();
        let table = inference_summary(&results);
        assert_eq!(table.rows.len(), results.inference.len());
        assert_eq!(table.rows[0][..3], ["small", "FP32", "1"]);
        assert!(table.rows.iter().any(|r| r[3] == "failed: out of memory"));
        let memory = memory_summary(&results);
        assert_eq!(memory.rows.len(), results.memory.len());
        assert_eq!(memory.rows[0][6], "allocator");
    }
}
