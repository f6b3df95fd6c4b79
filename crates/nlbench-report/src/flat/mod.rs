//! Flat exports: one record per row of the results, every field a scalar, for tools that read
//! tables (pandas, DuckDB, spreadsheets) and cannot walk `results.json`'s nesting. The same
//! records go through every [`Exporter`]; `docs/exports.md` documents the fields.

mod csv;
mod jsonl;
mod record;

pub use self::{csv::Csv, jsonl::Jsonl, record::FlatRecord};

use nlbench_results::schema::ResultSet;

/// Writes flat records in one file format.
pub trait Exporter {
    /// The whole file for `records`.
    fn export(&self, records: &[FlatRecord]) -> Result<Vec<u8>, String>;
}

/// Every inference row and training step of every result, in order (each result's inference
/// rows, then its training steps): measured rows with their figures, the others
/// (unsupported, skipped, failed) with their status and reason and empty figures.
pub fn records(results: &[ResultSet]) -> Vec<FlatRecord> {
    results
        .iter()
        .flat_map(|set| {
            let inference = set.inference.iter().map(|r| FlatRecord::of(set, r));
            let training = set.training.iter().map(|r| FlatRecord::of_training(set, r));
            inference.chain(training).collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::{fixtures, schema::Outcome};

    /// Both exports of the fixtures with workloads, training steps and failures: one record
    /// per row, the CSV's header the field list, every JSON value a scalar, figures where
    /// measured.
    #[test]
    fn one_flat_record_per_row_in_both_formats() {
        let sets = [fixtures::results(), fixtures::with_workloads()];
        let records = records(&sets);
        let rows: usize = sets
            .iter()
            .map(|s| s.inference.len() + s.training.len())
            .sum();
        assert!(!sets[1].training.is_empty());
        assert_eq!(records.len(), rows);

        let csv = Csv.export(&records).unwrap();
        let mut reader = ::csv::Reader::from_reader(csv.as_slice());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            FlatRecord::FIELDS
        );
        let lines: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(lines.len(), rows);

        let jsonl = String::from_utf8(Jsonl.export(&records).unwrap()).unwrap();
        assert_eq!(jsonl.lines().count(), rows);
        for (line, (record, csv_line)) in jsonl.lines().zip(records.iter().zip(&lines)) {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let object = value.as_object().unwrap();
            assert_eq!(object.keys().count(), FlatRecord::FIELDS.len());
            for (key, field) in object {
                assert!(!field.is_object() && !field.is_array(), "{key}: {field}");
            }
            // The two formats hold the same figure.
            let throughput = csv_line.get(
                FlatRecord::FIELDS
                    .iter()
                    .position(|&f| f == "throughput")
                    .unwrap(),
            );
            match record.throughput {
                Some(t) => assert_eq!(throughput.unwrap().parse::<f64>().unwrap(), t),
                None => assert_eq!(throughput, Some("")),
            }
        }

        // Each row's figures are its own: the measured ones' headline and interval, the
        // others' status and reason with no figures.
        let inference: Vec<&FlatRecord> =
            records.iter().filter(|r| r.suite == "inference").collect();
        let all_rows = sets.iter().flat_map(|s| s.inference.iter());
        assert_eq!(inference.len(), all_rows.clone().count());
        for (record, row) in inference.into_iter().zip(all_rows) {
            assert_eq!(record.batch, row.batch_size);
            assert_eq!(record.preset, row.model);
            match &row.outcome {
                Outcome::Measured(m) => {
                    assert_eq!(record.status, "measured");
                    assert_eq!(record.throughput, Some(m.timed.throughput));
                    assert_eq!(record.median_ms, Some(m.timed.batch_latency_ms.median));
                    // An interval only where it is a 95 % one (six samples or more).
                    let confident = m
                        .timed
                        .batch_latency_ms
                        .median_ci
                        .is_some_and(|ci| ci.is_confident());
                    assert_eq!(record.median_low_ms.is_some(), confident);
                    assert_eq!(record.throughput_high.is_some(), confident);
                    if let (Some(low), Some(high)) = (record.median_low_ms, record.median_high_ms) {
                        assert!(
                            low <= record.median_ms.unwrap() && record.median_ms.unwrap() <= high
                        );
                        assert!(record.throughput_low.unwrap() <= m.timed.throughput);
                    }
                    assert_eq!(record.samples, Some(m.timed.batch_latency_ms.count));
                }
                Outcome::Failed { reason, .. } => {
                    assert_eq!(record.status, "failed");
                    assert!(record.reason.as_ref().unwrap().ends_with(reason.as_str()));
                    assert_eq!((record.throughput, record.median_ms), (None, None));
                }
                Outcome::Unsupported { reason } | Outcome::Skipped { reason } => {
                    assert_eq!(record.reason.as_ref(), Some(reason));
                    assert_eq!(record.throughput, None);
                }
            }
        }
        assert!(
            records
                .iter()
                .any(|r| r.workload == "decoder" && r.unit == "tokens")
        );
        assert!(records.iter().any(
            |r| r.status == "failed" && r.reason.as_ref().unwrap().starts_with("out_of_memory")
        ));
        assert!(
            records
                .iter()
                .any(|r| r.test.as_deref() == Some("pp64") && r.phase == "prefill")
        );
    }

    /// A training step is a record of the `training` suite: its workload's unit, the step's
    /// figures, a failed step's kind and reason.
    #[test]
    fn training_steps_are_records_of_their_suite() {
        let set = fixtures::with_workloads();
        let training: Vec<FlatRecord> = records(std::slice::from_ref(&set))
            .into_iter()
            .filter(|r| r.suite == "training")
            .collect();
        assert_eq!(training.len(), set.training.len());
        for (flat, step) in training.iter().zip(&set.training) {
            assert_eq!(
                (flat.phase.as_str(), flat.batch),
                ("train", step.batch_size)
            );
            assert_eq!(flat.preset, step.model);
            match &step.outcome {
                nlbench_results::schema::TrainingOutcome::Measured(m) => {
                    assert_eq!(flat.unit, "sequences");
                    assert_eq!(flat.throughput, Some(m.timed.throughput));
                    assert_eq!(flat.median_ms, Some(m.timed.batch_latency_ms.median));
                }
                _ => {
                    assert_eq!(flat.status, "failed");
                    assert_eq!(flat.throughput, None);
                    assert!(flat.reason.as_ref().unwrap().starts_with("out_of_memory: "));
                }
            }
        }
    }

    /// A row of 40 samples: the median's and p90's intervals are its own, p99 has none
    /// (it needs 299 samples), and throughput's interval is the median's, inverted.
    #[test]
    fn intervals_where_the_samples_allow_them() {
        let mut results = fixtures::results();
        let record = results
            .inference
            .iter_mut()
            .find(|r| matches!(r.outcome, Outcome::Measured(_)))
            .unwrap();
        let batch = record.batch_size as f64;
        let Outcome::Measured(m) = &mut record.outcome else {
            unreachable!()
        };
        let raw: Vec<f64> = (0..40).map(|i| 2.0 + f64::from(i % 7) * 0.01).collect();
        let summary = nlbench_results::stats::Summary::of(&raw).unwrap();
        m.timed.throughput = batch / (summary.median / 1000.0);
        m.timed.batch_latency_ms = summary.clone();
        m.timed.raw_batch_ms = raw;
        let flat = &records(std::slice::from_ref(&results))[0];
        let median = summary.median_ci.unwrap();
        assert_eq!(
            (flat.median_low_ms, flat.median_high_ms),
            (Some(median.low), Some(median.high))
        );
        assert_eq!(flat.throughput_low, Some(batch / (median.high / 1000.0)));
        let p90 = summary.p90_ci.unwrap();
        assert_eq!(
            (flat.p90_low_ms, flat.p90_high_ms),
            (Some(p90.low), Some(p90.high))
        );
        assert_eq!(
            (flat.p99_ms, flat.p99_low_ms, flat.p99_high_ms),
            (Some(summary.p99), None, None)
        );
        assert_eq!(flat.samples, Some(40));
    }

    #[test]
    fn an_export_of_no_rows_still_has_its_header() {
        let csv = String::from_utf8(Csv.export(&[]).unwrap()).unwrap();
        assert_eq!(csv.trim_end(), FlatRecord::FIELDS.join(","));
        assert!(Jsonl.export(&[]).unwrap().is_empty());
    }
}
