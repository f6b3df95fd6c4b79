//! `results.json`: the one format every output reads (reports, charts, the dashboard, share
//! links, comparisons, checkpoints). This module is the format alone; figures derived from
//! it live in [`crate::analysis`]. Fields and units are documented in
//! `docs/results-schema.md`; bump [`SCHEMA_VERSION`] whenever the shape changes and keep
//! reading the older versions, which [`ResultSet::from_json`] brings to this one's shape.

pub use crate::accuracy::Accuracy;
use serde::{Deserialize, Serialize};

use crate::{
    config::BenchConfig,
    device::DeviceInfo,
    error::ErrorKind,
    precision::Precision,
    stats::Summary,
    workload::{Phase, WorkloadKind},
};

/// Version of the `results.json` layout this build writes.
pub const SCHEMA_VERSION: u32 = 12;

/// One benchmark run on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// When the run started, RFC 3339 in UTC.
    pub created: String,
    pub machine: MachineInfo,
    pub device: DeviceInfo,
    /// How the headline path (the first of `paths`) was timed: from schema version 5 always
    /// the host's monotonic clock, each iteration ending with one element read back.
    pub timing: TimingInfo,
    /// Every implementation of the forward pass the run measured, the headline first (schema
    /// version 4; older results had one, burn's, which reading them fills in).
    #[serde(default)]
    pub paths: Vec<PathInfo>,
    pub config: BenchConfig,
    /// The inference suite's records; empty when only the memory suite ran.
    #[serde(default)]
    pub inference: Vec<InferenceRecord>,
    /// The memory suite's records (schema version 2); empty when it did not run.
    #[serde(default)]
    pub memory: Vec<MemoryRecord>,
    /// The training suite's records (schema version 11); empty when it did not run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub training: Vec<TrainingRecord>,
    /// The device's measured limits (schema version 3); absent in older results.
    #[serde(default)]
    pub ceilings: Option<Ceilings>,
    /// How the memory suite's per-layer profile was timed (schema version 4; the headline
    /// path's clock before).
    #[serde(default)]
    pub memory_timing: Option<TimingInfo>,
    /// burn's own matmul and add on the same device (schema version 3), where they ran.
    #[serde(default)]
    pub burn_probes: Option<BurnProbes>,
    /// Wall time of the whole run, in seconds.
    pub run_seconds: f64,
    /// Why the run ended before every configuration ran (schema version 4): an interrupt, a
    /// Stop in the dashboard. Absent for a complete run.
    #[serde(default)]
    pub partial: Option<String>,
    /// What the run could not do as planned and readers should know (schema version 5): a
    /// Ctrl-C handler that could not be installed, kernels that could not be named.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// An implementation of the network's forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathId {
    /// burn with its fusion layer, as users run it: the headline wherever burn runs.
    #[default]
    Burn,
    /// burn without its fusion layer.
    BurnUnfused,
    /// nlbench's hand-written WGSL forward pass (`shaders/`).
    Reference,
    /// PyTorch eager (`baselines/pytorch/`, schema version 5): the headline of its results.
    Pytorch,
}

impl PathId {
    pub const ALL: [PathId; 4] = [
        PathId::Burn,
        PathId::BurnUnfused,
        PathId::Reference,
        PathId::Pytorch,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PathId::Burn => "burn",
            PathId::BurnUnfused => "burn unfused",
            PathId::Reference => "WGSL reference",
            PathId::Pytorch => "PyTorch",
        }
    }
}

/// Which clock timed a figure. Only figures of the same kind are ever divided by each other:
/// the host clock includes launching the work and the read-back round trip, device
/// timestamps do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// The host's monotonic clock, each iteration ending when one element of the output has
    /// been read back to the host.
    #[default]
    Host,
    /// The device's own timestamps (GPU timestamp queries, CUDA events) around the work.
    Device,
}

impl ClockKind {
    pub fn label(self) -> &'static str {
        match self {
            ClockKind::Host => "host clock",
            ClockKind::Device => "device time",
        }
    }
}

/// One path of a run and how it was timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathInfo {
    pub id: PathId,
    /// Whether burn's fusion layer was on for the headline figures.
    pub fusion: bool,
    /// How the headline figures were timed.
    pub timing: TimingInfo,
    /// Which clock that is (schema version 5; older results: read from `timing`).
    #[serde(default)]
    pub clock: ClockKind,
    /// How the rows' device-time figures were taken, or why there are none (schema version
    /// 5; absent where the run did not ask for them).
    #[serde(default)]
    pub device_time: Option<DeviceClock>,
}

/// The second figure of a path's rows: device timestamps, or why the device has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeviceClock {
    Timed {
        timing: TimingInfo,
        /// Whether the backend it timed had burn's fusion layer (natively, device timestamps
        /// time burn without it: fusion launches kernels from a thread outside the span).
        fusion: bool,
    },
    Unavailable {
        reason: String,
    },
}

/// The device's limits as microbenchmarks measured them, so each inference row can say how
/// close it came (schema version 3): the WGSL kernels in `shaders/` on a wgpu device, Rust
/// kernels on the CPU backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ceilings {
    /// What measured and timed them.
    pub clock: String,
    /// Copy bandwidth, bytes read plus bytes written, GB/s (10^9 bytes per second).
    pub copy_gbps: Ceiling,
    /// Read bandwidth, GB/s.
    pub read_gbps: Ceiling,
    /// SIMT fused multiply-add throughput in f32, GFLOP/s (a multiply-add counts as two): vec4
    /// FMA chains in every invocation, no matrix units. Kernels on tensor cores or other
    /// matrix units can legitimately pass it.
    pub fma_f32_gflops: Ceiling,
    /// The same in f16, on devices with `shader-f16`.
    pub fma_f16_gflops: Ceiling,
    /// Matrix-unit throughput, FP16 inputs and FP32 accumulation, GFLOP/s (schema version
    /// 10; versions 5 to 9 named it `matrix_f32_gflops` and left it unavailable, with the
    /// reason): nlbench's CubeCL kernel on the units cubecl exposes.
    #[serde(default = "not_measured", alias = "matrix_f32_gflops")]
    pub matrix_f16_gflops: Ceiling,
    /// Device time per dispatch of an empty kernel, microseconds.
    pub dispatch_us: Ceiling,
}

/// Sides of the square FP32 matrices burn's matmul probe multiplies, smallest first: it keeps
/// the first whose matmul lasts long enough to time well, or the largest, 2.1 GFLOP, enough to
/// fill a large GPU. Each size is autotuned on first use (every candidate kernel run a dozen
/// times), so on a slow device stopping at a smaller size spares the largest tuning: 1024
/// costs lavapipe about 20 s of it.
pub const PROBE_MATMUL_SIDES: [usize; 3] = [256, 512, 1024];
/// The largest of them: the size a probe that ran out of smaller sides, or was lost, names.
pub const PROBE_LARGEST_SIDE: usize = PROBE_MATMUL_SIDES[PROBE_MATMUL_SIDES.len() - 1];
/// FP32 elements of each operand of burn's add probe: 64 MiB, past the caches of current GPUs.
pub const PROBE_ADD_ELEMENTS: usize = 1 << 24;

/// burn's own kernels on the run's device, timed like the suites, as a check on the ceilings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurnProbes {
    /// Side of the square FP32 matrices multiplied (schema version 4; 1024 before).
    #[serde(default = "default_matmul_n")]
    pub matmul_n: usize,
    /// Elements of each FP32 operand of the add (schema version 4; 2^24 before).
    #[serde(default = "default_add_elements")]
    pub add_elements: usize,
    /// The matmul, GFLOP/s.
    pub matmul_gflops: Ceiling,
    /// The add, GB/s (two reads and a write).
    pub add_gbps: Ceiling,
}

fn not_measured() -> Ceiling {
    Ceiling::Unavailable {
        reason: "not measured (a result older than schema version 5)".into(),
    }
}

fn default_matmul_n() -> usize {
    1024
}

fn default_add_elements() -> usize {
    1 << 24
}

/// Why a device has no matrix-unit ceiling: cubecl registered no FP16 cooperative-matrix
/// shape for it.
pub const NO_MATRIX_UNITS: &str = "no matrix units exposed";

/// One measured limit, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Ceiling {
    Measured { value: f64 },
    Unavailable { reason: String },
}

impl Ceiling {
    pub fn value(&self) -> Option<f64> {
        match self {
            Ceiling::Measured { value } => Some(*value),
            Ceiling::Unavailable { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// `nlbench-native` or `nlbench-web`.
    pub front_end: String,
    pub version: String,
    pub burn_version: String,
    /// Commit the front end was built from, where it was built inside a git checkout.
    pub git_commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineInfo {
    pub os: String,
    pub cpu: String,
    pub cpu_cores: Option<usize>,
    /// The browser's user agent, for runs in the dashboard.
    pub browser: Option<String>,
}

/// How the timings were taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingInfo {
    /// The clock that measured, for example `std::time::Instant` or `performance.now()`.
    pub clock: String,
    /// Where each timed iteration stops the clock, in words.
    pub completion: String,
    /// The smallest step the clock shows, in milliseconds (schema version 5; absent where
    /// unknown).
    #[serde(default)]
    pub resolution_ms: Option<f64>,
}

/// One configuration of the inference suite: a model at one precision and batch size, on one
/// path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceRecord {
    /// The network measured (schema version 8; absent: the MLP, as in every older result).
    #[serde(default, skip_serializing_if = "WorkloadKind::is_mlp")]
    pub workload: WorkloadKind,
    /// The MLP's model name, or the other workloads' preset.
    pub model: String,
    /// What one timed run did (schema version 8; absent: a forward pass).
    #[serde(default, skip_serializing_if = "Phase::is_forward")]
    pub phase: Phase,
    /// The row's test in llama-bench's terms, where it has one: `pp512` (a prefill),
    /// `tg128`, `tg128 @ d512` (generation) (schema version 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    pub precision: Precision,
    pub batch_size: usize,
    /// The implementation measured (schema version 4; burn before).
    #[serde(default)]
    pub path: PathId,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What happened to one configuration. Configurations without figures stay in the results so
/// a reader sees that they were tried, and why they have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Measured(Box<InferenceMeasurement>),
    Unsupported {
        reason: String,
    },
    /// Not run: a pre-flight check showed it cannot fit (schema version 4).
    Skipped {
        reason: String,
    },
    Failed {
        /// What kind of failure (schema version 4; older results read as `backend`).
        #[serde(default = "backend_kind")]
        kind: ErrorKind,
        reason: String,
    },
}

fn backend_kind() -> ErrorKind {
    ErrorKind::Backend
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceMeasurement {
    /// Which clock timed `timed` (schema version 5): the host's, in every result from then
    /// on; device timestamps in older results timed that way.
    #[serde(default)]
    pub clock: ClockKind,
    #[serde(flatten)]
    pub timed: Timed,
    pub memory: MemoryFigures,
    /// The kernels that ran (schema version 4).
    #[serde(default)]
    pub kernels: Vec<KernelChoice>,
    /// The output's agreement with burn's on the same weights and input (the reference path,
    /// schema version 4).
    #[serde(default)]
    pub accuracy: Option<Accuracy>,
    /// The same configuration timed by the device's own timestamps, a second figure never
    /// mixed with the first (schema version 5); absent where the run took none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_time: Option<DeviceTime>,
    /// A generation row's time per output token: every step's own time, from its start to
    /// its token read on the host, over the timed runs (schema version 11; the first round's
    /// with `--repeat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_latency_ms: Option<Summary>,
}

/// The figures of one configuration by one clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timed {
    /// Runs before the timed ones (shader compilation, autotune, caches).
    pub warmup_runs: usize,
    /// Time of one forward pass over the whole batch, in milliseconds. With several rounds
    /// (`--repeat`) its median and interval are those of the rounds' medians.
    pub batch_latency_ms: Summary,
    /// `batch_latency_ms` divided by the batch size, in milliseconds.
    pub sample_latency_ms: Summary,
    /// Batch size ÷ median batch latency, in samples per second.
    pub throughput: f64,
    /// FLOPs per sample × throughput, in GFLOP/s.
    pub gflops: f64,
    /// Every timed iteration's batch latency, in milliseconds, in the order measured.
    pub raw_batch_ms: Vec<f64>,
    /// What the samples say about their own quality (schema version 4).
    #[serde(default)]
    pub verdicts: Vec<Verdict>,
    /// Median batch latency of each interleaved round that measured, in milliseconds, with
    /// `--repeat` (schema version 4; empty for one round).
    #[serde(default)]
    pub rounds: Vec<f64>,
    /// The rounds that failed, with why (schema version 5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_rounds: Vec<RoundFailure>,
    /// Why sampling stopped (schema version 4).
    #[serde(default)]
    pub stopped: Option<StopRule>,
}

/// One interleaved round of a configuration that did not measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundFailure {
    /// 0-based.
    pub round: usize,
    pub kind: ErrorKind,
    pub reason: String,
}

/// A row's device-time figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeviceTime {
    Measured(Box<DeviceFigures>),
    /// The device-timed run failed; the host-clock figures still stand.
    Failed {
        kind: ErrorKind,
        reason: String,
    },
}

impl DeviceTime {
    pub fn measured(&self) -> Option<&DeviceFigures> {
        match self {
            DeviceTime::Measured(figures) => Some(figures),
            DeviceTime::Failed { .. } => None,
        }
    }
}

/// Device timestamps of one configuration, taken in a run of their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceFigures {
    /// Whether the backend timed had burn's fusion layer.
    pub fusion: bool,
    #[serde(flatten)]
    pub timed: Timed,
    /// The kernels that ran in the device-timed run, where they differ by backend.
    #[serde(default)]
    pub kernels: Vec<KernelChoice>,
}

/// Why sampling stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopRule {
    /// The planned number of iterations.
    Count,
    /// The median's confidence interval reached its target width.
    Converged,
    /// The time cap came first.
    TimeCap,
    /// The most iterations allowed came first.
    MaxSamples,
}

/// A warning about a row's samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The median's confidence interval stayed wider than the target.
    Noisy { half_width: f64, target: f64 },
    /// Samples further than 14.826 MADs from the median (hyperfine's rule; a modified
    /// z-score over 3.5 before schema version 5).
    Outliers { count: usize },
    /// The first timed run was much slower than the median of the rest.
    SlowFirstRun { ratio: f64 },
    /// Coefficient of variation above 5 %.
    HighVariation { cv: f64 },
    /// The median iteration lasts only a few ticks of the clock.
    NearResolution { median_ms: f64, resolution_ms: f64 },
    /// The interleaved rounds' medians differ by more than the intervals explain.
    RoundsDisagree { spread: f64 },
    /// Every sample is the same number: real timings of real work always differ a little,
    /// so the clock most likely did not time the work (a figure to distrust, not a fast row).
    Identical { count: usize },
    /// Too few samples (or rounds) for a 95 % interval: the interval shown is the whole
    /// range, which holds the median with only this probability (schema version 5).
    LowCoverage {
        coverage: f64,
        count: usize,
        /// Whether `count` counts interleaved rounds (their medians make the interval)
        /// rather than samples.
        #[serde(default)]
        rounds: bool,
    },
    /// Some interleaved rounds failed; the figures come from the others (schema version 5).
    FailedRounds { failed: usize, rounds: usize },
    /// The clock's resolution is unknown, so iterations near it cannot be told (schema
    /// version 5).
    ResolutionUnknown,
}

/// One kernel choice behind a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelChoice {
    /// The operation, as the tuner or the reference names it.
    pub operation: String,
    /// The kernel that ran it.
    pub kernel: String,
    /// Whether the choice was tuned in this run or kept from an earlier one (schema version
    /// 6); absent where nothing is tuned (burn's CPU backend) and in older results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<Tuning>,
}

/// Where a kernel choice came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tuning {
    /// Tuned (every candidate timed) in this run.
    Fresh,
    /// Kept from an earlier run on the same device, driver and versions.
    Reused,
}

impl Tuning {
    pub fn label(self) -> &'static str {
        match self {
            Self::Fresh => "tuned in this run",
            Self::Reused => "kept from an earlier run",
        }
    }
}

/// Memory of one configuration, in bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryFigures {
    /// Figures from the backend's allocator; `None` where the backend reports none.
    pub allocator: Option<AllocatorMemory>,
    /// Why `allocator` is missing.
    pub allocator_unavailable: Option<String>,
    pub analytical: AnalyticalMemory,
}

/// Snapshots of the device allocator (cubecl's memory usage report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocatorMemory {
    /// Bytes in use before the model was created.
    pub baseline_in_use: u64,
    /// Highest bytes in use seen right after a forward pass, its output still alive.
    pub peak_in_use: u64,
    /// Highest bytes reserved from the device (in use, padding and pooled free space).
    pub peak_reserved: u64,
}

/// Bytes that follow from the model's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticalMemory {
    pub parameter_bytes: u64,
    pub input_bytes: u64,
    /// Every intermediate and output tensor of one forward pass, none freed.
    pub activation_bytes: u64,
    /// The decoder's KV cache: written by a prefill, read by a decode step (schema
    /// version 8).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub kv_cache_bytes: u64,
}

fn is_zero(bytes: &u64) -> bool {
    *bytes == 0
}

/// One workload at one batch size in the memory suite (FP32).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryRecord {
    /// The network measured (schema version 9; absent: the MLP, as in every older result).
    #[serde(default, skip_serializing_if = "WorkloadKind::is_mlp")]
    pub workload: WorkloadKind,
    /// The MLP's model name, or the other workloads' preset.
    pub model: String,
    pub batch_size: usize,
    #[serde(flatten)]
    pub outcome: MemoryOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MemoryOutcome {
    Measured(Box<MemoryMeasurement>),
    /// Not run: a pre-flight check showed it cannot fit (schema version 4).
    Skipped {
        reason: String,
    },
    Failed {
        #[serde(default = "backend_kind")]
        kind: ErrorKind,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryMeasurement {
    pub analytical: TrainingAnalytical,
    /// Allocator readings of inference; `None` where the backend reports none.
    pub inference: Option<InferenceMemory>,
    /// Allocator readings of one training step per optimizer; empty without a report.
    pub training: Vec<TrainingMemory>,
    /// Why the allocator figures are missing.
    pub allocator_unavailable: Option<String>,
    /// Every module in forward order.
    pub layers: Vec<LayerProfile>,
}

/// Bytes in use (allocator) during inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferenceMemory {
    pub baseline_in_use: u64,
    pub after_weights: u64,
    /// After a forward pass, its output alive: the inference peak.
    pub after_forward: u64,
    pub peak_reserved: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Sgd,
    Adam,
}

impl OptimizerKind {
    pub fn label(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "SGD",
            OptimizerKind::Adam => "Adam",
        }
    }
}

/// One configuration of the training suite: a workload at one batch size, timed one optimizer
/// step at a time (schema version 11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    #[serde(default, skip_serializing_if = "WorkloadKind::is_mlp")]
    pub workload: WorkloadKind,
    /// The MLP's model name, or the other workloads' preset.
    pub model: String,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    #[serde(flatten)]
    pub outcome: TrainingOutcome,
}

/// What happened to one training configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TrainingOutcome {
    Measured(Box<TrainingMeasurement>),
    /// Not run: a pre-flight check showed it cannot fit.
    Skipped {
        reason: String,
    },
    Failed {
        kind: ErrorKind,
        reason: String,
    },
}

/// A training step's figures: `timed` as an inference row's, one run being one optimizer step
/// over the batch (forward, loss, backward, the optimizer's update, every parameter read back),
/// `gflops` counting three times the forward pass's FLOPs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingMeasurement {
    pub clock: ClockKind,
    #[serde(flatten)]
    pub timed: Timed,
    /// The loss before each of the first steps, all on the same batch and target: falling
    /// where the step trains.
    pub losses: Vec<f64>,
}

/// Bytes in use (allocator) at each stage of one training step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingMemory {
    pub optimizer: OptimizerKind,
    pub baseline_in_use: u64,
    pub after_weights: u64,
    /// Loss computed; the activations saved for backward are alive.
    pub after_forward: u64,
    /// Gradients computed.
    pub after_backward: u64,
    /// One optimizer step taken; its state is alive.
    pub after_step: u64,
    pub peak_in_use: u64,
    pub peak_reserved: u64,
}

/// What the shapes say a training step needs, FP32. A workload trains on its first phase's
/// pass (the decoder on its prefill: the prompt, to the next token's logits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingAnalytical {
    pub parameter_bytes: u64,
    pub input_bytes: u64,
    /// Every intermediate tensor of the forward pass (kept for backward).
    pub activation_bytes: u64,
    /// The decoder's KV cache, which its prefill writes (schema version 9).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub kv_cache_bytes: u64,
    /// One gradient per parameter.
    pub gradient_bytes: u64,
    /// SGD without momentum keeps no state.
    pub sgd_state_bytes: u64,
    /// Adam keeps two moments per parameter.
    pub adam_state_bytes: u64,
}

/// One module of the network in the per-layer profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerProfile {
    pub name: String,
    pub parameter_bytes: u64,
    /// Bytes of the module's output at this batch size.
    pub output_bytes: u64,
    /// Time of the module alone, by the headline path's clock.
    pub time_ms: Option<Summary>,
}

/// A `results.json` that cannot be read, with the reason.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("not a valid nlbench result: {0}")]
    Invalid(#[from] serde_json::Error),
    #[error(
        "written by a newer nlbench (schema version {found}; this build reads up to {SCHEMA_VERSION})"
    )]
    Future { found: u32 },
    #[error("not an nlbench result: no schema_version field")]
    Foreign,
}

/// What device-timed results said of their clock before schema version 4 recorded paths:
/// those runs used burn's unfused backend.
const UNFUSED_CLOCK_NOTE: &str = "fusion off";

impl ResultSet {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a result set always serialises")
    }

    /// Reads any schema version this build knows, in this version's shape.
    pub fn from_json(text: &str) -> Result<Self, SchemaError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let version = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or(SchemaError::Foreign)?;
        if version > u64::from(SCHEMA_VERSION) {
            return Err(SchemaError::Future {
                found: u32::try_from(version).unwrap_or(u32::MAX),
            });
        }
        let mut results: Self = serde_json::from_value(value)?;
        results.fill_paths();
        if version < 5 {
            results.fill_clocks();
        }
        Ok(results)
    }

    /// Results older than schema version 5 name their clocks only in words: device-timed
    /// paths (burn unfused natively, burn in the browser, the reference with timestamps)
    /// said "timestamps". Each path and each of its rows gets its kind.
    fn fill_clocks(&mut self) {
        for path in &mut self.paths {
            path.clock = if path
                .timing
                .clock
                .to_ascii_lowercase()
                .contains("timestamps")
            {
                ClockKind::Device
            } else {
                ClockKind::Host
            };
        }
        for record in &mut self.inference {
            let clock = self
                .paths
                .iter()
                .find(|p| p.id == record.path)
                .map_or(ClockKind::Host, |p| p.clock);
            if let Outcome::Measured(m) = &mut record.outcome {
                m.clock = clock;
            }
        }
    }

    /// Results older than schema version 4 measured one path, burn's: fused on the host clock,
    /// unfused on device timestamps.
    fn fill_paths(&mut self) {
        if !self.paths.is_empty() {
            return;
        }
        let unfused = self.timing.clock.contains(UNFUSED_CLOCK_NOTE);
        let id = if unfused {
            PathId::BurnUnfused
        } else {
            PathId::Burn
        };
        self.paths.push(PathInfo {
            id,
            fusion: !unfused,
            timing: self.timing.clone(),
            clock: ClockKind::Host,
            device_time: None,
        });
        for record in &mut self.inference {
            record.path = id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn round_trip() {
        let results = fixtures::results();
        let text = results.to_json();
        assert_eq!(ResultSet::from_json(&text).unwrap(), results);
        // Outcomes are tagged by a flat `status` field, failures carry their kind.
        assert!(text.contains("\"status\": \"unsupported\""));
        assert!(text.contains("\"status\": \"measured\""));
        assert!(text.contains("\"kind\": \"out_of_memory\""));
    }

    #[test]
    fn rejects_future_foreign_and_broken() {
        let mut value: serde_json::Value =
            serde_json::from_str(&fixtures::results().to_json()).unwrap();
        value["schema_version"] = serde_json::json!(SCHEMA_VERSION + 1);
        assert!(matches!(
            ResultSet::from_json(&value.to_string()),
            Err(SchemaError::Future { .. })
        ));
        assert!(matches!(
            ResultSet::from_json("{\"name\": 1}"),
            Err(SchemaError::Foreign)
        ));
        assert!(matches!(
            ResultSet::from_json("{\"schema_version\": 1}"),
            Err(SchemaError::Invalid(_))
        ));
    }

    #[test]
    fn reads_version_nine_without_kernels_and_with_the_old_matrix_ceiling() {
        let mut value: serde_json::Value =
            serde_json::from_str(&fixtures::results().to_json()).unwrap();
        value["schema_version"] = serde_json::json!(9);
        value["device"].as_object_mut().unwrap().remove("kernels");
        let ceilings = value["ceilings"].as_object_mut().unwrap();
        let matrix = ceilings.remove("matrix_f16_gflops").unwrap();
        ceilings.insert("matrix_f32_gflops".into(), matrix);
        let results = ResultSet::from_json(&value.to_string()).unwrap();
        assert_eq!(results.device.kernels, None);
        assert_eq!(
            results.ceilings.unwrap().matrix_f16_gflops,
            fixtures::results().ceilings.unwrap().matrix_f16_gflops
        );
    }

    /// A version 3 result as nlbench wrote it: no paths, no failure kinds, no intervals.
    fn version_three() -> serde_json::Value {
        let mut value: serde_json::Value =
            serde_json::from_str(&fixtures::results().to_json()).unwrap();
        value["schema_version"] = serde_json::json!(3);
        value["timing"]["clock"] = serde_json::json!(
            "device timestamps (wgpu timestamp queries, through cubecl's profile API; burn fusion off)"
        );
        let object = value.as_object_mut().unwrap();
        object.remove("paths");
        object.remove("partial");
        for record in value["inference"].as_array_mut().unwrap() {
            let record = record.as_object_mut().unwrap();
            record.remove("path");
            record.remove("kind");
            for field in ["verdicts", "rounds", "stopped", "kernels", "accuracy"] {
                record.remove(field);
            }
            if let Some(summary) = record.get_mut("batch_latency_ms") {
                let summary = summary.as_object_mut().unwrap();
                for field in ["median_ci", "mad", "mad_outliers"] {
                    summary.remove(field);
                }
            }
        }
        value
    }

    #[test]
    fn reads_version_three_as_unfused_burn() {
        let results = ResultSet::from_json(&version_three().to_string()).unwrap();
        assert_eq!(results.paths.len(), 1);
        assert_eq!(results.paths[0].id, PathId::BurnUnfused);
        assert!(!results.paths[0].fusion);
        assert!(
            results
                .inference
                .iter()
                .all(|r| r.path == PathId::BurnUnfused)
        );
        let failed = results
            .inference
            .iter()
            .find_map(|r| match &r.outcome {
                Outcome::Failed { kind, .. } => Some(*kind),
                _ => None,
            })
            .unwrap();
        assert_eq!(failed, ErrorKind::Backend);
        let measured = results
            .inference
            .iter()
            .find_map(|r| match &r.outcome {
                Outcome::Measured(m) => Some(m),
                _ => None,
            })
            .unwrap();
        assert!(measured.timed.batch_latency_ms.median_ci.is_none());
        assert!(measured.timed.verdicts.is_empty());
    }

    #[test]
    fn reads_version_one() {
        let mut value = version_three();
        value["schema_version"] = serde_json::json!(1);
        let object = value.as_object_mut().unwrap();
        object.remove("memory");
        object.remove("ceilings");
        object.remove("burn_probes");
        let results = ResultSet::from_json(&value.to_string()).unwrap();
        assert!(results.memory.is_empty() && results.ceilings.is_none());
        assert_eq!(results.inference.len(), fixtures::results().inference.len());
    }

    #[test]
    fn reads_version_seven_as_the_mlp() {
        let mut value = serde_json::to_value(fixtures::results()).unwrap();
        value["schema_version"] = serde_json::json!(7);
        let config = value["config"].as_object_mut().unwrap();
        config.remove("workloads");
        let text = value.to_string();
        assert!(!text.contains("\"workload\"") && !text.contains("\"phase\""));
        let results = ResultSet::from_json(&text).unwrap();
        assert!(results.config.workloads.is_empty());
        for record in &results.inference {
            assert_eq!(
                (record.workload, record.phase),
                (WorkloadKind::Mlp, Phase::Forward)
            );
            assert!(results.workload_of(record).is_some());
        }
        assert!(!results.memory.is_empty());
        for record in &results.memory {
            assert_eq!(record.workload, WorkloadKind::Mlp);
            assert!(results.model(&record.model).is_some());
        }
    }
}
