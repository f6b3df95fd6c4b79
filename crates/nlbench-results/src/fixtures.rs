//! A small hand-made result set for the report, chart and schema tests.

use crate::{
    compiler::{Compiler, Kernels},
    config::BenchConfig,
    device::{DeviceInfo, DeviceType},
    error::ErrorKind,
    precision::Precision,
    schema::*,
    stats::Summary,
    workload::{ModelConfig, Phase, Workload, WorkloadKind},
};

fn measured(model: &ModelConfig, precision: Precision, batch: usize, ms: f64) -> Outcome {
    measured_pass(
        &Workload::Mlp(model.clone()),
        Phase::Forward,
        precision,
        batch,
        ms,
    )
}

/// A measured row of `workload`'s `phase` whose median batch takes `ms`.
fn measured_pass(
    workload: &Workload,
    phase: Phase,
    precision: Precision,
    batch: usize,
    ms: f64,
) -> Outcome {
    let raw = vec![ms * 0.98, ms, ms * 1.02, ms * 1.01];
    let summary = Summary::of(&raw).unwrap();
    let analytical = AnalyticalMemory::of_workload(workload, phase, precision, batch);
    let throughput = batch as f64 / (summary.median / 1000.0);
    Outcome::Measured(Box::new(InferenceMeasurement {
        clock: ClockKind::Host,
        timed: Timed {
            warmup_runs: 3,
            sample_latency_ms: summary.scaled(1.0 / batch as f64),
            batch_latency_ms: summary,
            throughput,
            gflops: workload.figures(phase).flops_per_sample as f64 * throughput / 1e9,
            raw_batch_ms: raw,
            verdicts: Vec::new(),
            rounds: Vec::new(),
            failed_rounds: Vec::new(),
            stopped: Some(StopRule::Count),
        },
        memory: MemoryFigures {
            allocator: Some(AllocatorMemory {
                baseline_in_use: 0,
                peak_in_use: analytical.parameter_bytes + 4096 * batch as u64,
                peak_reserved: 64 << 20,
            }),
            allocator_unavailable: None,
            analytical,
        },
        kernels: vec![KernelChoice {
            operation: "matmul".into(),
            kernel: "fixture kernel".into(),
            tuning: Some(crate::schema::Tuning::Fresh),
        }],
        accuracy: None,
        device_time: None,
        token_latency_ms: None,
    }))
}

fn memory(model: &ModelConfig, batch: usize) -> MemoryOutcome {
    let analytical = TrainingAnalytical::of(model, batch);
    let base = 1000;
    let weights = base + analytical.parameter_bytes + 256;
    let forward = weights + analytical.input_bytes + 2048 * batch as u64;
    let training = |optimizer: OptimizerKind| {
        let after_forward = weights + analytical.input_bytes + analytical.activation_bytes + 512;
        let after_backward = after_forward + analytical.gradient_bytes;
        let after_step = after_backward + analytical.state_bytes(optimizer);
        TrainingMemory {
            optimizer,
            baseline_in_use: base,
            after_weights: weights,
            after_forward,
            after_backward,
            after_step,
            peak_in_use: after_step,
            peak_reserved: 64 << 20,
        }
    };
    MemoryOutcome::Measured(Box::new(MemoryMeasurement {
        analytical,
        inference: Some(InferenceMemory {
            baseline_in_use: base,
            after_weights: weights,
            after_forward: forward,
            peak_reserved: 32 << 20,
        }),
        training: vec![training(OptimizerKind::Sgd), training(OptimizerKind::Adam)],
        allocator_unavailable: None,
        layers: vec![LayerProfile {
            name: "layers.0 (Linear)".into(),
            parameter_bytes: 4 * (model.input_dim * model.hidden_dim) as u64,
            output_bytes: 4 * (batch * model.hidden_dim) as u64,
            time_ms: Summary::of(&[0.1, 0.2, 0.15]),
        }],
    }))
}

/// Two models at FP32 and FP16, batches 1 and 16; FP16 of `large` unsupported and one
/// configuration failed.
pub fn results() -> ResultSet {
    let config = BenchConfig {
        models: vec![
            ModelConfig::new("small", 64, 16),
            ModelConfig::new("large", 64, 128),
        ],
        workloads: Vec::new(),
        workload_batch_sizes: None,
        batch_sizes: vec![1, 16],
        precisions: vec![Precision::F32, Precision::F16],
        iterations: 4,
        warmup_ms: 10.0,
        seed: 42,
        target_ci: None,
        max_time_ms: None,
        repeat: 1,
        tail: false,
    };
    let mut inference = Vec::new();
    for model in &config.models {
        for &precision in &config.precisions {
            for &batch in &config.batch_sizes {
                let outcome = match (model.name.as_str(), precision, batch) {
                    ("large", Precision::F16, _) => Outcome::Unsupported {
                        reason: "FP16 unsupported on this device".into(),
                    },
                    ("small", Precision::F16, 16) => Outcome::Failed {
                        kind: ErrorKind::OutOfMemory,
                        reason: "out of memory".into(),
                    },
                    _ => measured(model, precision, batch, 0.5 + batch as f64 * 0.01),
                };
                inference.push(InferenceRecord {
                    workload: WorkloadKind::Mlp,
                    model: model.name.clone(),
                    phase: Phase::Forward,
                    test: None,
                    precision,
                    batch_size: batch,
                    path: PathId::Burn,
                    outcome,
                });
            }
        }
    }
    let mut memory_records = Vec::new();
    for model in &config.models {
        for &batch in &config.batch_sizes {
            memory_records.push(MemoryRecord {
                workload: WorkloadKind::Mlp,
                model: model.name.clone(),
                batch_size: batch,
                outcome: memory(model, batch),
            });
        }
    }
    memory_records.push(MemoryRecord {
        workload: WorkloadKind::Mlp,
        model: "large".into(),
        batch_size: 4096,
        outcome: MemoryOutcome::Failed {
            kind: ErrorKind::OutOfMemory,
            reason: "out of memory".into(),
        },
    });
    let timing = TimingInfo {
        clock: "test clock".into(),
        completion: "read back".into(),
        resolution_ms: Some(1e-6),
    };
    ResultSet {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            front_end: "nlbench-native".into(),
            version: "0.1.0".into(),
            burn_version: crate::BURN_VERSION.into(),
            git_commit: Some("abc123".into()),
        },
        created: "2026-11-27T09:00:00Z".into(),
        machine: MachineInfo {
            os: "Linux".into(),
            cpu: "Test CPU".into(),
            cpu_cores: Some(2),
            browser: None,
        },
        device: DeviceInfo {
            backend: "wgpu".into(),
            api: "Vulkan".into(),
            name: "llvmpipe".into(),
            vendor_id: Some(0x10005),
            vendor: "Mesa".into(),
            device_id: Some(0),
            device_type: DeviceType::Cpu,
            driver: "llvmpipe".into(),
            driver_info: "Mesa".into(),
            software: true,
            features: vec!["timestamp-query".into()],
            kernels: Some(Kernels {
                compiler: Compiler::Spirv,
                fallback: None,
                matrix_units: Vec::new(),
                subgroups: false,
                f16: true,
                bf16: false,
            }),
        },
        timing: timing.clone(),
        paths: vec![PathInfo {
            id: PathId::Burn,
            fusion: true,
            timing,
            clock: ClockKind::Host,
            device_time: None,
        }],
        config,
        inference,
        memory: memory_records,
        training: Vec::new(),
        ceilings: Some(Ceilings {
            clock: "test timestamps".into(),
            copy_gbps: Ceiling::Measured { value: 40.0 },
            read_gbps: Ceiling::Measured { value: 50.0 },
            fma_f32_gflops: Ceiling::Measured { value: 400.0 },
            fma_f16_gflops: Ceiling::Unavailable {
                reason: "the device has no shader-f16".into(),
            },
            matrix_f16_gflops: Ceiling::Unavailable {
                reason: crate::schema::NO_MATRIX_UNITS.into(),
            },
            dispatch_us: Ceiling::Measured { value: 12.5 },
        }),
        burn_probes: Some(BurnProbes {
            matmul_n: 1024,
            add_elements: 1 << 24,
            matmul_gflops: Ceiling::Measured { value: 100.0 },
            add_gbps: Ceiling::Unavailable {
                reason: "out of memory".into(),
            },
        }),
        run_seconds: 1.5,
        partial: None,
        memory_timing: None,
        notes: Vec::new(),
    }
}

/// [`results`] with the other workloads' tiny presets at FP32 and batches 1 and 16 (the
/// decoder's prefill and decode, its decode step with its check's accuracy) and the encoder's
/// memory-suite rows: what the reports' snapshots read.
pub fn with_workloads() -> ResultSet {
    let mut results = results();
    for kind in [
        WorkloadKind::Encoder,
        WorkloadKind::Decoder,
        WorkloadKind::Cnn,
    ] {
        let workload = Workload::preset(kind, "tiny").unwrap();
        for &phase in workload.phases() {
            for &batch in &results.config.batch_sizes {
                let ms = 2.0 + batch as f64 * 0.25;
                let mut outcome = measured_pass(&workload, phase, Precision::F32, batch, ms);
                if let (Phase::Decode, Outcome::Measured(m)) = (phase, &mut outcome) {
                    m.accuracy = Some(Accuracy {
                        against: Some("a full pass over the same tokens".into()),
                        max_abs_error: 2.5e-6,
                        max_rel_error: 1e-5,
                        tolerance: 1e-3,
                    });
                }
                // A generation's steps: each a fraction of the run, the first the longest.
                if let (Phase::Generate, Outcome::Measured(m)) = (phase, &mut outcome) {
                    let steps = workload.unit(phase).tokens.unwrap_or(1) as f64;
                    let step_ms: Vec<f64> = (0..4 * steps as usize)
                        .map(|i| ms / steps * if i % steps as usize == 0 { 1.5 } else { 0.98 })
                        .collect();
                    m.token_latency_ms = Summary::of(&step_ms);
                }
                results.inference.push(InferenceRecord {
                    workload: kind,
                    model: workload.name().into(),
                    phase,
                    test: workload.test_name(phase),
                    precision: Precision::F32,
                    batch_size: batch,
                    path: PathId::Burn,
                    outcome,
                });
            }
        }
        results.config.workloads.push(workload);
    }
    // Training rows of the encoder: one measured at each batch size, its loss falling.
    let encoder = results.config.workloads[0].clone();
    for &batch in &results.config.batch_sizes {
        let Outcome::Measured(m) = measured_pass(
            &encoder,
            Phase::Forward,
            Precision::F32,
            batch,
            6.0 + batch as f64,
        ) else {
            unreachable!("the fixture measures")
        };
        results.training.push(TrainingRecord {
            workload: WorkloadKind::Encoder,
            model: encoder.name().into(),
            batch_size: batch,
            optimizer: OptimizerKind::Adam,
            outcome: TrainingOutcome::Measured(Box::new(TrainingMeasurement {
                clock: ClockKind::Host,
                timed: m.timed,
                losses: vec![1.25, 1.1, 0.97, 0.86],
            })),
        });
    }
    results.training.push(TrainingRecord {
        workload: WorkloadKind::Decoder,
        model: "tiny".into(),
        batch_size: 16,
        optimizer: OptimizerKind::Adam,
        outcome: TrainingOutcome::Failed {
            kind: ErrorKind::OutOfMemory,
            reason: "out of memory".into(),
        },
    });
    for &batch in &results.config.batch_sizes {
        let analytical = TrainingAnalytical::of_workload(&encoder, batch);
        results.memory.push(MemoryRecord {
            workload: WorkloadKind::Encoder,
            model: encoder.name().into(),
            batch_size: batch,
            outcome: MemoryOutcome::Measured(Box::new(MemoryMeasurement {
                inference: Some(InferenceMemory {
                    baseline_in_use: 1000,
                    after_weights: 1000 + analytical.parameter_bytes,
                    after_forward: 1000 + analytical.inference_total(),
                    peak_reserved: 32 << 20,
                }),
                analytical,
                training: Vec::new(),
                allocator_unavailable: None,
                layers: Vec::new(),
            })),
        });
    }
    results
}
