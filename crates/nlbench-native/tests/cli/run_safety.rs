//! Nothing measured is lost: earlier results are kept aside, an interrupted run writes what
//! finished (marked partial) and `--resume` completes it, a configuration too large for the
//! device is recorded as skipped next to the small ones that ran.

use std::{
    path::Path,
    process::{Command, Stdio},
};

use crate::common::{SHORT, nlbench, results, wait_for_lines};
use nlbench::schema::Outcome;

/// A run of a few milliseconds on the CPU backend.
fn tiny() -> Vec<&'static str> {
    [&["--backend", "cpu"][..], &SHORT[..]].concat()
}

fn run_ok(args: &[&str], dir: &Path) -> String {
    let output = nlbench().args(args).arg("--out").arg(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{args:?}: {stderr}");
    stderr
}

#[test]
fn earlier_results_are_kept_aside_or_replaced_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&tiny(), &out);
    let first = results(&out);
    std::fs::write(out.join("notes.txt"), "mine").unwrap();

    let stderr = run_ok(&tiny(), &out);
    assert!(stderr.contains("kept the earlier results"), "{stderr}");
    let aside = out.join("earlier").join(first.created.replace(':', "-"));
    assert_eq!(results(&aside), first, "the first run moved aside whole");
    assert!(aside.join("BENCHMARK_REPORT.md").is_file());
    assert_ne!(results(&out).created, "", "a new results.json at the top");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine",
        "files nlbench did not write stay where they are"
    );

    // In one process (--no-isolation) as under the supervisor.
    let stderr = run_ok(
        &[&tiny()[..], &["--force", "--no-isolation"]].concat(),
        &out,
    );
    assert!(stderr.contains("replaced the earlier results"), "{stderr}");
    assert_eq!(results(&out).inference.len(), first.inference.len());
    assert!(out.join("notes.txt").is_file());
}

#[test]
fn sigint_keeps_finished_rows_and_resume_completes_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let plan = [
        "--backend",
        "cpu",
        "--sizes",
        "small,medium,large",
        "--batch-sizes",
        "1,8,32,64",
        "--precision",
        "f32,f16",
        "--iterations",
        "20",
        "--warmup-ms",
        "50",
        "--repeat",
        "1",
    ];
    let mut child = nlbench()
        .args(plan)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_lines(&out, 1 + 3, &mut child);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");

    let partial = results(&out);
    let total = 3 * 4 * 2;
    assert!(partial.partial.is_some());
    assert!(
        (3..total).contains(&partial.inference.len()),
        "{} rows",
        partial.inference.len()
    );
    let report = std::fs::read_to_string(out.join("BENCHMARK_REPORT.md")).unwrap();
    assert!(
        report.contains("> **Partial result: interrupted"),
        "the report says so at its top"
    );
    assert!(out.join("checkpoint.jsonl").is_file(), "kept for --resume");

    // A new run into the folder refuses rather than dropping the interrupted one.
    let output = nlbench()
        .args(tiny())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--resume continues it"), "{stderr}");
    // --resume takes the plan from the checkpoint, not from flags.
    let output = nlbench()
        .args(["--resume", "--quick", "--backend", "cpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));

    run_ok(&["--resume", "--backend", "cpu"], &out);
    let complete = results(&out);
    assert!(complete.partial.is_none());
    assert_eq!(complete.inference.len(), total);
    assert_eq!(complete.created, partial.created);
    for row in &partial.inference {
        let again = complete
            .record(&row.model, row.precision, row.batch_size)
            .unwrap();
        assert_eq!(again, row, "a finished row is kept, not measured again");
    }
    assert!(!out.join("checkpoint.jsonl").exists());
}

/// 64 layers of 65,536 × 65,536 FP32 weights: over a terabyte, more than any machine here.
const OVERSIZED: [&str; 8] = [
    "--input-dim",
    "65536",
    "--hidden-dim",
    "65536",
    "--layers",
    "64",
    "--sizes",
    "small",
];

fn oversized_beside_small(backend: &str, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The short plan without its `--sizes`: OVERSIZED names the models.
    let args = [
        &["--backend", backend, "--suite", "all"][..],
        &SHORT[2..],
        &OVERSIZED[..],
    ]
    .concat();
    run_ok(&args, &out);
    let results = results(&out);
    assert!(
        results
            .measured("small", nlbench::precision::Precision::F32, 1)
            .is_some()
    );
    match &results
        .record("custom", nlbench::precision::Precision::F32, 1)
        .unwrap()
        .outcome
    {
        Outcome::Skipped { reason } => assert!(reason.contains(needle), "{reason}"),
        other => panic!("{other:?}"),
    }
    let memory = results.memory.iter().find(|r| r.model == "custom").unwrap();
    assert!(
        matches!(
            memory.outcome,
            nlbench::schema::MemoryOutcome::Skipped { .. }
        ),
        "{memory:?}"
    );
    let report = std::fs::read_to_string(out.join("BENCHMARK_REPORT.md")).unwrap();
    assert!(report.contains("skipped: "), "the report names the reason");
}

#[test]
fn oversized_configuration_is_skipped_on_the_cpu() {
    oversized_beside_small("cpu", "available under");
}

#[test]
fn oversized_configuration_is_skipped_on_lavapipe() {
    oversized_beside_small("vulkan", "per buffer");
}
