//! The workloads a run measures: the NeuralLayers MLP, a transformer encoder, a decoder
//! language model (prefill and decode) and a ResNet-style CNN. The session, the pre-flight,
//! the reports and `compare` see a [`Workload`] through its [`Figures`] and its [`Phase`]s;
//! each workload's module holds its presets, its burn module and its correctness check.
//!
//! FLOPs count every matrix product and convolution (a multiply-add is two operations);
//! normalisations, softmax, activations and bias additions are left out for the new
//! workloads (memory-bound work, under 2 % of the FLOPs of every preset), while the MLP keeps
//! its older count, which includes its bias additions and ReLUs.

pub mod attention;
pub mod cnn;
pub mod decoder;
pub mod encoder;
pub mod mlp;
pub mod presets;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{error::ConfigError, precision::Precision};
pub use cnn::CnnConfig;
pub use decoder::DecoderConfig;
pub use encoder::EncoderConfig;
use mlp::DEFAULT_INPUT_DIM;
pub use mlp::ModelConfig;

/// Which network a row measured. Older results, which measured the MLP alone, read as `mlp`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadKind {
    #[default]
    Mlp,
    Encoder,
    Decoder,
    Cnn,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 4] = [Self::Mlp, Self::Encoder, Self::Decoder, Self::Cnn];

    pub fn is_mlp(&self) -> bool {
        *self == Self::Mlp
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Mlp => "mlp",
            Self::Encoder => "encoder",
            Self::Decoder => "decoder",
            Self::Cnn => "cnn",
        }
    }

    /// The heading of the workload's report section.
    pub fn title(self) -> &'static str {
        match self {
            Self::Mlp => "NeuralLayers MLP",
            Self::Encoder => "Transformer encoder",
            Self::Decoder => "Decoder language model",
            Self::Cnn => "ResNet-style CNN",
        }
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
                    "unknown workload '{}' (expected mlp, encoder, decoder or cnn)",
                    s.chars().take(32).collect::<String>()
                ))
            })
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
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Forward => "forward",
            Phase::Prefill => "prefill",
            Phase::Decode => "decode",
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

/// One workload at one preset, with every shape it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "workload", rename_all = "snake_case")]
pub enum Workload {
    /// The NeuralLayers network; a run's MLPs are its `models`, so this variant is never
    /// stored in the list of other workloads.
    #[serde(skip)]
    Mlp(ModelConfig),
    Encoder(EncoderConfig),
    Decoder(DecoderConfig),
    Cnn(CnnConfig),
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
    pub fn kind(&self) -> WorkloadKind {
        match self {
            Workload::Mlp(_) => WorkloadKind::Mlp,
            Workload::Encoder(_) => WorkloadKind::Encoder,
            Workload::Decoder(_) => WorkloadKind::Decoder,
            Workload::Cnn(_) => WorkloadKind::Cnn,
        }
    }

    /// The preset's name (the MLP's model name).
    pub fn name(&self) -> &str {
        match self {
            Workload::Mlp(m) => &m.name,
            Workload::Encoder(c) => &c.name,
            Workload::Decoder(c) => &c.name,
            Workload::Cnn(c) => &c.name,
        }
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
        match self {
            Workload::Decoder(c) if c.decodes => &[Phase::Prefill, Phase::Decode],
            Workload::Decoder(_) => &[Phase::Prefill],
            _ => &[Phase::Forward],
        }
    }

    pub fn figures(&self, phase: Phase) -> Figures {
        match self {
            Workload::Mlp(m) => mlp_figures(m),
            Workload::Encoder(c) => c.figures(),
            Workload::Decoder(c) => c.figures(phase),
            Workload::Cnn(c) => c.figures(),
        }
    }

    /// Fewest bytes a pass over `batch` samples moves: the roofline's denominator.
    pub fn min_traffic_bytes(&self, phase: Phase, batch: usize, precision: Precision) -> u64 {
        match self {
            Workload::Mlp(m) => m.min_traffic_bytes(batch, precision),
            other => other.figures(phase).min_traffic_bytes(batch, precision),
        }
    }

    pub fn unit(&self, phase: Phase) -> Unit {
        match (self, phase) {
            (Workload::Mlp(_), _) => Unit {
                samples: "samples",
                tokens: None,
            },
            (Workload::Encoder(c), _) => Unit {
                samples: "sequences",
                tokens: Some(c.sequence as u64),
            },
            (Workload::Decoder(c), Phase::Prefill) => Unit {
                samples: "prompts",
                tokens: Some(c.prompt as u64),
            },
            (Workload::Decoder(_), _) => Unit {
                samples: "tokens",
                tokens: Some(1),
            },
            (Workload::Cnn(_), _) => Unit {
                samples: "images",
                tokens: None,
            },
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Workload::Mlp(m) => m.validate(),
            Workload::Encoder(c) => c.validate(),
            Workload::Decoder(c) => c.validate(),
            Workload::Cnn(c) => c.validate(),
        }
    }

    /// The preset `preset` of `kind`.
    pub fn preset(kind: WorkloadKind, preset: &str) -> Result<Self, ConfigError> {
        let preset = preset.trim();
        let found = match kind {
            WorkloadKind::Mlp => ModelConfig::preset(preset, DEFAULT_INPUT_DIM)
                .ok()
                .map(Workload::Mlp),
            WorkloadKind::Encoder => EncoderConfig::preset(preset).map(Workload::Encoder),
            WorkloadKind::Decoder => DecoderConfig::preset(preset).map(Workload::Decoder),
            WorkloadKind::Cnn => CnnConfig::preset(preset).map(Workload::Cnn),
        };
        found.ok_or_else(|| {
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

/// The MLP's figures, from the formulas in [`mlp`].
fn mlp_figures(model: &ModelConfig) -> Figures {
    let widths = model.widths();
    Figures {
        parameters: model.parameter_count(),
        flops_per_sample: model.flops_per_sample(),
        weights_read: model.parameter_count(),
        input_elements: widths[0] as u64,
        output_elements: widths[widths.len() - 1] as u64,
        activation_elements: model.activation_elements_per_sample(),
        largest_elements: widths.iter().copied().max().unwrap_or(0) as u64,
        largest_weight: widths
            .windows(2)
            .map(|pair| pair[0] as u64 * pair[1] as u64)
            .max()
            .unwrap_or(0),
        cache_elements: 0,
    }
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
            err.contains("unknown encoder preset 'huge' (expected one of: tiny, bert-base)"),
            "{err}"
        );
    }

    #[test]
    fn only_the_decoder_has_two_phases() {
        for kind in WorkloadKind::ALL {
            let workload = Workload::default_for(kind, false);
            let phases = workload.phases();
            assert_eq!(phases.len(), 1 + usize::from(kind == WorkloadKind::Decoder));
            assert!(workload.validate().is_ok(), "{kind}");
        }
    }
}
