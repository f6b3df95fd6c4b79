//! A `--config` TOML file: the same settings as the flags, read onto a base configuration.

use serde::Deserialize;

use super::{
    BenchConfig,
    request::{DecoderLengths, choose_workloads, set_decoder_lengths},
};
use crate::{
    error::ConfigError,
    precision::Precision,
    workload::{WorkloadChoice, mlp::ModelConfig},
};

/// A `--config` TOML file: every field optional; what it leaves out keeps the base's value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    batch_sizes: Option<Vec<usize>>,
    precisions: Option<Vec<Precision>>,
    iterations: Option<usize>,
    warmup_ms: Option<f64>,
    seed: Option<u64>,
    target_ci: Option<f64>,
    max_time_ms: Option<f64>,
    repeat: Option<usize>,
    /// Sample until p99 has its interval, as `--tail`.
    tail: Option<bool>,
    #[serde(default)]
    models: Vec<ModelConfig>,
    /// `["mlp", "decoder:gpt2"]`, as `--workloads` takes them.
    workloads: Option<Vec<String>>,
    /// One length, or several for a prefill sweep.
    prompt_len: Option<OneOrMany>,
    context_len: Option<usize>,
    /// Tokens of the generation test, as `--gen-len`.
    gen_len: Option<usize>,
    /// Tokens of context before it, as `--depth`.
    depth: Option<usize>,
}

/// A TOML value given as one number or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(usize),
    Many(Vec<usize>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<usize> {
        match self {
            Self::One(one) => vec![one],
            Self::Many(many) => many,
        }
    }
}

/// `base` with a `--config` TOML file's settings on top.
/// Bare workload names take their hardware-GPU presets where `hardware_gpu`.
pub fn from_toml(
    text: &str,
    mut base: BenchConfig,
    hardware_gpu: bool,
) -> Result<BenchConfig, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        ConfigError(
            e.message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_owned(),
        )
    })?;
    if !file.models.is_empty() {
        base.models = file.models;
        // A file of MLP models that names no workloads asks for the MLP alone.
        if file.workloads.is_none() {
            base.workloads.clear();
        }
    }
    if let Some(sizes) = file.batch_sizes {
        base.batch_sizes = sizes;
        base.workload_batch_sizes = None;
    }
    base.precisions = file.precisions.unwrap_or(base.precisions);
    base.iterations = file.iterations.unwrap_or(base.iterations);
    base.warmup_ms = file.warmup_ms.unwrap_or(base.warmup_ms);
    base.seed = file.seed.unwrap_or(base.seed);
    base.target_ci = file.target_ci.or(base.target_ci);
    base.max_time_ms = file.max_time_ms.or(base.max_time_ms);
    base.repeat = file.repeat.unwrap_or(base.repeat);
    base.tail = file.tail.unwrap_or(base.tail);
    if let Some(items) = file.workloads {
        let choices = items
            .iter()
            .map(|item| item.parse())
            .collect::<Result<Vec<WorkloadChoice>, _>>()?;
        choose_workloads(&mut base, &choices, hardware_gpu);
    }
    let lengths = DecoderLengths {
        prompts: file.prompt_len.map(OneOrMany::into_vec).unwrap_or_default(),
        context: file.context_len,
        generate: file.gen_len,
        depth: file.depth,
    };
    set_decoder_lengths(&mut base, lengths)?;
    Ok(base)
}
