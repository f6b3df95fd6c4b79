//! What to benchmark: the models, batch sizes, precisions and sampling of a run, and the one
//! place that turns what a user typed (command-line flags, a TOML file, the dashboard's form)
//! into a validated [`BenchConfig`], with the same messages everywhere.
//!
//! Every number has a bound, stated in its error message, so no accepted configuration can
//! overflow a byte count; duplicate list entries are measured once, with a note saying so.

mod file;
mod request;
#[cfg(test)]
mod tests;
mod validate;

use serde::{Deserialize, Serialize};

pub use file::from_toml;
pub use request::{Request, Resolved, list};

use crate::{
    precision::Precision,
    workload::{
        Workload, WorkloadKind,
        mlp::{DEFAULT_INPUT_DIM, ModelConfig},
    },
};

/// Seed of the weights and inputs, so two runs measure the same numbers.
pub const DEFAULT_SEED: u64 = 42;
/// Default target of adaptive sampling: the median's 95 % interval within ±2 %.
pub const DEFAULT_TARGET_CI: f64 = 0.02;
/// Batch sizes of the default plan's tiny workloads on the CPU and software devices.
pub const SMALL_BATCHES: [usize; 2] = [1, 16];
/// Default time cap of adaptive sampling per configuration and round, in milliseconds.
pub const DEFAULT_MAX_TIME_MS: f64 = 400.0;
/// Interleaved rounds of the default plans: three rounds give every row an interval that an
/// identical rerun stays within (on a busy 2-core machine, three rounds' intervals held an
/// identical rerun's figure in 93 of 96 rows, two rounds' in 37 of 48, one run's own
/// samples' in 2 of 60).
pub const DEFAULT_REPEAT: usize = 3;

fn one() -> usize {
    1
}

/// Everything a run needs to know, independent of the device it runs on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchConfig {
    /// The MLP workload's models (none where the run measures other workloads alone).
    pub models: Vec<ModelConfig>,
    /// The other workloads, each at one preset (schema version 8; none before).
    #[serde(default)]
    pub workloads: Vec<Workload>,
    pub batch_sizes: Vec<usize>,
    /// The batch sizes of the workloads beside the MLP, where they differ from
    /// `batch_sizes` (schema version 8): the default plan's tiny presets on the CPU and on
    /// software devices take the small ones, so that plan stays short there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_batch_sizes: Option<Vec<usize>>,
    pub precisions: Vec<Precision>,
    /// Timed iterations per configuration; with adaptive sampling, the least taken.
    pub iterations: usize,
    /// Minimum warm-up time per configuration, in milliseconds.
    pub warmup_ms: f64,
    pub seed: u64,
    /// Adaptive sampling goes on until the median's 95 % interval is within ± this share of
    /// the median (schema version 4; `None`: exactly `iterations`).
    #[serde(default)]
    pub target_ci: Option<f64>,
    /// …or until this many milliseconds of timing have passed (schema version 4).
    #[serde(default)]
    pub max_time_ms: Option<f64>,
    /// Interleaved rounds of the whole plan (schema version 4).
    #[serde(default = "one")]
    pub repeat: usize,
    /// Sample each row until its p99 has a 95 % interval (299 samples), within
    /// `max_time_ms` (schema version 11; absent: false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tail: bool,
}

impl Default for BenchConfig {
    /// The default plan on the CPU and on software devices: the MLP's three sizes and the
    /// tiny preset of every other workload.
    fn default() -> Self {
        Self::default_for(false)
    }
}

impl BenchConfig {
    /// The default plan; on a hardware GPU with the realistic presets (`bert-base`, `gpt2`,
    /// `resnet50`).
    pub fn default_for(hardware_gpu: bool) -> Self {
        Self {
            models: ["small", "medium", "large"]
                .iter()
                .map(|name| ModelConfig::preset(name, DEFAULT_INPUT_DIM).expect("known preset"))
                .collect(),
            // Every workload beside the MLP, whose sizes are the models above.
            workloads: WorkloadKind::ALL
                .into_iter()
                .filter(|kind| !kind.is_mlp())
                .map(|kind| Workload::default_for(kind, hardware_gpu))
                .collect(),
            workload_batch_sizes: (!hardware_gpu).then(|| SMALL_BATCHES.to_vec()),
            batch_sizes: vec![1, 16, 64, 128, 256],
            precisions: vec![Precision::F32, Precision::F16],
            iterations: 20,
            warmup_ms: 500.0,
            seed: DEFAULT_SEED,
            target_ci: Some(DEFAULT_TARGET_CI),
            max_time_ms: Some(DEFAULT_MAX_TIME_MS),
            repeat: DEFAULT_REPEAT,
            tail: false,
        }
    }

    /// A smoke run: two small MLPs (`--workloads` adds others), three batch sizes, few
    /// iterations, short caps, the default plan's rounds.
    pub fn quick() -> Self {
        Self {
            models: ["small", "medium"]
                .iter()
                .map(|name| ModelConfig::preset(name, DEFAULT_INPUT_DIM).expect("known preset"))
                .collect(),
            workloads: Vec::new(),
            workload_batch_sizes: None,
            batch_sizes: vec![1, 16, 64],
            iterations: 10,
            warmup_ms: 100.0,
            max_time_ms: Some(100.0),
            ..Self::default()
        }
    }

    /// The batch sizes `workload` runs at.
    pub fn batch_sizes_of(&self, workload: &Workload) -> &[usize] {
        match (workload, &self.workload_batch_sizes) {
            (Workload::Mlp(_), _) | (_, None) => &self.batch_sizes,
            (_, Some(sizes)) => sizes,
        }
    }

    /// Every workload of the run, the MLP's models first.
    pub fn all_workloads(&self) -> Vec<Workload> {
        self.models
            .iter()
            .cloned()
            .map(Workload::Mlp)
            .chain(self.workloads.iter().cloned())
            .collect()
    }

    /// The workload a row of `kind` named `name` measured.
    pub fn workload(&self, kind: WorkloadKind, name: &str) -> Option<Workload> {
        match kind {
            WorkloadKind::Mlp => self
                .models
                .iter()
                .find(|m| m.name == name)
                .cloned()
                .map(Workload::Mlp),
            _ => self.workloads.iter().find(|w| w.is(kind, name)).cloned(),
        }
    }
}
