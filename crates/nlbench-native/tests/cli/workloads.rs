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
    schema::{ClockKind, Outcome, PathId, ResultSet},
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
/// backend and every other row. The check catches it, and the row fails with the error in
/// place of a speed: what a user of that device must learn.
fn decoded_wrongly(record: &nlbench::schema::InferenceRecord) -> bool {
    matches!(
        &record.outcome,
        Outcome::Failed { kind: ErrorKind::WrongResult, reason }
            if reason.starts_with("decoding with the KV cache differs from a full pass")
    )
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
            if fusion_on_lavapipe && phase == Phase::Decode && batch > 1 && decoded_wrongly(record)
            {
                continue;
            }
            let Outcome::Measured(m) = &record.outcome else {
                panic!("{kind} {phase} batch {batch}: {:?}", record.outcome)
            };
            let workload = results.workload_of(record).unwrap();
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
                        WorkloadKind::Decoder if phase == Phase::Decode => "without the KV cache",
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
        "### decoder:tiny prefill, FP32, burn",
        "Time to first token, median",
        "### decoder:tiny decode, FP32, burn",
        "Per-token latency, median",
        "Tokens/s",
        "The KV cache holds",
        "Images/s, 95 % CI",
    ] {
        assert!(
            report.contains(section),
            "BENCHMARK_REPORT.md lacks {section}:\n{report}"
        );
    }
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
            "decoder:tiny-p16 prefill",
            "decoder:tiny-p32 prefill"
        ],
        "cheapest first, one decode step"
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
