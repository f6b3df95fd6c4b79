//! `results.json`: the one format every output reads (reports, charts, the dashboard, share
//! links, comparisons). Fields and units are documented in `docs/results-schema.md`; bump
//! [`SCHEMA_VERSION`] whenever the shape changes and keep reading the older versions.

use serde::{Deserialize, Serialize};

use crate::{
    config::{BenchConfig, ModelConfig},
    device::DeviceInfo,
    precision::Precision,
    stats::Summary,
};

/// Version of the `results.json` layout this build writes.
pub const SCHEMA_VERSION: u32 = 3;

/// One benchmark run on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// When the run started, RFC 3339 in UTC.
    pub created: String,
    pub machine: MachineInfo,
    pub device: DeviceInfo,
    pub timing: TimingInfo,
    pub config: BenchConfig,
    /// The inference suite's records; empty when only the memory suite ran.
    #[serde(default)]
    pub inference: Vec<InferenceRecord>,
    /// The memory suite's records (schema version 2); empty when it did not run.
    #[serde(default)]
    pub memory: Vec<MemoryRecord>,
    /// The device's measured limits (schema version 3); absent in older results.
    #[serde(default)]
    pub ceilings: Option<Ceilings>,
    /// burn's own matmul and add on the same device (schema version 3), where the inference
    /// suite ran.
    #[serde(default)]
    pub burn_probes: Option<BurnProbes>,
    /// Wall time of the whole run, in seconds.
    pub run_seconds: f64,
}

/// The device's limits as the WGSL microbenchmarks in `shaders/` measured them, so each
/// inference row can say how close it came (schema version 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ceilings {
    /// What timed the microbenchmarks.
    pub clock: String,
    /// Copy bandwidth, bytes read plus bytes written, GB/s (10^9 bytes per second).
    pub copy_gbps: Ceiling,
    /// Read bandwidth, GB/s.
    pub read_gbps: Ceiling,
    /// Fused multiply-add throughput in f32, GFLOP/s (a multiply-add counts as two).
    pub fma_f32_gflops: Ceiling,
    /// The same in f16, on devices with `shader-f16`.
    pub fma_f16_gflops: Ceiling,
    /// Device time per dispatch of an empty kernel, microseconds.
    pub dispatch_us: Ceiling,
}

/// burn's own kernels on the run's device, timed like the suites, as a check on the ceilings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurnProbes {
    /// A 1024 × 1024 by 1024 × 1024 FP32 matmul, GFLOP/s.
    pub matmul_gflops: Ceiling,
    /// An elementwise add of two 2^24-element FP32 tensors, GB/s (two reads and a write).
    pub add_gbps: Ceiling,
}

/// One measured limit, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Ceiling {
    Measured { value: f64 },
    Unavailable { reason: String },
}

impl Ceiling {
    /// A measurement's outcome: the figure where it is positive and finite, otherwise why not.
    pub fn from_result(result: Result<f64, String>) -> Self {
        match result {
            Ok(value) if value.is_finite() && value > 0.0 => Ceiling::Measured { value },
            Ok(value) => Ceiling::Unavailable {
                reason: format!("the clock gave an unusable figure ({value})"),
            },
            Err(reason) => Ceiling::Unavailable { reason },
        }
    }

    pub fn value(&self) -> Option<f64> {
        match self {
            Ceiling::Measured { value } => Some(*value),
            Ceiling::Unavailable { .. } => None,
        }
    }
}

impl Ceilings {
    /// Every limit unavailable for one reason (a device the microbenchmarks cannot run on).
    pub fn unavailable(reason: &str) -> Self {
        let none = || Ceiling::Unavailable {
            reason: reason.to_owned(),
        };
        Self {
            clock: "not run".into(),
            copy_gbps: none(),
            read_gbps: none(),
            fma_f32_gflops: none(),
            fma_f16_gflops: none(),
            dispatch_us: none(),
        }
    }

    /// The memory roof: the higher of the copy and read bandwidths, GB/s.
    pub fn bandwidth_gbps(&self) -> Option<f64> {
        match (self.copy_gbps.value(), self.read_gbps.value()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The compute roof for `precision`, GFLOP/s (none for BF16: WGSL has no bf16).
    pub fn fma_gflops(&self, precision: Precision) -> Option<f64> {
        match precision {
            Precision::F32 => self.fma_f32_gflops.value(),
            Precision::F16 => self.fma_f16_gflops.value(),
            Precision::Bf16 => None,
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
}

/// One configuration of the inference suite: a model at one precision and batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceRecord {
    pub model: String,
    pub precision: Precision,
    pub batch_size: usize,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What happened to one configuration. Unsupported and failed configurations stay in the
/// results so a reader sees that they were tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Measured(Box<InferenceMeasurement>),
    Unsupported { reason: String },
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceMeasurement {
    /// Untimed runs before the timed ones (shader compilation, autotune, caches).
    pub warmup_runs: usize,
    /// Time of one forward pass over the whole batch, in milliseconds.
    pub batch_latency_ms: Summary,
    /// `batch_latency_ms` divided by the batch size, in milliseconds.
    pub sample_latency_ms: Summary,
    /// Batch size ÷ median batch latency, in samples per second.
    pub throughput: f64,
    /// FLOPs per sample × throughput, in GFLOP/s.
    pub gflops: f64,
    pub memory: MemoryFigures,
    /// Every timed iteration's batch latency, in milliseconds, in the order measured.
    pub raw_batch_ms: Vec<f64>,
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
}

impl AnalyticalMemory {
    pub fn of(model: &ModelConfig, precision: Precision, batch_size: usize) -> Self {
        let bytes = precision.bytes();
        Self {
            parameter_bytes: model.parameter_bytes(precision),
            input_bytes: (batch_size * model.input_dim) as u64 * bytes,
            activation_bytes: model.activation_elements_per_sample() * batch_size as u64 * bytes,
        }
    }

    pub fn total(&self) -> u64 {
        self.parameter_bytes + self.input_bytes + self.activation_bytes
    }
}

/// One model at one batch size in the memory suite (FP32).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryRecord {
    pub model: String,
    pub batch_size: usize,
    #[serde(flatten)]
    pub outcome: MemoryOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MemoryOutcome {
    Measured(Box<MemoryMeasurement>),
    Failed { reason: String },
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

impl TrainingMemory {
    /// Peak in use above the baseline.
    pub fn peak_above_baseline(&self) -> u64 {
        self.peak_in_use.saturating_sub(self.baseline_in_use)
    }
}

impl InferenceMemory {
    pub fn peak_above_baseline(&self) -> u64 {
        self.after_forward.saturating_sub(self.baseline_in_use)
    }
}

/// What the shapes say a training step needs, FP32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingAnalytical {
    pub parameter_bytes: u64,
    pub input_bytes: u64,
    /// Every intermediate tensor of the forward pass (kept for backward).
    pub activation_bytes: u64,
    /// One gradient per parameter.
    pub gradient_bytes: u64,
    /// SGD without momentum keeps no state.
    pub sgd_state_bytes: u64,
    /// Adam keeps two moments per parameter.
    pub adam_state_bytes: u64,
}

impl TrainingAnalytical {
    pub fn of(model: &ModelConfig, batch_size: usize) -> Self {
        let inference = AnalyticalMemory::of(model, Precision::F32, batch_size);
        Self {
            parameter_bytes: inference.parameter_bytes,
            input_bytes: inference.input_bytes,
            activation_bytes: inference.activation_bytes,
            gradient_bytes: inference.parameter_bytes,
            sgd_state_bytes: 0,
            adam_state_bytes: 2 * inference.parameter_bytes,
        }
    }

    pub fn inference_total(&self) -> u64 {
        self.parameter_bytes + self.input_bytes + self.activation_bytes
    }

    pub fn state_bytes(&self, optimizer: OptimizerKind) -> u64 {
        match optimizer {
            OptimizerKind::Sgd => self.sgd_state_bytes,
            OptimizerKind::Adam => self.adam_state_bytes,
        }
    }

    pub fn training_total(&self, optimizer: OptimizerKind) -> u64 {
        self.inference_total() + self.gradient_bytes + self.state_bytes(optimizer)
    }
}

/// One module of the network in the per-layer profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerProfile {
    pub name: String,
    pub parameter_bytes: u64,
    /// Bytes of the module's output at this batch size.
    pub output_bytes: u64,
    /// Wall time of the module alone, until its output was read back.
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

impl ResultSet {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a result set always serialises")
    }

    /// Reads any schema version this build knows.
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
        Ok(serde_json::from_value(value)?)
    }

    /// The memory measurement of one model at one batch size, if it was measured.
    pub fn memory_measured(&self, model: &str, batch_size: usize) -> Option<&MemoryMeasurement> {
        self.memory
            .iter()
            .find(|r| r.model == model && r.batch_size == batch_size)
            .and_then(|r| match &r.outcome {
                MemoryOutcome::Measured(m) => Some(m.as_ref()),
                MemoryOutcome::Failed { .. } => None,
            })
    }

    /// The memory measurements of one model, in the run's batch order, measured ones only.
    pub fn memory_by_batch(&self, model: &str) -> Vec<(usize, &MemoryMeasurement)> {
        self.config
            .batch_sizes
            .iter()
            .filter_map(|&b| self.memory_measured(model, b).map(|m| (b, m)))
            .collect()
    }

    pub fn model(&self, name: &str) -> Option<&ModelConfig> {
        self.config.models.iter().find(|m| m.name == name)
    }

    /// The measurement of one configuration, if it was measured.
    pub fn measured(
        &self,
        model: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceMeasurement> {
        self.record(model, precision, batch_size)
            .and_then(|record| match &record.outcome {
                Outcome::Measured(m) => Some(m.as_ref()),
                _ => None,
            })
    }

    pub fn record(
        &self,
        model: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceRecord> {
        self.inference
            .iter()
            .find(|r| r.model == model && r.precision == precision && r.batch_size == batch_size)
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
        // Outcomes are tagged by a flat `status` field.
        assert!(text.contains("\"status\": \"unsupported\""));
        assert!(text.contains("\"status\": \"measured\""));
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
    fn reads_version_one() {
        let mut value: serde_json::Value =
            serde_json::from_str(&fixtures::results().to_json()).unwrap();
        value["schema_version"] = serde_json::json!(1);
        value.as_object_mut().unwrap().remove("memory");
        let results = ResultSet::from_json(&value.to_string()).unwrap();
        assert!(results.memory.is_empty());
        assert_eq!(results.inference.len(), fixtures::results().inference.len());
    }

    #[test]
    fn training_analytical_by_hand() {
        // 4 -> 3 -> 4, batch 2: params 124 B, input 32 B, activations 80 B.
        let a = TrainingAnalytical::of(&ModelConfig::new("tiny", 4, 3), 2);
        assert_eq!(a.inference_total(), 236);
        assert_eq!(a.training_total(OptimizerKind::Sgd), 236 + 124);
        assert_eq!(a.training_total(OptimizerKind::Adam), 236 + 124 + 248);
    }

    #[test]
    fn analytical_memory_by_hand() {
        // 4 -> 3 -> 4 at FP32, batch 2: params 31·4; input 2·4·4; activations 10·2·4.
        let a = AnalyticalMemory::of(&ModelConfig::new("tiny", 4, 3), Precision::F32, 2);
        assert_eq!(a.parameter_bytes, 124);
        assert_eq!(a.input_bytes, 32);
        assert_eq!(a.activation_bytes, 80);
        assert_eq!(a.total(), 236);
    }
}
