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
pub const SCHEMA_VERSION: u32 = 1;

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
    pub inference: Vec<InferenceRecord>,
    /// Wall time of the whole run, in seconds.
    pub run_seconds: f64,
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
    fn analytical_memory_by_hand() {
        // 4 -> 3 -> 4 at FP32, batch 2: params 31·4; input 2·4·4; activations 10·2·4.
        let a = AnalyticalMemory::of(&ModelConfig::new("tiny", 4, 3), Precision::F32, 2);
        assert_eq!(a.parameter_bytes, 124);
        assert_eq!(a.input_bytes, 32);
        assert_eq!(a.activation_bytes, 80);
        assert_eq!(a.total(), 236);
    }
}
