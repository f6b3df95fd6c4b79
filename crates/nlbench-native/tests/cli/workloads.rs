//! The workloads beside the MLP end to end: every tiny preset on the CPU backend and on wgpu
//! over a real Vulkan device (lavapipe where there is no GPU), with the decoder's prefill and
//! decode rows, their correctness checks, kernels and report sections; `compare` of the two
//! lines up every workload row.

use std::path::Path;

use crate::common::{BRIEF, nlbench, succeeded, tiny_phases, tiny_presets, tiny_workloads};
use nlbench::{
    analysis::compare::{Line, find, rows},
    compiler::Compiler,
    error::ErrorKind,
    precision::Precision,
    schema::{ClockKind, Outcome, PathId, ResultSet, TrainingOutcome},
    workload::{Phase, WorkloadKind},
};

fn tiny_run(backend: &str) -> (tempfile::TempDir, ResultSet, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = nlbench()
        .args(tiny_workloads())
        .args(["--quick", "--backend", backend, "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{backend}: {stderr}");
    let results = crate::common::results(dir.path());
    let report = std::fs::read_to_string(dir.path().join("BENCHMARK_REPORT.md")).unwrap();
    check(&results, &report, &stderr, backend == "vulkan");
    for chart in ["workload_benchmark.png", "workload_benchmark.svg"] {
        assert!(dir.path().join(chart).is_file(), "{chart} missing");
    }
    let svg = std::fs::read_to_string(dir.path().join("workload_benchmark.svg")).unwrap();
    assert!(
        svg.contains("decoder:tiny decode FP32 (tokens)"),
        "a line per workload phase"
    );
    (dir, results, report)
}

/// burn 0.21's fusion on lavapipe decodes a batch of several sequences wrongly: the same
/// step without fusion, or one sequence at a time, matches a full pass, and so do the CPU
/// backend and every other row. The check catches it (in a decode step and in a
/// generation), and the row fails with the error in place of a speed: what a user of that
/// device must learn.
fn decoded_wrongly(record: &nlbench::schema::InferenceRecord) -> bool {
    matches!(
        &record.outcome,
        Outcome::Failed { kind: ErrorKind::WrongResult, reason }
            if reason.starts_with("decoding with the KV cache differs from a full pass")
                || reason.starts_with("generating with the KV cache differs from a full pass")
    )
}

/// A generation row's figures agree with their own timings: tokens/s is N × batch over the
/// run's median time, and the steps' own times partition the runs (their mean × N is the
/// runs' mean), so the time per output token is each step's, not the run's share.
fn check_generation(
    record: &nlbench::schema::InferenceRecord,
    m: &nlbench::schema::InferenceMeasurement,
    generated: u64,
) {
    let runs = &m.timed.batch_latency_ms;
    let tokens_per_second = generated as f64 * record.batch_size as f64 / (runs.median / 1000.0);
    let reported = m.timed.throughput * generated as f64;
    assert!(
        (reported - tokens_per_second).abs() <= 1e-9 * tokens_per_second,
        "{reported} vs {tokens_per_second}"
    );
    let steps = m
        .token_latency_ms
        .as_ref()
        .expect("a generation times its steps");
    assert_eq!(
        steps.count,
        runs.count * generated as usize,
        "every timed run's steps"
    );
    let partition = steps.mean * generated as f64;
    assert!(
        (partition - runs.mean).abs() <= 1e-6 * runs.mean,
        "{partition} vs {}",
        runs.mean
    );
    assert!(steps.min <= steps.median && steps.median <= steps.max);
    assert!(steps.max < runs.min, "a step is shorter than a whole run");
}

/// What every backend's run must hold: a row per workload, phase, batch and path; every burn
/// row measured, with its check where the workload has one, and figures that agree with the
/// workload's own; the report's sections.
fn check(results: &ResultSet, report: &str, stderr: &str, fusion_on_lavapipe: bool) {
    assert!(results.config.models.is_empty(), "no MLP was asked for");
    let phases = tiny_phases();
    // burn's rows alone: the WGSL reference is the MLP's, and has no rows of these.
    assert_eq!(results.inference.len(), phases.len() * 2);
    for (workload, phase, _) in phases {
        let kind = workload.kind();
        // Every workload but the CNN checks its output before it is timed.
        let checked = kind != WorkloadKind::Cnn;
        for batch in [1, 2] {
            let record = results
                .inference
                .iter()
                .find(|r| {
                    r.workload == kind
                        && r.phase == phase
                        && r.batch_size == batch
                        && r.path == PathId::Burn
                })
                .unwrap_or_else(|| panic!("{kind} {phase} batch {batch}"));
            assert_eq!(record.model, "tiny");
            if fusion_on_lavapipe
                && matches!(phase, Phase::Decode | Phase::Generate)
                && batch > 1
                && decoded_wrongly(record)
            {
                continue;
            }
            let Outcome::Measured(m) = &record.outcome else {
                panic!("{kind} {phase} batch {batch}: {:?}", record.outcome)
            };
            let workload = results.workload_of(record).unwrap();
            if phase == Phase::Generate {
                check_generation(record, m, workload.unit(phase).tokens.unwrap());
            } else {
                assert!(m.token_latency_ms.is_none(), "{kind} {phase}");
            }
            let flops = workload.figures(phase).flops_per_sample as f64;
            let gflops = flops * m.timed.throughput / 1e9;
            assert!((m.timed.gflops - gflops).abs() <= 1e-9 * gflops.max(1.0));
            assert_eq!(
                m.memory.analytical.kv_cache_bytes > 0,
                workload.figures(phase).cache_elements > 0
            );
            match &m.accuracy {
                Some(a) if checked => {
                    assert!(a.max_abs_error <= a.tolerance, "{a:?}");
                    let against = a.against.as_deref().unwrap();
                    let expected = match kind {
                        WorkloadKind::Decoder if phase != Phase::Prefill => "without the KV cache",
                        WorkloadKind::Encoder | WorkloadKind::Decoder => "explicit softmax",
                        _ => "explicit",
                    };
                    assert!(against.contains(expected), "{against}");
                }
                None if !checked => {}
                other => panic!("{kind} {phase}: check {other:?}"),
            }
            let line = format!("{} FP32 batch {batch} · burn: ", record.label());
            assert!(
                stderr.contains(&line),
                "row as it finished: {line}\n{stderr}"
            );
        }
    }
    for workload in tiny_presets() {
        let heading = format!("## {}: tiny", workload.kind().title());
        assert!(report.contains(&heading), "no {heading}:\n{report}");
    }
    for section in [
        "### decoder:tiny prefill (pp64), FP32, burn",
        "Time to first token, median",
        "### decoder:tiny decode, FP32, burn",
        "Per-token latency, median",
        "### decoder:tiny generate (tg32), FP32, burn",
        "Time per output token, median",
        "Tokens/s",
        "The KV cache holds",
        "Images/s, 95 % CI",
        "### decoder tiny as llama-bench prints it",
    ] {
        assert!(
            report.contains(section),
            "BENCHMARK_REPORT.md lacks {section}:\n{report}"
        );
    }
    check_llama_bench_table(results, report);
}

/// The llama-bench table's t/s of tg32 at batch 1 is llama-bench's: the mean of each timed
/// run's 32 tokens ÷ its time.
fn check_llama_bench_table(results: &ResultSet, report: &str) {
    let record = results
        .inference
        .iter()
        .find(|r| r.test.as_deref() == Some("tg32") && r.batch_size == 1)
        .expect("a tg32 row");
    let Outcome::Measured(m) = &record.outcome else {
        panic!("{:?}", record.outcome)
    };
    let rates: Vec<f64> = m
        .timed
        .raw_batch_ms
        .iter()
        .map(|ms| 32.0 / (ms / 1000.0))
        .collect();
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    let cells: Vec<&str> = report
        .lines()
        .map(|line| line.split('|').map(str::trim).collect::<Vec<_>>())
        .find(|cells| cells.len() == 10 && cells[7] == "tg32" && cells[6] == "1")
        .unwrap_or_else(|| panic!("no tg32 batch 1 row:\n{report}"));
    let shown: f64 = cells[8].split(" ± ").next().unwrap().parse().unwrap();
    assert!(
        (shown - mean).abs() <= 0.005 + 1e-9 * mean,
        "{shown} vs {mean}"
    );
}

#[test]
fn tiny_workloads_run_on_cpu_and_vulkan_and_line_up() {
    let (cpu, _, _) = tiny_run("cpu");
    let (vulkan, results, report) = tiny_run("vulkan");
    // burn's kernels went through cubecl's SPIR-V compiler, and lavapipe has no matrix units.
    let kernels = results
        .device
        .kernels
        .as_ref()
        .expect("the device's kernels");
    assert_eq!(kernels.compiler, Compiler::Spirv, "{kernels:?}");
    assert!(kernels.fallback.is_none() && kernels.matrix_units.is_empty());
    assert!(
        report.contains("| burn's kernels  | spirv;"),
        "the report names the compiler:\n{report}"
    );
    // On wgpu cubecl tunes the workloads' matmuls (or finds them kept): rows name them.
    assert!(
        results.inference.iter().any(|r| matches!(
            &r.outcome,
            Outcome::Measured(m) if !m.kernels.is_empty()
        )),
        "{report}"
    );
    assert!(
        report.contains("Kernels cubecl's autotuner chose"),
        "{report}"
    );

    let out = tempfile::tempdir().unwrap();
    succeeded(
        nlbench()
            .args(["compare", "--out"])
            .arg(out.path())
            .arg(cpu.path().join("results.json"))
            .arg(vulkan.path().join("results.json"))
            .output()
            .unwrap(),
    );
    let both = [crate::common::results(cpu.path()), results];
    let lined = rows(&both);
    for (_, _, label) in tiny_phases() {
        let label = label.as_str();
        for batch in [1, 2] {
            let row = find(
                &lined,
                Line::Headline,
                ClockKind::Host,
                (label, Precision::F32, batch),
            )
            .unwrap_or_else(|| panic!("{label} batch {batch} in the comparison"));
            assert!(row.figures[0].is_some(), "{label} batch {batch} on the CPU");
            let lavapipe = both[1]
                .labelled_on(PathId::Burn, label, Precision::F32, batch)
                .unwrap();
            assert_eq!(
                row.figures[1].is_some(),
                !decoded_wrongly(lavapipe),
                "{label} batch {batch} on lavapipe: a figure where it measured"
            );
        }
    }
    let comparison = std::fs::read_to_string(out.path().join("COMPARISON.md")).unwrap();
    assert!(comparison.contains("decoder:tiny decode"), "{comparison}");
    assert!(comparison.contains("decoder:tiny tg32"), "{comparison}");
    check_bad_choices(out.path());
}

/// A workload or preset that does not exist, and a prompt longer than the context, are
/// refused before anything runs.
fn check_bad_choices(dir: &Path) {
    for (args, message) in [
        (
            vec!["--workloads", "transformer"],
            "unknown workload 'transformer' (expected mlp, encoder, decoder",
        ),
        (
            vec!["--workloads", "decoder:gpt5"],
            "unknown decoder preset 'gpt5' (expected one of: tiny, gpt2, 1b)",
        ),
        (
            vec!["--workloads", "decoder:tiny", "--prompt-len", "300"],
            "prompt length (at most the context) must be between 1 and 256, got 300",
        ),
        (
            vec!["--workloads", "decoder:tiny", "--gen-len", "0"],
            "generated tokens (--gen-len) must be at least 1",
        ),
        (
            vec![
                "--workloads",
                "decoder:tiny",
                "--gen-len",
                "200",
                "--depth",
                "100",
            ],
            "must fit the context, 256, got 200 + 100",
        ),
        (
            vec!["--workloads", "cnn", "--depth", "8"],
            "the run has no decoder",
        ),
    ] {
        let output = nlbench()
            .args(&args)
            .args(["--backend", "cpu", "--out"])
            .arg(dir.join("refused"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    }
}

/// `--suite memory` measures every workload: on the CPU backend (no allocator report) the
/// analytical figures alone, from the workload's shapes; on lavapipe the allocator's readings
/// of inference and of a training step with each optimizer, as for the MLP.
#[test]
fn memory_suite_measures_every_workload() {
    let tiny: Vec<String> = tiny_presets().iter().map(|w| w.label()).collect();
    let tiny = tiny.join(",");
    for backend in ["cpu", "vulkan"] {
        let dir = tempfile::tempdir().unwrap();
        succeeded(
            nlbench()
                .args(["--suite", "memory", "--backend", backend])
                .args(["--workloads", &format!("mlp:small,{tiny}")])
                .args(["--batch-sizes", "1,2", "--out"])
                .arg(dir.path())
                .output()
                .unwrap(),
        );
        let results = crate::common::results(dir.path());
        let workloads = results.config.all_workloads();
        assert_eq!(results.memory.len(), workloads.len() * 2, "{backend}");
        for workload in &workloads {
            for batch in [1, 2] {
                let m = results
                    .memory_measured(workload, batch)
                    .unwrap_or_else(|| panic!("{} batch {batch} on {backend}", workload.label()));
                let figures = workload.figures(workload.phases()[0]);
                assert_eq!(m.analytical.parameter_bytes, figures.parameters * 4);
                assert_eq!(m.analytical.adam_state_bytes, figures.parameters * 8);
                assert_eq!(m.analytical.kv_cache_bytes > 0, figures.cache_elements > 0);
            }
        }
        let report = std::fs::read_to_string(dir.path().join("MEMORY_REPORT.md")).unwrap();
        for workload in tiny_presets() {
            let heading = format!("## {}", workload.label());
            assert!(report.contains(&heading), "{backend}: no {heading}");
        }
        for section in ["## small", "a prefill of 64 tokens", "| KV cache"] {
            assert!(
                report.contains(section),
                "{backend}: no {section}:\n{report}"
            );
        }
        if backend == "vulkan" {
            crate::common::check_measured_memory(&results);
        } else {
            assert!(report.contains("n/a ("), "{report}");
        }
    }
}

/// The tiny decoder's prefill at two prompt lengths, run [`BRIEF`]ly as [`tiny_workloads`].
const SWEEP: [&str; 8] = [
    "--workloads",
    "decoder:tiny",
    "--prompt-len",
    "16,32",
    "--precision",
    "f32",
    "--batch-sizes",
    "1",
];

/// `--prompt-len 16,32` sweeps the prefill: a decoder per length, the first also decoding,
/// and a chart of the time to first token against the prompt length.
#[test]
fn a_prompt_sweep_charts_time_to_first_token() {
    let dir = tempfile::tempdir().unwrap();
    succeeded(
        nlbench()
            .args(SWEEP)
            .args(BRIEF)
            .args(["--backend", "cpu", "--out"])
            .arg(dir.path())
            .output()
            .unwrap(),
    );
    let results = crate::common::results(dir.path());
    let labels: Vec<String> = results.inference.iter().map(|r| r.label()).collect();
    assert_eq!(
        labels,
        [
            "decoder:tiny-p16 decode",
            "decoder:tiny-p16 pp16",
            "decoder:tiny-p32 pp32",
            "decoder:tiny-p16 tg32"
        ],
        "cheapest first, one decode step and one generation"
    );
    assert!(
        results
            .inference
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Measured(_))),
        "{:?}",
        results.inference
    );
    let svg = std::fs::read_to_string(dir.path().join("prompt_length_benchmark.svg")).unwrap();
    assert!(svg.contains("Prompt length (tokens)"), "{svg}");
    assert!(
        svg.contains("decoder:tiny FP32 batch 1"),
        "a line per decoder"
    );
    assert!(dir.path().join("prompt_length_benchmark.png").is_file());
}

/// The training suite: one optimizer step per tiny preset and the MLP, on the CPU backend
/// (beside the memory suite, whose peak the report sets beside each row) and on lavapipe;
/// every step trains (the loss over the first steps on the same batch is finite and falls),
/// and its figures agree with its timings.
#[test]
fn training_steps_train_every_tiny_preset() {
    let tiny: Vec<String> = tiny_presets().iter().map(|w| w.label()).collect();
    let tiny = tiny.join(",");
    for (backend, suites) in [("cpu", "training,memory"), ("vulkan", "training")] {
        let dir = tempfile::tempdir().unwrap();
        let output = succeeded(
            nlbench()
                .args(["--suite", suites, "--backend", backend])
                .args(["--workloads", &format!("mlp:small,{tiny}")])
                .args(["--batch-sizes", "1,2", "--precision", "f32"])
                .args(BRIEF)
                .arg("--out")
                .arg(dir.path())
                .output()
                .unwrap(),
        );
        let results = crate::common::results(dir.path());
        assert!(
            results.inference.is_empty(),
            "the training suite alone times"
        );
        let workloads = results.config.all_workloads();
        assert_eq!(results.training.len(), workloads.len() * 2, "{backend}");
        for record in &results.training {
            let what = format!(
                "{} batch {} on {backend}",
                record.label(),
                record.batch_size
            );
            let TrainingOutcome::Measured(m) = &record.outcome else {
                panic!("{what}: {:?}", record.outcome)
            };
            assert!(m.losses.len() >= 3, "{what}: {:?}", m.losses);
            assert!(
                m.losses.iter().all(|l| l.is_finite()),
                "{what}: {:?}",
                m.losses
            );
            assert!(
                m.losses.last() < m.losses.first(),
                "{what}: the loss falls over the steps: {:?}",
                m.losses
            );
            let t = &m.timed;
            let per_second = record.batch_size as f64 / (t.batch_latency_ms.median / 1000.0);
            assert!(
                (t.throughput - per_second).abs() <= 1e-9 * per_second,
                "{what}"
            );
            let workload = results
                .config
                .workload(record.workload, &record.model)
                .unwrap();
            let gflops = workload.training_flops_per_sample() as f64 * t.throughput / 1e9;
            assert!(
                (t.gflops - gflops).abs() <= 1e-9 * gflops.max(1.0),
                "{what}"
            );
            assert!(t.raw_batch_ms.len() >= 3, "{what}: --iterations 3");
        }
        let report = std::fs::read_to_string(dir.path().join("BENCHMARK_REPORT.md")).unwrap();
        let row = report
            .lines()
            .find(|line| line.starts_with("| decoder:tiny ") && line.contains("| 2 "))
            .unwrap_or_else(|| panic!("no training row of decoder:tiny:\n{report}"));
        assert!(row.contains("| prompts ") && row.contains(" → "), "{row}");
        // With the memory suite beside it, each row names that step's peak.
        let peak = row.split('|').map(str::trim).nth(9).unwrap();
        assert_eq!(peak == "–", backend != "cpu", "{row}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("Step, median (ms)"), "{stdout}");
    }
}
