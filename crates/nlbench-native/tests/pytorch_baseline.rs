//! The PyTorch baseline (`baselines/pytorch/`) speaks nlbench's schema and statistics.

use std::{path::PathBuf, process::Command};

use nlbench::{
    schema::{Outcome, ResultSet},
    stats::Summary,
};

fn script_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../baselines/pytorch")
}

/// Its statistics match nlbench's exactly (this needs Python, not PyTorch).
#[test]
fn baseline_statistics_match_nlbench() {
    let samples = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.6, 5.3, 5.8, 9.7, 9.3, 2.0];
    let code = format!(
        "import json, sys; sys.path.insert(0, {dir:?}); import neurallayers_bench as b; \
         print(json.dumps(b.summary({samples:?})))",
        dir = script_dir().to_str().unwrap(),
    );
    let output = Command::new("python3")
        .args(["-c", &code])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let python: Summary = serde_json::from_slice(&output.stdout).unwrap();
    let rust = Summary::of(&samples).unwrap();
    for (name, a, b) in [
        ("mean", python.mean, rust.mean),
        ("std_dev", python.std_dev, rust.std_dev),
        ("median", python.median, rust.median),
        ("p90", python.p90, rust.p90),
        ("p99", python.p99, rust.p99),
    ] {
        assert!((a - b).abs() < 1e-9, "{name}: python {a} vs rust {b}");
    }
    assert_eq!(python.outliers, rust.outliers);
}

/// A tiny run writes a results.json nlbench reads; skipped where PyTorch is not installed.
#[test]
fn baseline_run_writes_nlbench_results() {
    let has_torch = Command::new("python3")
        .args(["-c", "import torch"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_torch {
        eprintln!("skipped: PyTorch is not installed here (pip install torch to run this test)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new("python3")
        .arg(script_dir().join("neurallayers_bench.py"))
        .args([
            "--sizes",
            "small",
            "--batch-sizes",
            "1,4",
            "--precision",
            "f32",
            "--iterations",
            "3",
            "--warmup-ms",
            "10",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    let results = ResultSet::from_json(&text).unwrap();
    assert_eq!(results.device.backend, "pytorch-cpu");
    assert_eq!(results.inference.len(), 2);
    for record in &results.inference {
        let Outcome::Measured(m) = &record.outcome else {
            panic!("{record:?}");
        };
        assert!((m.throughput * m.sample_latency_ms.median / 1000.0 - 1.0).abs() < 1e-6);
    }
}
