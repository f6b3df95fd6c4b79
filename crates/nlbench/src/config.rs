//! What to benchmark: the models, batch sizes, precisions and sampling of a run, and the one
//! place that turns what a user typed (command-line flags, a TOML file, the dashboard's form)
//! into a validated [`BenchConfig`], with the same messages everywhere.
//!
//! Every number has a bound, stated in its error message, so no accepted configuration can
//! overflow a byte count; duplicate list entries are measured once, with a note saying so.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{
    precision::Precision,
    workload::{Workload, WorkloadChoice, WorkloadKind},
};

/// Input (and output) width of the NeuralLayers network unless told otherwise.
pub const DEFAULT_INPUT_DIM: usize = 1024;
/// Hidden width of the default ("medium") model.
pub const DEFAULT_HIDDEN_DIM: usize = 512;
/// Number of Linear layers of the default model.
pub const DEFAULT_LAYERS: usize = 2;
/// Seed of the weights and inputs, so two runs measure the same numbers.
pub const DEFAULT_SEED: u64 = 42;
/// Default target of adaptive sampling: the median's 95 % interval within ±2 %.
pub const DEFAULT_TARGET_CI: f64 = 0.02;
/// Batch sizes of the default plan's tiny workloads on the CPU and software devices.
pub const SMALL_BATCHES: [usize; 2] = [1, 16];
/// Default time cap of adaptive sampling per configuration, in milliseconds.
pub const DEFAULT_MAX_TIME_MS: f64 = 1000.0;

/// The bounds every front end enforces.
pub mod limits {
    /// Widest input, output or hidden layer.
    pub const MAX_DIM: usize = 65_536;
    /// Most Linear layers.
    pub const MAX_LAYERS: usize = 64;
    /// Largest batch.
    pub const MAX_BATCH: usize = 1 << 20;
    /// Most batch sizes, and most models, in one run.
    pub const MAX_LIST: usize = 32;
    /// Most timed iterations per configuration.
    pub const MAX_ITERATIONS: usize = 100_000;
    /// Longest warm-up and longest sampling time per configuration, in milliseconds.
    pub const MAX_MS: f64 = 600_000.0;
    /// Most interleaved rounds.
    pub const MAX_REPEAT: usize = 100;
    /// Widest accepted interval target (a share of the median).
    pub const MAX_TARGET_CI: f64 = 0.5;
    /// Longest model name.
    pub const MAX_NAME: usize = 64;
}

/// One NeuralLayers network: `input_dim -> hidden_dim -> ... -> input_dim`, with a ReLU
/// between consecutive Linear layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Name shown in reports and charts ("small", "medium", or a custom name).
    pub name: String,
    pub input_dim: usize,
    pub hidden_dim: usize,
    /// Number of Linear layers (at least 2: into and out of the hidden width).
    #[serde(default = "default_layers")]
    pub layers: usize,
}

fn default_layers() -> usize {
    DEFAULT_LAYERS
}

fn one() -> usize {
    1
}

/// The named size presets of the original suite, plus `xl`.
pub const SIZE_PRESETS: [(&str, usize); 4] = [
    ("small", 256),
    ("medium", 512),
    ("large", 1024),
    ("xl", 2048),
];

impl ModelConfig {
    /// A model with the default depth and the given widths.
    pub fn new(name: impl Into<String>, input_dim: usize, hidden_dim: usize) -> Self {
        Self {
            name: name.into(),
            input_dim,
            hidden_dim,
            layers: DEFAULT_LAYERS,
        }
    }

    /// The preset called `name` (`small`, `medium`, `large`, `xl`) at the given input width.
    pub fn preset(name: &str, input_dim: usize) -> Result<Self, ConfigError> {
        let name = name.trim();
        SIZE_PRESETS
            .iter()
            .find(|(preset, _)| preset.eq_ignore_ascii_case(name))
            .map(|&(preset, hidden)| Self::new(preset, input_dim, hidden))
            .ok_or_else(|| {
                ConfigError(format!(
                    "unknown model size '{name}' (expected one of: small, medium, large, xl)"
                ))
            })
    }

    /// Widths of every layer boundary: `[input, hidden, ..., hidden, input]`.
    pub fn widths(&self) -> Vec<usize> {
        let mut widths = vec![self.input_dim];
        widths.extend(std::iter::repeat_n(
            self.hidden_dim,
            self.layers.saturating_sub(1),
        ));
        widths.push(self.input_dim);
        widths
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        use limits::*;
        if self.name.trim().is_empty() {
            return Err(ConfigError("a model needs a non-empty name".into()));
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(ConfigError(format!(
                "model name '{}…' is longer than {MAX_NAME} characters",
                self.name.chars().take(16).collect::<String>()
            )));
        }
        for (what, value) in [("input", self.input_dim), ("hidden", self.hidden_dim)] {
            if !(1..=MAX_DIM).contains(&value) {
                return Err(ConfigError(format!(
                    "model '{}': {what} width must be between 1 and {MAX_DIM}, got {value}",
                    self.name
                )));
            }
        }
        if !(2..=MAX_LAYERS).contains(&self.layers) {
            return Err(ConfigError(format!(
                "model '{}': layers must be between 2 and {MAX_LAYERS}, got {}",
                self.name, self.layers
            )));
        }
        Ok(())
    }
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
            workloads: [
                WorkloadKind::Encoder,
                WorkloadKind::Decoder,
                WorkloadKind::Cnn,
            ]
            .into_iter()
            .map(|kind| Workload::default_for(kind, hardware_gpu))
            .collect(),
            workload_batch_sizes: (!hardware_gpu).then(|| SMALL_BATCHES.to_vec()),
            batch_sizes: vec![1, 16, 64, 128, 256],
            precisions: vec![Precision::F32, Precision::F16],
            iterations: 50,
            warmup_ms: 500.0,
            seed: DEFAULT_SEED,
            target_ci: Some(DEFAULT_TARGET_CI),
            max_time_ms: Some(DEFAULT_MAX_TIME_MS),
            repeat: 1,
        }
    }

    /// A smoke run: two small MLPs (`--workloads` adds others), three batch sizes, few
    /// iterations, short caps.
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
            max_time_ms: Some(200.0),
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

    /// Checks every bound; the message names the field, the limit and the value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        use limits::*;
        if self.models.is_empty() && self.workloads.is_empty() {
            return Err(ConfigError(
                "at least one model or workload is needed".into(),
            ));
        }
        if self.workloads.len() > MAX_LIST {
            return Err(ConfigError(format!(
                "at most {MAX_LIST} workloads, got {}",
                self.workloads.len()
            )));
        }
        for (index, workload) in self.workloads.iter().enumerate() {
            if matches!(workload, Workload::Mlp(_)) {
                return Err(ConfigError("the MLP's sizes belong in models".into()));
            }
            workload.validate()?;
            if self.workloads[..index]
                .iter()
                .any(|w| w.is(workload.kind(), workload.name()))
            {
                return Err(ConfigError(format!(
                    "workload '{}' is given twice",
                    workload.label()
                )));
            }
        }
        if self.models.len() > MAX_LIST {
            return Err(ConfigError(format!(
                "at most {MAX_LIST} models, got {}",
                self.models.len()
            )));
        }
        for model in &self.models {
            model.validate()?;
        }
        let mut names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigError(format!(
                "model name '{}' is used twice",
                pair[0]
            )));
        }
        if self.batch_sizes.is_empty() {
            return Err(ConfigError("at least one batch size is needed".into()));
        }
        if let Some(sizes) = &self.workload_batch_sizes
            && (sizes.is_empty()
                || sizes.len() > MAX_LIST
                || sizes.iter().any(|b| !(1..=MAX_BATCH).contains(b)))
        {
            return Err(ConfigError(format!(
                "the workloads' batch sizes must be 1 to {MAX_LIST} sizes between 1 and \
                 {MAX_BATCH}"
            )));
        }
        if self.batch_sizes.len() > MAX_LIST {
            return Err(ConfigError(format!(
                "at most {MAX_LIST} batch sizes, got {}",
                self.batch_sizes.len()
            )));
        }
        if let Some(&bad) = self
            .batch_sizes
            .iter()
            .find(|&&b| !(1..=MAX_BATCH).contains(&b))
        {
            return Err(ConfigError(format!(
                "batch sizes must be between 1 and {MAX_BATCH}, got {bad}"
            )));
        }
        if self.precisions.is_empty() {
            return Err(ConfigError("at least one precision is needed".into()));
        }
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return Err(ConfigError(format!(
                "iterations must be between 1 and {MAX_ITERATIONS}, got {}",
                self.iterations
            )));
        }
        check_ms("warm-up", self.warmup_ms)?;
        if let Some(cap) = self.max_time_ms {
            check_ms("sampling time cap", cap)?;
        }
        if let Some(target) = self.target_ci
            && !(target > 0.0 && target <= MAX_TARGET_CI)
        {
            return Err(ConfigError(format!(
                "the interval target must be above 0 % and at most {:.0} %, got {}",
                MAX_TARGET_CI * 100.0,
                fmt_share(target)
            )));
        }
        if !(1..=MAX_REPEAT).contains(&self.repeat) {
            return Err(ConfigError(format!(
                "repeat must be between 1 and {MAX_REPEAT}, got {}",
                self.repeat
            )));
        }
        Ok(())
    }

    /// Removes repeated batch sizes and precisions (the first of each stays), so no
    /// configuration is measured twice; returns a note per removal.
    pub fn dedupe(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        let mut seen = Vec::new();
        self.batch_sizes.retain(|&b| {
            let first = !seen.contains(&b);
            if first {
                seen.push(b);
            } else {
                notes.push(format!(
                    "batch size {b} was given twice; it is measured once"
                ));
            }
            first
        });
        let mut seen = Vec::new();
        self.precisions.retain(|&p| {
            let first = !seen.contains(&p);
            if first {
                seen.push(p);
            } else {
                notes.push(format!(
                    "precision {p} was given twice; it is measured once"
                ));
            }
            first
        });
        notes
    }
}

fn check_ms(what: &str, ms: f64) -> Result<(), ConfigError> {
    if ms.is_finite() && (0.0..=limits::MAX_MS).contains(&ms) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{what} must be between 0 and {} ms, got {ms}",
            limits::MAX_MS
        )))
    }
}

fn fmt_share(share: f64) -> String {
    format!("{} %", share * 100.0)
}

/// A configuration that cannot be run, with a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

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
    #[serde(default)]
    models: Vec<ModelConfig>,
    /// `["mlp", "decoder:gpt2"]`, as `--workloads` takes them.
    workloads: Option<Vec<String>>,
    /// One length, or several for a prefill sweep.
    prompt_len: Option<OneOrMany>,
    context_len: Option<usize>,
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
        if let Some(text) = present(&self.workloads) {
            let choices: Vec<WorkloadChoice> = list(text, "workloads")?;
            choose_workloads(&mut base, &choices, self.hardware_gpu);
        }
        let prompts = present(&self.prompt_len)
            .map(|t| list(t, "prompt length"))
            .transpose()?
            .unwrap_or_default();
        let context = present(&self.context_len)
            .map(|t| number(t, "context length"))
            .transpose()?;
        set_decoder_lengths(&mut base, &prompts, context);
        let notes = base.dedupe();
        base.validate()?;
        Ok(Resolved {
            config: base,
            notes,
        })
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
    if let Some(items) = file.workloads {
        let choices = items
            .iter()
            .map(|item| item.parse())
            .collect::<Result<Vec<WorkloadChoice>, _>>()?;
        choose_workloads(&mut base, &choices, hardware_gpu);
    }
    let prompts = file.prompt_len.map(OneOrMany::into_vec).unwrap_or_default();
    set_decoder_lengths(&mut base, &prompts, file.context_len);
    Ok(base)
}

/// The run's workloads become `choices`: `mlp` keeps the models chosen so far, `mlp:PRESET`
/// measures that size; a workload left out is not measured; every one takes the run's batch
/// sizes.
fn choose_workloads(base: &mut BenchConfig, choices: &[WorkloadChoice], hardware_gpu: bool) {
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
fn set_decoder_lengths(base: &mut BenchConfig, prompts: &[usize], context: Option<usize>) {
    let workloads = std::mem::take(&mut base.workloads);
    for workload in workloads {
        let Workload::Decoder(mut decoder) = workload else {
            base.workloads.push(workload);
            continue;
        };
        decoder.decode_at = context.unwrap_or(decoder.decode_at);
        match prompts {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Phase;

    fn request(fields: &[(&str, &str)]) -> Request {
        let mut r = Request::default();
        for &(key, value) in fields {
            let slot = match key {
                "sizes" => &mut r.sizes,
                "input_dim" => &mut r.input_dim,
                "hidden_dim" => &mut r.hidden_dim,
                "layers" => &mut r.layers,
                "batch_sizes" => &mut r.batch_sizes,
                "precisions" => &mut r.precisions,
                "iterations" => &mut r.iterations,
                "warmup_ms" => &mut r.warmup_ms,
                "target_ci" => &mut r.target_ci,
                "max_time_ms" => &mut r.max_time_ms,
                "repeat" => &mut r.repeat,
                _ => unreachable!(),
            };
            *slot = Some(value.to_owned());
        }
        r
    }

    #[test]
    fn widths_follow_depth() {
        let mut model = ModelConfig::new("m", 8, 4);
        assert_eq!(model.widths(), vec![8, 4, 8]);
        model.layers = 4;
        assert_eq!(model.widths(), vec![8, 4, 4, 4, 8]);
    }

    #[test]
    fn requests_override_the_base() {
        let resolved = request(&[
            ("batch_sizes", "2, 4"),
            ("sizes", "small,xl"),
            ("precisions", "f32"),
            ("target_ci", "off"),
        ])
        .resolve(BenchConfig::default())
        .unwrap();
        let config = resolved.config;
        assert_eq!(config.batch_sizes, vec![2, 4]);
        assert_eq!(config.models.len(), 2);
        assert_eq!(config.models[1].hidden_dim, 2048);
        assert_eq!(config.precisions, vec![Precision::F32]);
        assert_eq!(config.target_ci, None);

        let custom = request(&[("input_dim", "64"), ("hidden_dim", "32"), ("layers", "3")])
            .resolve(BenchConfig::default())
            .unwrap()
            .config;
        assert_eq!(custom.models.len(), 1);
        assert_eq!(custom.models[0].widths(), vec![64, 32, 32, 64]);
    }

    #[test]
    fn empty_fields_keep_the_base() {
        let empty = request(&[("input_dim", " "), ("hidden_dim", ""), ("batch_sizes", "")]);
        let resolved = empty.resolve(BenchConfig::quick()).unwrap();
        assert_eq!(resolved.config, BenchConfig::quick());
    }

    #[test]
    fn duplicates_are_measured_once_with_a_note() {
        let resolved = request(&[("batch_sizes", "16,16,1"), ("precisions", "f32,F32")])
            .resolve(BenchConfig::quick())
            .unwrap();
        assert_eq!(resolved.config.batch_sizes, vec![16, 1]);
        assert_eq!(resolved.config.precisions, vec![Precision::F32]);
        assert_eq!(resolved.notes.len(), 2);
        assert!(resolved.notes[0].contains("batch size 16 was given twice"));
    }

    #[test]
    fn every_bound_names_its_limit() {
        let cases: [(&[(&str, &str)], &str); 11] = [
            (&[("batch_sizes", "0")], "between 1 and 1048576, got 0"),
            (&[("batch_sizes", "2000000")], "got 2000000"),
            (&[("batch_sizes", "x")], "batch sizes: 'x' is not valid"),
            (&[("sizes", "huge")], "unknown model size 'huge'"),
            (&[("precisions", "f64")], "unknown precision 'f64'"),
            (
                &[("iterations", "0")],
                "iterations must be between 1 and 100000",
            ),
            (
                &[("iterations", "-3")],
                "iterations: '-3' is not a valid number",
            ),
            (
                &[("warmup_ms", "inf")],
                "warm-up must be between 0 and 600000 ms",
            ),
            (
                &[("hidden_dim", "100000")],
                "hidden width must be between 1 and 65536",
            ),
            (&[("layers", "1")], "layers must be between 2 and 64, got 1"),
            (&[("repeat", "1000")], "repeat must be between 1 and 100"),
        ];
        for (fields, needle) in cases {
            let err = request(fields).resolve(BenchConfig::quick()).unwrap_err().0;
            assert!(err.contains(needle), "{fields:?}: {err}");
        }
        let many = vec!["1"; 40].join(",");
        let err = request(&[("batch_sizes", many.as_str())])
            .resolve(BenchConfig::quick())
            .unwrap_err();
        assert!(err.0.contains("at most 32 entries"), "{err}");
    }

    #[test]
    fn toml_files_name_models_and_settings() {
        let config = from_toml(
            "batch_sizes = [1, 8]\nrepeat = 2\n\
             [[models]]\nname = \"narrow\"\ninput_dim = 64\nhidden_dim = 16\n\
             [[models]]\nname = \"wide\"\ninput_dim = 64\nhidden_dim = 128\nlayers = 3\n",
            BenchConfig::default(),
            false,
        )
        .unwrap();
        assert_eq!(config.batch_sizes, vec![1, 8]);
        assert_eq!(config.repeat, 2);
        assert_eq!(config.models[1].widths(), vec![64, 128, 128, 64]);
        assert!(config.validate().is_ok());
        let err = from_toml("bogus = 1\n", BenchConfig::default(), false).unwrap_err();
        assert!(err.0.contains("unknown field"), "{err}");
        let err =
            from_toml("[[models]]\nname = \"m\"\n", BenchConfig::default(), false).unwrap_err();
        assert!(err.0.contains("missing field"), "{err}");
    }

    #[test]
    fn several_prompt_lengths_sweep_the_prefill() {
        let mut r = request(&[]);
        r.workloads = Some("decoder:tiny,cnn".into());
        r.prompt_len = Some("16,64".into());
        let config = r.resolve(BenchConfig::default()).unwrap().config;
        let labels: Vec<String> = config.workloads.iter().map(Workload::label).collect();
        assert_eq!(labels, ["decoder:tiny-p16", "decoder:tiny-p64", "cnn:tiny"]);
        let phases: Vec<&[Phase]> = config.workloads.iter().map(Workload::phases).collect();
        assert_eq!(phases[0], [Phase::Prefill, Phase::Decode]);
        assert_eq!(phases[1], [Phase::Prefill], "the decode step runs once");
        let Workload::Decoder(second) = &config.workloads[1] else {
            panic!()
        };
        assert_eq!(second.prompt, 64);
        let file = "workloads = [\"decoder:tiny\"]\nprompt_len = [8, 32]\n";
        let config = from_toml(file, BenchConfig::default(), false).unwrap();
        assert_eq!(config.workloads[1].name(), "tiny-p32");
        // The sweep reads back from results.json as it was run.
        let text = serde_json::to_string(&config).unwrap();
        let back: BenchConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, config);
        r.prompt_len = Some("16,300".into());
        let err = r.resolve(BenchConfig::default()).unwrap_err().0;
        assert!(err.contains("between 1 and 256, got 300"), "{err}");
    }

    #[test]
    fn workloads_are_chosen_by_name_and_preset() {
        let default = BenchConfig::default();
        assert_eq!(default.workloads.len(), 3);
        assert_eq!(default.batch_sizes_of(&default.workloads[0]), SMALL_BATCHES);
        assert_eq!(BenchConfig::default_for(true).workloads[1].name(), "gpt2");
        let mut r = request(&[]);
        r.workloads = Some("mlp:large, decoder, cnn:resnet50".into());
        r.prompt_len = Some("32".into());
        let config = r.resolve(BenchConfig::default()).unwrap().config;
        assert_eq!(config.models.len(), 1);
        assert_eq!(config.models[0].hidden_dim, 1024);
        let labels: Vec<String> = config.workloads.iter().map(Workload::label).collect();
        assert_eq!(labels, ["decoder:tiny", "cnn:resnet50"]);
        let Workload::Decoder(decoder) = &config.workloads[0] else {
            panic!()
        };
        assert_eq!(decoder.prompt, 32);
        r.hardware_gpu = true;
        let config = r.resolve(BenchConfig::default()).unwrap().config;
        assert_eq!(config.workloads[0].name(), "gpt2");
        // Naming the MLP's sizes without workloads asks for the MLP alone.
        let mlp = request(&[("sizes", "small")]).resolve(BenchConfig::default());
        assert!(mlp.unwrap().config.workloads.is_empty());
        let file = "workloads = [\"encoder:bert-base\"]\ncontext_len = 9\n";
        let config = from_toml(file, BenchConfig::default(), false).unwrap();
        assert!(config.models.is_empty() && config.workloads[0].name() == "bert-base");
        let mut r = request(&[]);
        r.workloads = Some("decoder".into());
        r.context_len = Some("999".into());
        let err = r.resolve(BenchConfig::default()).unwrap_err().0;
        assert!(
            err.contains("between 2 and the context, 256, got 999"),
            "{err}"
        );
    }

    #[test]
    fn presets_and_names() {
        assert_eq!(ModelConfig::preset("Large", 1024).unwrap().hidden_dim, 1024);
        assert!(BenchConfig::default().validate().is_ok());
        let mut config = BenchConfig::quick();
        config.models[1].name = "small".into();
        assert!(config.validate().unwrap_err().0.contains("twice"));
        config.models[1].name = "x".repeat(100);
        assert!(config.validate().unwrap_err().0.contains("longer than 64"));
    }
}
