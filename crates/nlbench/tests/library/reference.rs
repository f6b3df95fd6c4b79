//! The WGSL reference on a real Vulkan device (lavapipe where the machine has no GPU): its
//! output equals burn's within the tolerance for every model size and for shapes the tiles do
//! not divide; a tile shape that computes the wrong thing fails its row instead of giving a
//! speed, and one the device refuses is caught by the error scope.

use std::time::Instant;

use crate::common::{Host, vulkan};
use nlbench::{
    config::BenchConfig,
    device::DeviceInfo,
    error::ErrorKind,
    measure::Clock,
    plan::Plan,
    precision::Precision,
    reference::{Kernel, Reference, SHAPES, Shape, Weights},
    schema::{ClockKind, DeviceClock, MachineInfo, Outcome, ResultSet, ToolInfo},
    session::{self, Capacity, DeviceTwin, Event, Identity, NoCeilings, Platform},
    workload::ModelConfig,
};

impl Platform for Host {
    fn clock(&self) -> &dyn Clock {
        self
    }
    fn identity(&self) -> Identity {
        Identity {
            tool: ToolInfo {
                front_end: "test".into(),
                version: "0".into(),
                burn_version: nlbench::BURN_VERSION.into(),
                git_commit: None,
            },
            machine: MachineInfo {
                os: "test".into(),
                cpu: "test".into(),
                cpu_cores: None,
                browser: None,
            },
            created: "2026-11-27T00:00:00Z".into(),
            notes: Vec::new(),
        }
    }
    fn event(&self, _event: Event<'_>) {}
    fn stop_requested(&self) -> Option<String> {
        None
    }
}

fn run(reference: Reference, info: DeviceInfo, config: BenchConfig) -> ResultSet {
    run_path(
        session::Path::host_only(Box::new(reference), None),
        info,
        config,
    )
}

fn run_path(path: session::Path, info: DeviceInfo, config: BenchConfig) -> ResultSet {
    let device = session::Device {
        info,
        paths: vec![path],
        memory: None,
        training: None,
        ceilings: Box::new(NoCeilings("not measured in this test".into())),
        capacity: Capacity::unknown(),
    };
    let mut plan = Plan::new(config);
    plan.ceilings = false;
    plan.probes = false;
    pollster::block_on(session::run(&plan, &device, &Host(Instant::now()), None))
}

/// The plan of `models` at `batch_sizes` and `precisions`: one round of three timed runs.
fn config(
    models: Vec<ModelConfig>,
    batch_sizes: Vec<usize>,
    precisions: Vec<Precision>,
) -> BenchConfig {
    BenchConfig {
        models,
        batch_sizes,
        precisions,
        iterations: 3,
        warmup_ms: 0.0,
        target_ci: None,
        max_time_ms: None,
        repeat: 1,
        ..BenchConfig::quick()
    }
}

#[test]
fn reference_equals_burn_for_every_size_and_odd_shapes() {
    let (device, queue, info) = vulkan();
    let mut models: Vec<ModelConfig> = ["small", "medium", "large", "xl"]
        .iter()
        .map(|name| ModelConfig::preset(name, 1024).unwrap())
        .collect();
    // Widths no tile divides, and a third layer.
    let mut odd = ModelConfig::new("odd", 100, 37);
    odd.layers = 3;
    models.push(odd);
    let f16 = device.features().contains(wgpu::Features::SHADER_F16);
    let mut precisions = vec![Precision::F32];
    if f16 {
        precisions.push(Precision::F16);
    }
    let results = run(
        Reference::new(device, queue),
        info,
        config(models, vec![1, 3, 64], precisions),
    );
    let mut checked = 0;
    for record in &results.inference {
        let label = format!(
            "{} {} batch {}",
            record.model, record.precision, record.batch_size
        );
        let Outcome::Measured(m) = &record.outcome else {
            panic!("{label}: {:?}", record.outcome);
        };
        let accuracy = m.accuracy.clone().expect("the reference records its error");
        assert!(
            accuracy.max_abs_error <= accuracy.tolerance,
            "{label}: {accuracy:?}"
        );
        let layers = results.model(&record.model).unwrap().layers;
        assert_eq!(m.kernels.len(), layers, "{label}: one tile shape per layer");
        assert!(
            m.kernels[0].kernel.starts_with("tiled ") || m.kernels[0].kernel.starts_with("direct "),
            "{label}"
        );
        assert!(m.timed.gflops > 0.0);
        checked += 1;
    }
    assert_eq!(checked, 5 * 3 * if f16 { 2 } else { 1 });
}

#[test]
fn every_shape_and_weight_source_computes_burns_output() {
    let (device, queue, info) = vulkan();
    // Widths no tile divides: every shape runs its edge cases.
    let odd = ModelConfig::new("odd", 100, 37);
    let textured = SHAPES
        .iter()
        .filter(|s| s.kernel == Kernel::Direct)
        .map(|&s| Shape {
            weights: Weights::Texture,
            ..s
        });
    for shape in SHAPES.into_iter().chain(textured) {
        let results = run(
            Reference::with_shapes(device.clone(), queue.clone(), vec![shape]),
            info.clone(),
            config(vec![odd.clone()], vec![3], vec![Precision::F32]),
        );
        let label = shape.describe();
        let Outcome::Measured(m) = &results.inference[0].outcome else {
            panic!("{label}: {:?}", results.inference[0].outcome);
        };
        let accuracy = m.accuracy.clone().expect("the reference records its error");
        assert!(accuracy.max_abs_error <= accuracy.tolerance, "{label}");
        assert_eq!(m.kernels[0].kernel, label);
    }
}

#[test]
fn a_wrong_tile_fails_its_row_and_a_refused_one_is_caught() {
    let (device, queue, info) = vulkan();
    let odd = ModelConfig::new("odd", 100, 37);
    // Without bounds checks the tile reads past the end of each row when K = 100 is not a
    // multiple of its depth: a wrong result, which must never become a speed.
    let unchecked = Shape {
        edges: false,
        ..SHAPES[0]
    };
    let results = run(
        Reference::with_shapes(device.clone(), queue.clone(), vec![unchecked]),
        info.clone(),
        config(vec![odd.clone()], vec![5], vec![Precision::F32]),
    );
    match &results.inference[0].outcome {
        Outcome::Failed { kind, reason } => {
            assert_eq!(*kind, ErrorKind::WrongResult);
            assert!(reason.contains("differs from burn's"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    // 4,096 threads per workgroup: more than any device allows.
    let too_wide = Shape {
        wg_x: 64,
        wg_y: 64,
        ..SHAPES[0]
    };
    let results = run(
        Reference::with_shapes(device, queue, vec![too_wide]),
        info,
        config(vec![odd], vec![5], vec![Precision::F32]),
    );
    match &results.inference[0].outcome {
        Outcome::Failed { kind, reason } => {
            assert_eq!(*kind, ErrorKind::KernelRejected, "{reason}");
            assert!(reason.contains("no tile shape ran"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// The reference's headline is timed like burn's, on the host clock until one element of its
/// output is back; its twin times the same pass by GPU timestamps for the device time.
#[test]
fn the_reference_is_host_timed_with_device_time_beside_it() {
    let (device, queue, info) = vulkan();
    assert!(
        device.features().contains(wgpu::Features::TIMESTAMP_QUERY),
        "lavapipe writes timestamps"
    );
    let reference = Reference::new(device, queue);
    let twin = reference.device_timed().expect("a device with timestamps");
    let path = session::Path {
        headline: Box::new(reference),
        device_time: DeviceTwin::Timed(Box::new(twin)),
    };
    let small = ModelConfig::preset("small", 1024).unwrap();
    let results = run_path(
        path,
        info,
        config(vec![small], vec![4], vec![Precision::F32]),
    );
    let info = &results.paths[0];
    assert_eq!(info.clock, ClockKind::Host);
    assert_eq!(info.timing.clock, "std::time::Instant");
    assert!(info.timing.completion.contains("read back"), "{info:?}");
    match &info.device_time {
        Some(DeviceClock::Timed { timing, fusion }) => {
            assert!(timing.clock.starts_with("GPU timestamps"), "{timing:?}");
            assert!(!fusion);
        }
        other => panic!("{other:?}"),
    }
    let Outcome::Measured(m) = &results.inference[0].outcome else {
        panic!("{:?}", results.inference[0].outcome);
    };
    assert_eq!(m.clock, ClockKind::Host);
    let device_time = m
        .device_time
        .as_ref()
        .and_then(|d| d.measured())
        .expect("device time measured");
    assert_eq!(device_time.timed.raw_batch_ms.len(), 3);
    assert!(device_time.timed.raw_batch_ms.iter().all(|&ms| ms > 0.0));
    assert!(m.timed.raw_batch_ms.iter().all(|&ms| ms > 0.0));
}
