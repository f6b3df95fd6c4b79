//! The workloads a run measures, registered in one list (`registry.rs`): the NeuralLayers
//! MLP, a transformer encoder, a decoder language model (prefill and decode), a ResNet-style
//! CNN and a vision transformer. The session, the pre-flight, the reports and `compare` see a
//! [`Workload`] through its [`Shapes`] (its [`Figures`] and its [`Phase`]s); each workload's
//! module here holds its configuration ([`Definition`]) and what its shapes say, its module
//! of the same name in the `nlbench` crate its burn network and correctness check, and its
//! presets are in `presets.json`.
//!
//! FLOPs count every matrix product and convolution (a multiply-add is two operations);
//! normalisations, softmax, activations and bias additions are left out for the new
//! workloads (memory-bound work, under 2 % of the FLOPs of every preset), while the MLP keeps
//! its older count, which includes its bias additions and ReLUs.

mod definition;
pub mod presets;
#[macro_use]
mod registry;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

pub use definition::{Definition, Shapes};

use crate::{error::ConfigError, precision::Precision};
pub use cnn::CnnConfig;
pub use decoder::DecoderConfig;
pub use encoder::EncoderConfig;
pub use mlp::ModelConfig;
pub use vit::VitConfig;

registered_workloads!(workloads);

impl WorkloadKind {
    pub fn is_mlp(&self) -> bool {
        *self == Self::Mlp
    }

    /// The presets `NAME:PRESET` accepts.
    pub fn presets(self) -> Vec<&'static str> {
        presets::names(self.name())
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WorkloadKind {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                ConfigError(format!(
                    "unknown workload '{}' (expected {})",
                    s.chars().take(32).collect::<String>(),
                    one_of(&Self::ALL.map(Self::name))
                ))
            })
    }
}

/// `a, b, c or d`.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// What one timed run of a row does. Older results hold forward passes only.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// One forward pass over the batch.
    #[default]
    Forward,
    /// The decoder's prompt: a forward pass over every prompt token, ending with the logits
    /// of the first generated token (time to first token).
    Prefill,
    /// One decoding step: a token per sequence, attending to a KV cache of the stated length.
    Decode,
    /// Generation (llama-bench's `tgN`, schema version 11): N decoding steps one after
    /// another, each feeding its most likely token back and reading it on the host.
    Generate,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Forward => "forward",
            Phase::Prefill => "prefill",
            Phase::Decode => "decode",
            Phase::Generate => "generate",
        }
    }

    pub fn is_forward(&self) -> bool {
        *self == Phase::Forward
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one sample of a workload's row is, for the figures' units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// "samples", "sequences", "prompts", "tokens", "images".
    pub samples: &'static str,
    /// Tokens in one sample, for tokens/s (none for the MLP and the CNN).
    pub tokens: Option<u64>,
}

/// Shape-derived figures of one sample of one phase (per sequence, prompt or image).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figures {
    pub parameters: u64,
    pub flops_per_sample: u64,
    /// Parameter elements one pass must read (an embedding table only where gathered, so
    /// its tokens' rows count, per sample, in `input_elements`).
    pub weights_read: u64,
    /// Elements read as input per sample (for the decoder the gathered embedding rows).
    pub input_elements: u64,
    /// Elements written as output per sample.
    pub output_elements: u64,
    /// Elements of every tensor one sample's pass produces, none freed: the pre-flight's
    /// and the analytical memory's activation figure.
    pub activation_elements: u64,
    /// The largest single tensor of one sample's pass, in elements.
    pub largest_elements: u64,
    /// The largest weight tensor, in elements.
    pub largest_weight: u64,
    /// KV-cache elements per sequence: written by the prefill, read by a decode step.
    pub cache_elements: u64,
}

impl Figures {
    /// Fewest bytes a pass over `batch` samples moves through device memory: the weights
    /// once, each sample's input, output and KV cache once.
    pub fn min_traffic_bytes(&self, batch: usize, precision: Precision) -> u64 {
        let per_sample = self
            .input_elements
            .saturating_add(self.output_elements)
            .saturating_add(self.cache_elements);
        self.weights_read
            .saturating_add((batch as u64).saturating_mul(per_sample))
            .saturating_mul(precision.bytes())
    }
}

impl Workload {
    /// The preset's name (the MLP's model name).
    pub fn name(&self) -> &str {
        self.shapes().preset_name()
    }

    /// Whether this is the preset (the MLP's model) `name` of `kind`: how a row, a config
    /// entry and a step name one workload.
    pub fn is(&self, kind: WorkloadKind, name: &str) -> bool {
        self.kind() == kind && self.name() == name
    }

    /// `decoder:gpt2`; the MLP by its model name alone, as every older result names it.
    pub fn label(&self) -> String {
        match self {
            Workload::Mlp(m) => m.name.clone(),
            other => format!("{}:{}", other.kind(), other.name()),
        }
    }

    /// The phases each configuration runs.
    pub fn phases(&self) -> &'static [Phase] {
        self.shapes().phases()
    }

    pub fn figures(&self, phase: Phase) -> Figures {
        self.shapes().figures(phase)
    }

    /// Fewest bytes a pass over `batch` samples moves: the roofline's denominator.
    pub fn min_traffic_bytes(&self, phase: Phase, batch: usize, precision: Precision) -> u64 {
        self.shapes().min_traffic_bytes(phase, batch, precision)
    }

    pub fn unit(&self, phase: Phase) -> Unit {
        self.shapes().unit(phase)
    }

    /// FLOPs of one sample's training step: its first phase's forward pass and backward's
    /// two products per product of the forward (the gradients of the inputs and of the
    /// weights), three times the forward.
    pub fn training_flops_per_sample(&self) -> u64 {
        3 * self.figures(self.phases()[0]).flops_per_sample
    }

    pub fn test_name(&self, phase: Phase) -> Option<String> {
        self.shapes().test_name(phase)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.shapes().validate()
    }

    /// The preset `preset` of `kind`.
    pub fn preset(kind: WorkloadKind, preset: &str) -> Result<Self, ConfigError> {
        let preset = preset.trim();
        Self::find_preset(kind, preset).ok_or_else(|| {
            ConfigError(format!(
                "unknown {kind} preset '{}' (expected one of: {})",
                preset.chars().take(32).collect::<String>(),
                kind.presets().join(", ")
            ))
        })
    }

    /// The preset a bare `NAME` takes: the realistic one on a hardware GPU, the tiny one on
    /// the CPU and on software devices, so a default run stays short there.
    pub fn default_for(kind: WorkloadKind, hardware_gpu: bool) -> Self {
        Self::preset(kind, presets::default_name(kind.name(), hardware_gpu))
            .expect("presets.json's default is one of its presets")
    }
}

/// One item of `--workloads`: `NAME`, or `NAME:PRESET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadChoice {
    pub kind: WorkloadKind,
    pub preset: Option<String>,
}

impl FromStr for WorkloadChoice {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, preset) = match s.split_once(':') {
            Some((name, preset)) => (name, Some(preset.trim())),
            None => (s, None),
        };
        let kind: WorkloadKind = name.parse()?;
        if let Some(preset) = preset {
            Workload::preset(kind, preset)?;
        }
        Ok(Self {
            kind,
            preset: preset.map(str::to_ascii_lowercase),
        })
    }
}

impl WorkloadChoice {
    pub fn resolve(&self, hardware_gpu: bool) -> Workload {
        match &self.preset {
            Some(preset) => Workload::preset(self.kind, preset).expect("checked when parsed"),
            None => Workload::default_for(self.kind, hardware_gpu),
        }
    }
}

/// A count with thousands separators, as the reports write counts: `25,557,032`.
pub(crate) fn thousands(count: u64) -> String {
    use num_format::{Locale, ToFormattedString};
    count.to_formatted_string(&Locale::en)
}

/// GFLOP of one sample of `phase`, for a workload's report sentence.
pub(crate) fn gflop(shapes: &dyn Shapes, phase: Phase) -> f64 {
    shapes.figures(phase).flops_per_sample as f64 / 1e9
}

/// `2·m·n·k`: the FLOPs of one `[m, k] × [k, n]` product.
pub(crate) fn matmul_flops(m: u64, n: u64, k: u64) -> u64 {
    2 * m * n * k
}

/// A transformer's stack: its width and depth within their bounds, and heads between 1 and
/// the width that divide it.
pub(crate) fn check_stack(
    name: &str,
    width: usize,
    layers: usize,
    heads: usize,
) -> Result<(), ConfigError> {
    bounded(name, "width", width, crate::limits::MAX_DIM)?;
    bounded(name, "layers", layers, encoder::MAX_DEPTH)?;
    bounded(name, "heads", heads, width)?;
    if width.is_multiple_of(heads) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{name}: width {width} is not a multiple of its {heads} heads"
        )))
    }
}

/// Checks `value` against `1..=max`, naming the workload, the field and the bound.
pub(crate) fn bounded(name: &str, what: &str, value: usize, max: usize) -> Result<(), ConfigError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{name}: {what} must be between 1 and {max}, got {value}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_with_one_line_errors() {
        let choice: WorkloadChoice = "decoder:GPT2".parse().unwrap();
        assert_eq!(choice.kind, WorkloadKind::Decoder);
        assert_eq!(choice.resolve(false).name(), "gpt2");
        let bare: WorkloadChoice = "cnn".parse().unwrap();
        assert_eq!(bare.resolve(false).name(), "tiny");
        assert_eq!(bare.resolve(true).name(), "resnet50");
        let err = "transformer".parse::<WorkloadChoice>().unwrap_err().0;
        assert!(err.contains("unknown workload 'transformer'"), "{err}");
        let err = "encoder:huge".parse::<WorkloadChoice>().unwrap_err().0;
        assert!(
            err.contains(
                "unknown encoder preset 'huge' (expected one of: tiny, bert-base, roberta-base)"
            ),
            "{err}"
        );
    }

    #[test]
    fn every_registered_workload_is_named_alike_everywhere() {
        for kind in WorkloadKind::ALL {
            // results.json's name, the command line's and presets.json's are one name.
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.name())
            );
            assert_eq!(kind.name().parse::<WorkloadKind>().unwrap(), kind);
            let workload = Workload::default_for(kind, false);
            assert_eq!(workload.kind(), kind);
            assert!(!kind.title().is_empty());
        }
        assert_eq!(WorkloadKind::default(), WorkloadKind::Mlp);
        let err = "nope".parse::<WorkloadKind>().unwrap_err().0;
        let expected = "unknown workload 'nope' (expected mlp, encoder, decoder";
        assert!(err.starts_with(expected) && err.ends_with(')'), "{err}");
        assert_eq!(one_of(&["a", "b", "c"]), "a, b or c");
    }

    #[test]
    fn only_the_decoder_has_several_phases() {
        for kind in WorkloadKind::ALL {
            let workload = Workload::default_for(kind, false);
            let phases = workload.phases();
            // The decoder: its prefill, a decode step and a generation.
            assert_eq!(
                phases.len(),
                1 + 2 * usize::from(kind == WorkloadKind::Decoder)
            );
            assert!(workload.validate().is_ok(), "{kind}");
        }
    }
}
