//! What a user typed, field by field, turned into a validated configuration: the command
//! line's flags and the dashboard's form fill the same [`Request`].

use std::str::FromStr;

use super::BenchConfig;
use crate::{
    error::ConfigError,
    limits,
    workload::{
        Workload, WorkloadChoice,
        mlp::{DEFAULT_HIDDEN_DIM, DEFAULT_INPUT_DIM, DEFAULT_LAYERS, ModelConfig},
    },
};

/// What a user typed, field by field, before parsing: the command line's flags and the
/// dashboard's form both fill one, so both get the same parsing and the same messages.
/// Empty fields keep the base configuration's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Size presets, comma-separated (`small,medium`).
    pub sizes: Option<String>,
    pub input_dim: Option<String>,
    /// A custom model's hidden width.
    pub hidden_dim: Option<String>,
    /// A custom model's Linear layers.
    pub layers: Option<String>,
    pub batch_sizes: Option<String>,
    pub precisions: Option<String>,
    pub iterations: Option<String>,
    pub warmup_ms: Option<String>,
    pub seed: Option<String>,
    /// Interval target in percent (`2` for ±2 %), or `off` for exactly `iterations`.
    pub target_ci: Option<String>,
    pub max_time_ms: Option<String>,
    pub repeat: Option<String>,
    /// Workloads, comma-separated, each `NAME` or `NAME:PRESET` (`mlp,decoder:gpt2`).
    pub workloads: Option<String>,
    /// The decoder's prompt length (its prefill), in tokens; several, comma-separated, sweep
    /// the prefill over them.
    pub prompt_len: Option<String>,
    /// The KV cache length a decode step attends to, in tokens.
    pub context_len: Option<String>,
    /// Tokens the generation test generates (`tgN`).
    pub gen_len: Option<String>,
    /// Tokens of context before the generation (`tgN @ dM`).
    pub depth: Option<String>,
    /// Sample until p99 has its interval (`--tail`); false keeps the base's choice.
    pub tail: bool,
    /// Whether a bare workload name takes its hardware-GPU preset (`gpt2`, …) instead of
    /// `tiny`: the front end says so once it knows the device.
    pub hardware_gpu: bool,
}

/// A validated configuration and the notes about what was changed on the way (duplicates).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub config: BenchConfig,
    pub notes: Vec<String>,
}

impl Request {
    /// `base` (the defaults, `--quick`, or a TOML file's settings) with this request on top,
    /// validated.
    pub fn resolve(&self, mut base: BenchConfig) -> Result<Resolved, ConfigError> {
        let input_dim = present(&self.input_dim)
            .map(|t| number::<usize>(t, "input width"))
            .transpose()?;
        let input_dim_given = input_dim.is_some();
        if let Some(width) = input_dim {
            for model in &mut base.models {
                model.input_dim = width;
            }
        }
        let input_dim = input_dim.unwrap_or(DEFAULT_INPUT_DIM);
        let mut models = Vec::new();
        if let Some(sizes) = present(&self.sizes) {
            for size in list::<String>(sizes, "model sizes")? {
                let model = ModelConfig::preset(&size, input_dim)?;
                if models.iter().any(|m: &ModelConfig| m.name == model.name) {
                    continue;
                }
                models.push(model);
            }
        }
        let hidden = present(&self.hidden_dim)
            .map(|t| number::<usize>(t, "hidden width"))
            .transpose()?;
        let layers = present(&self.layers)
            .map(|t| number::<usize>(t, "layers"))
            .transpose()?;
        if hidden.is_some() || layers.is_some() {
            let mut custom =
                ModelConfig::new("custom", input_dim, hidden.unwrap_or(DEFAULT_HIDDEN_DIM));
            custom.layers = layers.unwrap_or(DEFAULT_LAYERS);
            models.push(custom);
        }
        // Choosing the MLP's models without naming workloads asks for the MLP alone.
        if (!models.is_empty() || input_dim_given) && present(&self.workloads).is_none() {
            base.workloads.clear();
        }
        if !models.is_empty() {
            base.models = models;
        }
        if let Some(text) = present(&self.batch_sizes) {
            base.batch_sizes = list(text, "batch sizes")?;
            base.workload_batch_sizes = None;
        }
        if let Some(text) = present(&self.precisions) {
            base.precisions = list(text, "precisions")?;
        }
        if let Some(text) = present(&self.iterations) {
            base.iterations = number(text, "iterations")?;
        }
        if let Some(text) = present(&self.warmup_ms) {
            base.warmup_ms = number(text, "warm-up (ms)")?;
        }
        if let Some(text) = present(&self.seed) {
            base.seed = number(text, "seed")?;
        }
        if let Some(text) = present(&self.target_ci) {
            base.target_ci = if text.eq_ignore_ascii_case("off") {
                None
            } else {
                Some(number::<f64>(text, "interval target (%)")? / 100.0)
            };
        }
        if let Some(text) = present(&self.max_time_ms) {
            base.max_time_ms = Some(number(text, "sampling time cap (ms)")?);
        }
        if let Some(text) = present(&self.repeat) {
            base.repeat = number(text, "repeat")?;
        }
        base.tail |= self.tail;
        if let Some(text) = present(&self.workloads) {
            let choices: Vec<WorkloadChoice> = list(text, "workloads")?;
            choose_workloads(&mut base, &choices, self.hardware_gpu);
        }
        let prompts = present(&self.prompt_len)
            .map(|t| list(t, "prompt length"))
            .transpose()?
            .unwrap_or_default();
        let lengths = DecoderLengths {
            prompts,
            context: present(&self.context_len)
                .map(|t| number(t, "context length"))
                .transpose()?,
            generate: present(&self.gen_len)
                .map(|t| number(t, "generated tokens (--gen-len)"))
                .transpose()?,
            depth: present(&self.depth)
                .map(|t| number(t, "depth (--depth)"))
                .transpose()?,
        };
        set_decoder_lengths(&mut base, lengths)?;
        let notes = base.dedupe();
        base.validate()?;
        Ok(Resolved {
            config: base,
            notes,
        })
    }
}

/// The run's workloads become `choices`: `mlp` keeps the models chosen so far, `mlp:PRESET`
/// measures that size; a workload left out is not measured; every one takes the run's batch
/// sizes.
pub(super) fn choose_workloads(
    base: &mut BenchConfig,
    choices: &[WorkloadChoice],
    hardware_gpu: bool,
) {
    let mut models = Vec::new();
    let mut workloads: Vec<Workload> = Vec::new();
    for choice in choices {
        match choice.resolve(hardware_gpu) {
            Workload::Mlp(model) if choice.preset.is_some() => {
                let width = base
                    .models
                    .first()
                    .map_or(DEFAULT_INPUT_DIM, |m| m.input_dim);
                if !models.iter().any(|m: &ModelConfig| m.name == model.name) {
                    models.push(ModelConfig::new(model.name, width, model.hidden_dim));
                }
            }
            Workload::Mlp(_) => {
                for model in &base.models {
                    if !models.iter().any(|m: &ModelConfig| m.name == model.name) {
                        models.push(model.clone());
                    }
                }
            }
            other => {
                if !workloads.iter().any(|w| w.is(other.kind(), other.name())) {
                    workloads.push(other);
                }
            }
        }
    }
    base.models = models;
    base.workloads = workloads;
    // The small batch sizes are the default plan's; workloads asked for take the run's.
    base.workload_batch_sizes = None;
}

/// The decoders' prompt length and decode context, where given (checked with the rest).
/// Every decoder's context length, and its prompt length; several prompt lengths make one
/// decoder per length, named `PRESET-pLENGTH` (`tiny-p16`), whose time to first token is
/// charted against the length: the first also decodes, the others run their prefill alone.
pub(super) fn set_decoder_lengths(
    base: &mut BenchConfig,
    lengths: DecoderLengths,
) -> Result<(), ConfigError> {
    if lengths.generate == Some(0) {
        return Err(ConfigError(
            "generated tokens (--gen-len) must be at least 1".into(),
        ));
    }
    let decoders = base
        .workloads
        .iter()
        .any(|w| matches!(w, Workload::Decoder(_)));
    if !decoders && (lengths.generate.is_some() || lengths.depth.is_some()) {
        return Err(ConfigError(
            "--gen-len and --depth set the decoder's generation test; the run has no decoder \
             (add one with --workloads decoder)"
                .into(),
        ));
    }
    let workloads = std::mem::take(&mut base.workloads);
    for workload in workloads {
        let Workload::Decoder(mut decoder) = workload else {
            base.workloads.push(workload);
            continue;
        };
        decoder.decode_at = lengths.context.unwrap_or(decoder.decode_at);
        decoder.generate = lengths.generate.unwrap_or(decoder.generate);
        decoder.depth = lengths.depth.unwrap_or(decoder.depth);
        match lengths.prompts.as_slice() {
            [] => base.workloads.push(Workload::Decoder(decoder)),
            [prompt] => {
                decoder.prompt = *prompt;
                base.workloads.push(Workload::Decoder(decoder));
            }
            sweep => {
                for (index, &prompt) in sweep.iter().enumerate() {
                    let mut variant = decoder.clone();
                    variant.name = format!("{}-p{prompt}", decoder.name);
                    variant.prompt = prompt;
                    variant.decodes = index == 0;
                    base.workloads.push(Workload::Decoder(variant));
                }
            }
        }
    }
    Ok(())
}

/// The decoder's lengths a request or a file sets, each where given.
pub(super) struct DecoderLengths {
    /// One prompt length, or several for a prefill sweep.
    pub prompts: Vec<usize>,
    pub context: Option<usize>,
    pub generate: Option<usize>,
    pub depth: Option<usize>,
}

fn present(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// One number, with a message naming the field.
fn number<T: FromStr>(text: &str, what: &str) -> Result<T, ConfigError> {
    let text = text.trim();
    text.parse().map_err(|_| {
        ConfigError(format!(
            "{what}: '{}' is not a valid number",
            text.chars().take(32).collect::<String>()
        ))
    })
}

/// A comma-separated list, every item parsed; at most [`limits::MAX_LIST`] items.
pub fn list<T: FromStr>(text: &str, what: &str) -> Result<Vec<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let items: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if items.len() > limits::MAX_LIST {
        return Err(ConfigError(format!(
            "{what}: at most {} entries, got {}",
            limits::MAX_LIST,
            items.len()
        )));
    }
    items
        .into_iter()
        .map(|item| {
            item.parse().map_err(|e: T::Err| {
                let e = e.to_string();
                if e.contains('\'') {
                    ConfigError(e)
                } else {
                    ConfigError(format!(
                        "{what}: '{}' is not valid ({e})",
                        item.chars().take(32).collect::<String>()
                    ))
                }
            })
        })
        .collect()
}
