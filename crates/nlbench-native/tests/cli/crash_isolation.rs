//! A crash loses no finished row: the benchmark runs in a worker process that the command the
//! user started supervises. A configuration too big for the process's memory limit is skipped
//! by the pre-flight, or, with the pre-flight off, kills its worker and is recorded as crashed;
//! so are signals that end a worker; one that runs past `--timeout` is recorded as timed out;
//! each time a new worker runs the rest of the plan and every file is written.

#![cfg(target_os = "linux")]

use std::{
    path::Path,
    process::{Child, Command, Output, Stdio},
};

use crate::common::{nlbench, results, wait_for_lines};
use nlbench::{error::ErrorKind, precision::Precision, schema::Outcome};

/// The address-space limit: 8 GB, as a container might give.
const ULIMIT_KB: &str = "8000000";

/// Batch 1, 1,048,576 and 2 of the small model 4096 wide: the middle one needs 29 GB, and its
/// input alone (17 GB) is past the limit, so it fails at once instead of after filling
/// gigabytes. One round, so each configuration's outcome is its one run's.
const OVERSIZED_BETWEEN_SMALL: [&str; 16] = [
    "--backend",
    "cpu",
    "--sizes",
    "small",
    "--precision",
    "f32",
    "--batch-sizes",
    "1,1048576,2",
    "--input-dim",
    "4096",
    "--iterations",
    "3",
    "--warmup-ms",
    "0",
    "--repeat",
    "1",
];

/// The binary under `ulimit -v`, with the tests' environment.
fn under_ulimit(args: &[&str], out: &Path) -> Output {
    let command = nlbench();
    let program = command.get_program().to_owned();
    let mut shell = Command::new("sh");
    shell
        .args(["-c", &format!("ulimit -v {ULIMIT_KB} && exec \"$@\""), "sh"])
        .arg(program)
        .args(args)
        .arg("--out")
        .arg(out);
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            shell.env(key, value);
        }
    }
    let output = shell.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn failure(out: &Path, batch_size: usize) -> (ErrorKind, String) {
    let results = results(out);
    match &results
        .record("small", Precision::F32, batch_size)
        .unwrap()
        .outcome
    {
        Outcome::Failed { kind, reason } => (*kind, reason.clone()),
        other => panic!("batch {batch_size}: {other:?}"),
    }
}

fn assert_small_rows_measured(out: &Path) {
    let results = results(out);
    for batch in [1, 2] {
        assert!(
            results.measured("small", Precision::F32, batch).is_some(),
            "batch {batch}"
        );
    }
    assert!(results.partial.is_none());
    assert!(out.join("BENCHMARK_REPORT.md").is_file());
    assert!(!out.join("checkpoint.jsonl").exists());
}

#[test]
fn the_preflight_knows_the_address_space_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    under_ulimit(&OVERSIZED_BETWEEN_SMALL, &out);
    assert_small_rows_measured(&out);
    match &results(&out)
        .record("small", Precision::F32, 1_048_576)
        .unwrap()
        .outcome
    {
        Outcome::Skipped { reason } => assert!(reason.contains("RLIMIT_AS"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_allocation_that_aborts_the_worker_is_recorded_as_crashed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = under_ulimit(
        &[&OVERSIZED_BETWEEN_SMALL[..], &["--no-preflight"]].concat(),
        &out,
    );
    assert_small_rows_measured(&out);
    let (kind, reason) = failure(&out, 1_048_576);
    assert_eq!(kind, ErrorKind::Crashed);
    assert!(reason.contains("SIGABRT"), "{reason}");
    assert!(
        reason.contains("memory allocation"),
        "its last words: {reason}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    let report = std::fs::read_to_string(out.join("BENCHMARK_REPORT.md")).unwrap();
    assert!(report.contains("failed (crashed)"), "{report}");
}

/// The small FP32 model on the CPU backend at `batches`, one round of three timed iterations
/// (a crash is then the configuration's outcome, not one failed round of three), with
/// `extra` flags, into `out`.
fn small_on_the_cpu(batches: &str, extra: &[&str], out: &Path) -> Command {
    let mut command = nlbench();
    command
        .args(["--backend", "cpu", "--sizes", "small", "--precision", "f32"])
        .args([
            "--batch-sizes",
            batches,
            "--iterations",
            "3",
            "--target-ci",
            "off",
            "--repeat",
            "1",
        ])
        .args(extra)
        .arg("--out")
        .arg(out);
    command
}

/// The worker the supervisor `child` runs now: its child process.
fn worker_of(child: &Child) -> u32 {
    let parent = child.id().to_string();
    loop {
        let workers: Vec<u32> = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                // Field 4 of /proc/<pid>/stat, after the parenthesised name, is the parent.
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .ok()
                    .and_then(|stat| {
                        let after = stat.rsplit_once(')')?.1.to_owned();
                        after.split_whitespace().nth(1).map(str::to_owned)
                    })
                    .is_some_and(|ppid| ppid == parent)
            })
            .collect();
        if let [worker] = workers[..] {
            return worker;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn workers_killed_by_signals_are_recorded_and_the_plan_completes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Six configurations of at least 1.5 s each (their warm-up), so a signal lands inside one.
    let mut child = small_on_the_cpu("1,2,4,8,16,32", &["--warmup-ms", "1500"], &out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The start line and batch 1: batch 2 is running.
    wait_for_lines(&out, 2, &mut child);
    signal(worker_of(&child), "KILL");
    // The crash, then batch 4 from a new worker: batch 8 is running.
    wait_for_lines(&out, 4, &mut child);
    let worker = worker_of(&child);
    // Rust's own SIGSEGV handler (for stack overflows) lets a first SIGSEGV that no fault
    // raised pass and restores the default; the second ends the process, as a driver's
    // fault would at once.
    signal(worker, "SEGV");
    std::thread::sleep(std::time::Duration::from_millis(100));
    signal(worker, "SEGV");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");

    let results = results(&out);
    assert_eq!(results.inference.len(), 6);
    let (kind, reason) = failure(&out, 2);
    assert_eq!(kind, ErrorKind::Crashed);
    assert!(reason.contains("signal 9"), "{reason}");
    let (kind, reason) = failure(&out, 8);
    assert_eq!(kind, ErrorKind::Crashed);
    assert!(reason.contains("signal 11"), "{reason}");
    for batch in [1, 4, 16, 32] {
        assert!(
            results.measured("small", Precision::F32, batch).is_some(),
            "batch {batch}: {stderr}"
        );
    }
    assert!(stderr.contains("crashed: the worker process was killed by signal 9"));
}

#[test]
fn a_configuration_past_the_timeout_is_recorded_as_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A warm-up of 30 s against a timeout of 3 s.
    let output = small_on_the_cpu("1", &["--warmup-ms", "30000", "--timeout", "3"], &out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let (kind, reason) = failure(&out, 1);
    assert_eq!(kind, ErrorKind::TimedOut);
    assert!(reason.contains("--timeout (3 s)"), "{reason}");
    assert!(out.join("BENCHMARK_REPORT.md").is_file());
}
