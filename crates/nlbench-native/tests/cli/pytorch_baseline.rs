//! The PyTorch baseline (`baselines/pytorch/`) is a first-class source: nlbench's schema, path
//! `pytorch`, the same protocol and statistics, a result that lines up with nlbench's on the
//! same CPU, and an interrupted run that keeps what finished. PyTorch comes from PyPI
//! (`.ci/run` installs it), so the run is not skipped.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::common::{
    BRIEF, nlbench, results, succeeded, tiny_phases, tiny_presets, tiny_workloads,
};
use nlbench::{
    analysis::{
        compare::{Line, RatioMethod, Row, rows},
        verdicts::verdicts,
    },
    schema::{ClockKind, DeviceClock, Outcome, PathId, ResultSet, TrainingOutcome, Verdict},
    stats::Summary,
};

fn script_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../baselines/pytorch")
}

/// The baseline's command for `plan`, writing into `out`.
fn baseline(plan: &[&str], out: &Path) -> Command {
    let mut command = Command::new("python3");
    command
        .arg(script_dir().join("neurallayers_bench.py"))
        .args(plan)
        .arg("--out")
        .arg(out);
    command
}

/// The baseline's result of `plan`, written into `out`.
fn run_baseline(plan: &[&str], out: &Path) -> ResultSet {
    succeeded(baseline(plan, out).output().unwrap());
    results(out)
}

/// nlbench's result of `plan` on the CPU backend, written into `out`.
fn run_on_cpu(plan: &[&str], out: &Path) -> ResultSet {
    succeeded(
        nlbench()
            .args(plan)
            .args(["--backend", "cpu", "--out"])
            .arg(out)
            .output()
            .unwrap(),
    );
    results(out)
}

/// nlbench's run of `plan` on the CPU, written into `out`, lined up with `baseline`: the
/// comparison's rows of headline against headline on the host clock.
fn host_headlines_beside(plan: &[&str], out: &Path, baseline: ResultSet) -> Vec<Row> {
    let burn = run_on_cpu(plan, out);
    rows(&[burn, baseline])
        .into_iter()
        .filter(|r| r.line == Line::Headline && r.clock == ClockKind::Host)
        .collect()
}

/// What `code` prints, run by Python with the baseline's folder on its path.
fn python(code: &str) -> Vec<u8> {
    let code = format!(
        "import sys; sys.path.insert(0, {dir:?}); {code}",
        dir = script_dir().to_str().unwrap(),
    );
    succeeded(
        Command::new("python3")
            .args(["-c", &code])
            .output()
            .unwrap(),
    )
    .stdout
}

/// The baseline's summary and verdicts of `samples`, as JSON.
fn python_statistics(samples: &[f64], resolution_ms: f64) -> serde_json::Value {
    let printed = python(&format!(
        "import json; import neurallayers_bench as b; \
         s = b.summary({samples:?}, {resolution_ms:?}); \
         print(json.dumps({{'summary': s, 'verdicts': b.verdicts({samples:?}, s, 0.02, {resolution_ms:?})}}))",
    ));
    serde_json::from_slice(&printed).unwrap()
}

/// Its statistics are nlbench's exactly (this needs Python, not PyTorch): quantiles, the
/// median's interval and its coverage for every count from 1 to 10, p90's and p99's
/// intervals (from 29 and 299 samples), outliers with a MAD of 0, and the verdicts.
#[test]
fn baseline_statistics_match_nlbench() {
    let mut cases: Vec<Vec<f64>> = (1..=10)
        .map(|n| (0..n).map(|i| 1.0 + 0.013 * f64::from(i * 7 % 5)).collect())
        .collect();
    cases.push(vec![
        3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.6, 5.3, 5.8, 9.7, 9.3, 2.0,
    ]);
    cases.push([vec![10.0; 9], vec![30.0]].concat());
    cases.push([vec![10.0; 9], vec![10.001]].concat());
    cases.push(
        (0..300)
            .map(|i| 2.0 + 0.001 * f64::from(i % 17) + f64::from(i % 97 == 0))
            .collect(),
    );
    // Either side of p90's count, and enough for both tails' equal 2.5 % ends.
    for n in [28, 29, 400] {
        cases.push(
            (0..n)
                .map(|i| 1.0 + f64::from(i * 37 % 101) / 100.0)
                .collect(),
        );
    }
    let resolution = 0.001;
    for samples in &cases {
        let python = python_statistics(samples, resolution);
        let py: Summary = serde_json::from_value(python["summary"].clone()).unwrap();
        let rust = Summary::of_timings(samples, resolution).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
        for (name, a, b) in [
            ("mean", py.mean, rust.mean),
            ("std_dev", py.std_dev, rust.std_dev),
            ("median", py.median, rust.median),
            ("p90", py.p90, rust.p90),
            ("p99", py.p99, rust.p99),
            ("mad", py.mad.unwrap(), rust.mad.unwrap()),
        ] {
            assert!(
                close(a, b),
                "n = {}: {name}: python {a} vs rust {b}",
                samples.len()
            );
        }
        assert_eq!(py.outliers, rust.outliers, "n = {}", samples.len());
        assert_eq!(py.mad_outliers, rust.mad_outliers, "n = {}", samples.len());
        let (a, b) = (py.median_ci.unwrap(), rust.median_ci.unwrap());
        assert_eq!((a.low, a.high), (b.low, b.high), "n = {}", samples.len());
        assert!(
            close(a.coverage, b.coverage),
            "n = {}: {a:?} {b:?}",
            samples.len()
        );
        // The tails' intervals: the same ranks where the count allows one, none where not.
        for (name, a, b) in [
            ("p90", py.p90_ci, rust.p90_ci),
            ("p99", py.p99_ci, rust.p99_ci),
        ] {
            match (a, b) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    assert_eq!(
                        (a.low, a.high),
                        (b.low, b.high),
                        "{name}, n = {}",
                        samples.len()
                    );
                    assert!(close(a.coverage, b.coverage), "{name}: {a:?} {b:?}");
                }
                _ => panic!("{name}, n = {}: python {a:?} vs rust {b:?}", samples.len()),
            }
        }
        let py: Vec<Verdict> = serde_json::from_value(python["verdicts"].clone()).unwrap();
        let rust = verdicts(samples, &rust, Some(0.02), Some(resolution), &[]);
        let kind = |v: &[Verdict]| {
            v.iter()
                .map(|v| {
                    format!("{v:?}")
                        .split([' ', '{'])
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(kind(&py), kind(&rust), "n = {}", samples.len());
    }
}

/// A small run writes path `pytorch` in the current schema, on the protocol's rules, and
/// lines up with nlbench's own CPU run of the same plan: a headline ratio for every
/// configuration both hold.
#[test]
fn baseline_lines_up_with_nlbench_on_the_cpu() {
    let has_torch = Command::new("python3")
        .args(["-c", "import torch"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_torch,
        "PyTorch is not installed here: `pip install torch` (.ci/run installs it)"
    );
    let plan = [
        "--sizes",
        "small",
        "--batch-sizes",
        "1,4",
        "--precision",
        "f32",
        "--iterations",
        "6",
        "--warmup-ms",
        "10",
        "--max-time-ms",
        "100",
    ];
    let dir = tempfile::tempdir().unwrap();
    let torch_out = dir.path().join("pytorch");
    let baseline = run_baseline(&plan, &torch_out);
    assert_eq!(baseline.schema_version, nlbench::schema::SCHEMA_VERSION);
    assert_eq!(baseline.device.backend, "pytorch-cpu");
    assert_eq!(baseline.headline(), PathId::Pytorch);
    assert_eq!(baseline.paths[0].clock, ClockKind::Host);
    assert!(matches!(
        baseline.paths[0].device_time,
        Some(DeviceClock::Unavailable { .. })
    ));
    assert_eq!(baseline.inference.len(), 2);
    for record in &baseline.inference {
        assert_eq!(record.path, PathId::Pytorch);
        let Outcome::Measured(m) = &record.outcome else {
            panic!("{record:?}");
        };
        let t = &m.timed;
        assert!((t.throughput * t.sample_latency_ms.median / 1000.0 - 1.0).abs() < 1e-6);
        assert!(t.raw_batch_ms.len() >= 6, "at least --iterations samples");
        assert!(t.warmup_runs >= 3, "the protocol's untimed runs");
        assert!(t.stopped.is_some());
        assert_eq!(t.rounds.len(), 3, "nlbench's default rounds");
        let ci = t
            .batch_latency_ms
            .median_ci
            .expect("an interval of the median");
        assert!(ci.low <= t.batch_latency_ms.median && t.batch_latency_ms.median <= ci.high);
        assert!(ci.is_confident(), "the run-to-run interval: {ci:?}");
        assert!(m.memory.allocator.is_none() && m.memory.allocator_unavailable.is_some());
    }

    let burn_out = dir.path().join("burn");
    let headline = host_headlines_beside(&plan, &burn_out, baseline);
    assert_eq!(headline.len(), 2, "{headline:?}");
    for row in headline {
        let ratio = row.ratio(1).expect("a ratio");
        assert_eq!(ratio.method, RatioMethod::RunToRun, "{row:?}");
        assert_eq!(row.paths_label(), "burn (#1), PyTorch (#2)");
    }
    let compared = dir.path().join("compared");
    let output = nlbench()
        .arg("compare")
        .arg(burn_out.join("results.json"))
        .arg(torch_out.join("results.json"))
        .arg("--out")
        .arg(&compared)
        .output()
        .unwrap();
    assert!(output.status.success());
    let report = std::fs::read_to_string(compared.join("COMPARISON.md")).unwrap();
    assert!(
        report.contains("headline path: burn (#1), PyTorch (#2)"),
        "{report}"
    );
    // The devices table types both as the CPU they are, neither as a software GPU.
    for backend in ["| cpu (", "| pytorch-cpu ("] {
        let row = report
            .lines()
            .find(|line| line.contains(backend))
            .unwrap_or_else(|| panic!("no device row of {backend}:\n{report}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[4], "CPU", "{row}");
    }
}

/// The baseline runs nlbench's workloads at the same presets: each tiny preset's rows (the
/// decoder's prefill and decode) pass their checks, its FLOPs are nlbench's (so GFLOP/s is
/// computed one way), its torch.nn modules have the parameters nlbench counts, and `compare`
/// lines every workload row up with nlbench's CPU run.
#[test]
fn baseline_runs_the_workloads_and_lines_up() {
    let plan = tiny_workloads();
    let plan: Vec<&str> = plan.iter().map(String::as_str).collect();
    let rows = tiny_phases().len() * 2;
    let dir = tempfile::tempdir().unwrap();
    let torch_out = dir.path().join("pytorch");
    let baseline = run_baseline(&plan, &torch_out);
    assert_eq!(
        baseline.inference.len(),
        rows,
        "every phase at two batch sizes"
    );
    for record in &baseline.inference {
        let Outcome::Measured(m) = &record.outcome else {
            panic!("{record:?}");
        };
        let workload = baseline.workload_of(record).expect("the preset's shapes");
        let flops = workload.figures(record.phase).flops_per_sample as f64;
        let gflops = flops * m.timed.throughput / 1e9;
        assert!(
            (m.timed.gflops - gflops).abs() <= 1e-9 * gflops,
            "{record:?}"
        );
        if record.workload != nlbench::workload::WorkloadKind::Cnn {
            let accuracy = m.accuracy.as_ref().expect("checked before it was timed");
            assert!(accuracy.max_abs_error <= accuracy.tolerance, "{accuracy:?}");
        }
    }
    // The torch.nn modules' own parameter counts are nlbench's analytical ones.
    let mut presets = tiny_presets();
    presets.push(
        nlbench::workload::Workload::preset(nlbench::workload::WorkloadKind::Decoder, "gpt2")
            .unwrap(),
    );
    let listed: Vec<String> = presets
        .iter()
        .map(|w| format!("('{}', '{}')", w.kind(), w.name()))
        .collect();
    let printed = python(&format!(
        "import torch; import workloads as wl; \
         print(' '.join(str(wl.parameter_count(wl.build(torch, wl.preset(k, n), torch.float32, 'cpu', 0))) \
         for k, n in [{}]))",
        listed.join(", ")
    ));
    let counts: Vec<u64> = String::from_utf8_lossy(&printed)
        .split_whitespace()
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(counts.len(), presets.len(), "{printed:?}");
    for (workload, count) in presets.iter().zip(counts) {
        let figures = workload.figures(nlbench::workload::Phase::Forward);
        assert_eq!(count, figures.parameters, "{}", workload.label());
    }

    let burn_out = dir.path().join("burn");
    let headline = host_headlines_beside(&plan, &burn_out, baseline);
    assert_eq!(headline.len(), rows, "{headline:?}");
    for row in headline {
        assert!(row.ratio(1).is_some(), "{row:?}");
    }
}

/// SIGTERM (a time limit's, as the GPU check sends) ends the baseline after what finished:
/// those rows are written, the result says it is partial, and the exit status is 130.
#[test]
fn an_interrupted_baseline_writes_what_finished() {
    use std::io::{BufRead, BufReader};

    let dir = tempfile::tempdir().unwrap();
    let mut child = baseline(&["--quick"], dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The baseline says each configuration on standard error as it finishes.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|line| line.ends_with(": measured"))
        .expect("a first configuration finishes");
    assert!(first.starts_with("small f32 batch 1"), "{first}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let said: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{said:?}");

    let partial = results(dir.path());
    assert!(
        partial
            .partial
            .as_deref()
            .is_some_and(|why| why.contains("SIGTERM")),
        "{:?}",
        partial.partial
    );
    // --quick plans 2 models × 2 precisions × 3 batch sizes.
    assert!(
        (1..12).contains(&partial.inference.len()),
        "{} rows",
        partial.inference.len()
    );
    assert!(
        partial
            .inference
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Measured(_)))
    );
}

/// The baseline's training suite: one Adam step per workload and batch, its loss falling over
/// the first steps, written as nlbench writes it; `compare` lines its steps up with nlbench's
/// training run on the CPU in its training table, and the comparison's exports hold them.
#[test]
fn baseline_training_lines_up_with_nlbench() {
    let shape = [
        "--suite",
        "training",
        "--workloads",
        "mlp:small,encoder:tiny",
        "--batch-sizes",
        "2",
        "--precision",
        "f32",
    ];
    let plan = [&shape[..], &BRIEF[..]].concat();
    let dir = tempfile::tempdir().unwrap();
    let torch_out = dir.path().join("pytorch");
    let baseline = run_baseline(&plan, &torch_out);
    assert!(baseline.inference.is_empty());
    assert_eq!(baseline.training.len(), 2, "{:?}", baseline.training);
    for step in &baseline.training {
        let TrainingOutcome::Measured(m) = &step.outcome else {
            panic!("{}: {:?}", step.label(), step.outcome);
        };
        assert!(m.losses.iter().all(|l| l.is_finite()), "{:?}", m.losses);
        assert!(m.losses.last() < m.losses.first(), "{:?}", m.losses);
        assert!(m.timed.throughput > 0.0 && m.timed.raw_batch_ms.len() >= 3);
    }
    let burn_out = dir.path().join("burn");
    run_on_cpu(&plan, &burn_out);
    let compared = dir.path().join("compared");
    let csv = dir.path().join("steps.csv");
    succeeded(
        nlbench()
            .arg("compare")
            .arg(burn_out.join("results.json"))
            .arg(torch_out.join("results.json"))
            .arg("--out")
            .arg(&compared)
            .arg("--export-csv")
            .arg(&csv)
            .output()
            .unwrap(),
    );
    let report = std::fs::read_to_string(compared.join("COMPARISON.md")).unwrap();
    let section = report
        .split("## Training steps")
        .nth(1)
        .unwrap_or_else(|| panic!("no training table:\n{report}"));
    for workload in ["small", "encoder:tiny"] {
        let line = section
            .lines()
            .find(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                cells.len() > 3 && cells[1] == workload && cells[2] == "2"
            })
            .unwrap_or_else(|| panic!("no {workload} row:\n{section}"));
        assert!(line.contains('×'), "a ratio of the two steps: {line}");
    }
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let suite = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "suite")
        .unwrap();
    let training = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[suite] == "training")
        .count();
    assert_eq!(training, 4, "both results' two steps");
}
