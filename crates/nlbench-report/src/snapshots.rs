//! Whole outputs of the deterministic fixture, held against reviewed snapshots
//! (`snapshots/`): a change to any figure, row, sentence or chart series of a report shows
//! as a diff to review (`cargo insta review`) instead of slipping past a list of headings.

use super::{chart, report};
use nlbench_results::{
    error::ErrorKind,
    fixtures,
    schema::{Outcome, ResultSet},
};

/// A second device for the comparisons: twice as fast at batch 1, without ceilings, one
/// configuration crashed.
fn other_device() -> ResultSet {
    let mut other = fixtures::with_workloads();
    other.device.name = "Other GPU".into();
    other.device.software = false;
    other.inference.retain(|r| r.batch_size == 1);
    for record in &mut other.inference {
        if let Outcome::Measured(m) = &mut record.outcome {
            m.timed.throughput *= 2.0;
            m.timed.batch_latency_ms = m.timed.batch_latency_ms.scaled(0.5);
            m.timed.sample_latency_ms = m.timed.sample_latency_ms.scaled(0.5);
            m.timed.raw_batch_ms.iter_mut().for_each(|ms| *ms *= 0.5);
        }
    }
    other.ceilings = None;
    other.inference[0].outcome = Outcome::Failed {
        kind: ErrorKind::Crashed,
        reason: "the worker process was killed by signal 9".into(),
    };
    other
}

/// The fixture and [`other_device`], as a comparison reads them.
fn two_devices() -> [ResultSet; 2] {
    [fixtures::with_workloads(), other_device()]
}

#[test]
fn benchmark_report() {
    insta::assert_snapshot!(report::benchmark_report(&fixtures::with_workloads(), None));
}

#[test]
fn per_model_benchmark_report() {
    insta::assert_snapshot!(report::benchmark_report(
        &fixtures::with_workloads(),
        Some("large")
    ));
}

#[test]
fn memory_report() {
    insta::assert_snapshot!(report::memory_report(&fixtures::with_workloads()));
}

#[test]
fn comparison_report() {
    insta::assert_snapshot!(report::comparison_report(&two_devices()));
}

#[test]
fn terminal_summary_at_120_columns() {
    insta::assert_snapshot!(report::terminal_summary(&fixtures::with_workloads(), 120));
}

#[test]
fn terminal_summary_at_80_columns() {
    insta::assert_snapshot!(report::terminal_summary(&fixtures::with_workloads(), 80));
}

#[test]
fn result_charts_data() {
    insta::assert_debug_snapshot!(chart::result_figures(&fixtures::with_workloads()));
}

#[test]
fn comparison_charts_data() {
    insta::assert_debug_snapshot!(chart::comparison_figures(&two_devices()));
}

#[test]
fn results_json() {
    insta::assert_snapshot!(fixtures::with_workloads().to_json());
}
