//! What the command-line tests share: the binary, a plan short enough for a test, and a
//! run's results read back.
// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

use std::{
    path::Path,
    process::{Child, Command, Output},
    time::Duration,
};

use nlbench::{
    schema::{OptimizerKind, ResultSet},
    workload::{Phase, Workload, WorkloadKind},
};

/// The binary, keeping its tunings in one folder that every test process shares (each
/// shape is tuned once per test run, not once per test); a test of the cache itself gives its
/// own folder.
pub fn nlbench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nlbench-native"));
    command.env(
        "NLBENCH_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("tuning-cache"),
    );
    command
}

/// One small FP32 configuration at batch 1: one round of three timed iterations, no adaptive
/// sampling, no warm-up beyond the protocol's own.
pub const SHORT: [&str; 14] = [
    "--sizes",
    "small",
    "--batch-sizes",
    "1",
    "--precision",
    "f32",
    "--iterations",
    "3",
    "--target-ci",
    "off",
    "--warmup-ms",
    "0",
    "--repeat",
    "1",
];

/// One round of three timed runs per configuration, no adaptive sampling, no warm-up beyond
/// the protocol's own: what keeps a test's plan short.
pub const BRIEF: [&str; 8] = [
    "--iterations",
    "3",
    "--target-ci",
    "off",
    "--warmup-ms",
    "0",
    "--repeat",
    "1",
];

/// The tiny presets of every registered workload beside the MLP at FP32, batch sizes 1 and
/// 2, [`BRIEF`]ly: a plan nlbench and the PyTorch baseline both take.
pub fn tiny_workloads() -> Vec<String> {
    let list: Vec<String> = tiny_presets().iter().map(Workload::label).collect();
    let shape = [
        "--workloads",
        &list.join(","),
        "--precision",
        "f32",
        "--batch-sizes",
        "1,2",
    ];
    shape
        .iter()
        .chain(&BRIEF)
        .map(|arg| arg.to_string())
        .collect()
}

/// Every registered workload beside the MLP at its `tiny` preset.
pub fn tiny_presets() -> Vec<Workload> {
    WorkloadKind::ALL
        .into_iter()
        .filter(|kind| !kind.is_mlp())
        .map(|kind| Workload::preset(kind, "tiny").expect("every workload has a tiny preset"))
        .collect()
}

/// Every phase [`tiny_workloads`] runs, with the label `compare` lines its rows up under
/// (`decoder:tiny pp64`, `decoder:tiny decode`; a workload of one phase by its label alone).
pub fn tiny_phases() -> Vec<(Workload, Phase, String)> {
    tiny_presets()
        .into_iter()
        .flat_map(|workload| {
            let phases = workload.phases();
            phases.iter().map(move |&phase| {
                let label = match workload.test_name(phase) {
                    Some(test) => format!("{} {test}", workload.label()),
                    None if phases.len() > 1 => format!("{} {phase}", workload.label()),
                    None => workload.label(),
                };
                (workload.clone(), phase, label)
            })
        })
        .collect()
}

/// The `results.json` a run wrote into `dir`.
pub fn results(dir: &Path) -> ResultSet {
    ResultSet::from_json(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// `output` of a command that must have succeeded (its standard error otherwise).
pub fn succeeded(output: Output) -> Output {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Waits until the checkpoint in `dir` holds `lines` lines (the start line included), however
/// long this machine takes; a run that ends first fails the test.
pub fn wait_for_lines(dir: &Path, lines: usize, child: &mut Child) {
    loop {
        let text = std::fs::read_to_string(dir.join("checkpoint.jsonl")).unwrap_or_default();
        if text.lines().count() >= lines {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before its checkpoint had {lines} lines");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The allocator's readings on a real device: training needs more than inference, which
/// needs more than the weights; backward holds a gradient per parameter; the activations
/// grow with the batch.
pub fn check_measured_memory(results: &ResultSet) {
    for workload in results.config.all_workloads() {
        let mut after_forward = Vec::new();
        for &batch in results.config.batch_sizes_of(&workload) {
            let m = results
                .memory_measured(&workload, batch)
                .unwrap_or_else(|| panic!("{} batch {batch} not measured", workload.label()));
            let params = m.analytical.parameter_bytes;
            let inference = m.inference.expect("wgpu reports its allocator");
            assert!(inference.peak_above_baseline() >= params);
            assert_eq!(m.training.len(), 2);
            for training in &m.training {
                assert!(training.peak_above_baseline() >= inference.peak_above_baseline());
                let gradients = training
                    .after_backward
                    .saturating_sub(training.after_weights);
                // A gradient can be a view of another's buffer (at batch 1 the vision
                // transformer's class-token gradient is a slice of its position
                // embedding's), so the gradients may hold a little less than the parameters.
                assert!(
                    gradients as f64 >= 0.99 * params as f64,
                    "gradients {gradients} < parameters {params}"
                );
                if training.optimizer == OptimizerKind::Adam {
                    after_forward.push((batch, training.after_forward - training.baseline_in_use));
                }
            }
        }
        for pair in after_forward.windows(2) {
            if pair[1].0 > pair[0].0 {
                assert!(
                    pair[1].1 > pair[0].1,
                    "{}: memory does not grow with the batch: {pair:?}",
                    workload.label()
                );
            }
        }
    }
}
