//! The NeuralLayers MLP, `input -> Linear -> ReLU -> … -> Linear -> output`: its definition
//! and presets, and the figures that follow from its shape alone (parameter count, FLOPs,
//! activation sizes), so every measured figure has an analytical one beside it.
//!
//! This module is its configuration, shapes and figures; its network on burn is the module of
//! the same name in the `nlbench` crate.

use serde::{Deserialize, Serialize};

use super::{Definition, Figures, Shapes, Unit};
use crate::{error::ConfigError, precision::Precision};

/// Input (and output) width of the NeuralLayers network unless told otherwise.
pub const DEFAULT_INPUT_DIM: usize = 1024;
/// Hidden width of the default ("medium") model.
pub const DEFAULT_HIDDEN_DIM: usize = 512;
/// Number of Linear layers of the default model.
pub const DEFAULT_LAYERS: usize = 2;

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

/// A size preset of `presets.json`: the original suite's sizes, plus `xl`.
#[derive(Deserialize)]
struct Size {
    name: String,
    hidden_dim: usize,
}

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
        super::presets::read::<Size>("mlp", name)
            .map(|size| Self::new(size.name, input_dim, size.hidden_dim))
            .ok_or_else(|| {
                ConfigError(format!(
                    "unknown model size '{name}' (expected one of: {})",
                    super::presets::names("mlp").join(", ")
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
        use crate::limits::*;
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

impl Shapes for ModelConfig {
    fn preset_name(&self) -> &str {
        &self.name
    }

    fn figures(&self, _: super::Phase) -> Figures {
        let widths = self.widths();
        Figures {
            parameters: self.parameter_count(),
            flops_per_sample: self.flops_per_sample(),
            weights_read: self.parameter_count(),
            input_elements: widths[0] as u64,
            output_elements: widths[widths.len() - 1] as u64,
            activation_elements: self.activation_elements_per_sample(),
            largest_elements: widths.iter().copied().max().unwrap_or(0) as u64,
            largest_weight: widths
                .windows(2)
                .map(|pair| pair[0] as u64 * pair[1] as u64)
                .max()
                .unwrap_or(0),
            cache_elements: 0,
        }
    }

    fn min_traffic_bytes(&self, _: super::Phase, batch: usize, precision: Precision) -> u64 {
        ModelConfig::min_traffic_bytes(self, batch, precision)
    }

    fn unit(&self, _: super::Phase) -> Unit {
        Unit {
            samples: "samples",
            tokens: None,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        ModelConfig::validate(self)
    }

    /// The MLP has a report of its own.
    fn describe(&self) -> String {
        String::new()
    }
}

impl Definition for ModelConfig {
    const NAME: &'static str = "mlp";
    const TITLE: &'static str = "NeuralLayers MLP";

    /// At the default input width (a run's models take the run's).
    fn preset(name: &str) -> Option<Self> {
        ModelConfig::preset(name, DEFAULT_INPUT_DIM).ok()
    }
}

/// Shape-derived figures of a model. FLOPs count a multiply-add as two operations and
/// include the bias additions and ReLUs, one operation per element each.
impl ModelConfig {
    /// Weights and biases of every Linear layer.
    pub fn parameter_count(&self) -> u64 {
        self.widths()
            .windows(2)
            .map(|pair| pair[0] as u64 * pair[1] as u64 + pair[1] as u64)
            .sum()
    }

    pub fn parameter_bytes(&self, precision: Precision) -> u64 {
        self.parameter_count() * precision.bytes()
    }

    /// Floating-point operations of one forward pass for one sample.
    pub fn flops_per_sample(&self) -> u64 {
        let widths = self.widths();
        let linear: u64 = widths
            .windows(2)
            .map(|pair| 2 * pair[0] as u64 * pair[1] as u64 + pair[1] as u64)
            .sum();
        let relu: u64 = widths[1..widths.len() - 1].iter().map(|&w| w as u64).sum();
        linear + relu
    }

    /// Fewest bytes a forward pass over `batch` samples must move through device memory:
    /// every parameter and the input read once, every hidden activation written once and
    /// read once, the output written once. The denominator of the arithmetic intensity on
    /// the roofline chart.
    pub fn min_traffic_bytes(&self, batch: usize, precision: Precision) -> u64 {
        let widths = self.widths();
        let hidden: u64 = widths[1..widths.len() - 1].iter().map(|&w| w as u64).sum();
        let per_sample = widths[0] as u64 + widths[widths.len() - 1] as u64 + 2 * hidden;
        (self.parameter_count() + batch as u64 * per_sample) * precision.bytes()
    }

    /// Elements of every tensor one sample's forward pass produces: each Linear output and
    /// each ReLU output (the input excluded).
    pub fn activation_elements_per_sample(&self) -> u64 {
        let widths = self.widths();
        let linear: u64 = widths[1..].iter().map(|&w| w as u64).sum();
        let relu: u64 = widths[1..widths.len() - 1].iter().map(|&w| w as u64).sum();
        linear + relu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_depth() {
        let mut model = ModelConfig::new("m", 8, 4);
        assert_eq!(model.widths(), vec![8, 4, 8]);
        model.layers = 4;
        assert_eq!(model.widths(), vec![8, 4, 4, 4, 8]);
    }

    /// 4 -> 3 -> 4: weights 12 + 12, biases 3 + 4.
    fn tiny() -> ModelConfig {
        ModelConfig::new("tiny", 4, 3)
    }

    #[test]
    fn parameter_count_by_hand() {
        assert_eq!(tiny().parameter_count(), 31);
        assert_eq!(tiny().parameter_bytes(Precision::F32), 124);
        assert_eq!(tiny().parameter_bytes(Precision::F16), 62);
        // The default model: 1024*512 + 512 + 512*1024 + 1024.
        let default = ModelConfig::new("medium", 1024, 512);
        assert_eq!(default.parameter_count(), 1_050_112);
    }

    #[test]
    fn flops_by_hand() {
        // Linear 4->3: 2*12 + 3 = 27; ReLU: 3; Linear 3->4: 2*12 + 4 = 28.
        assert_eq!(tiny().flops_per_sample(), 58);
        // Outputs: 3 (linear) + 3 (relu) + 4 (linear).
        assert_eq!(tiny().activation_elements_per_sample(), 10);
    }

    #[test]
    fn traffic_by_hand() {
        // Parameters 31; per sample input 4 + output 4 + hidden 3 written and read = 14.
        assert_eq!(
            tiny().min_traffic_bytes(2, Precision::F32),
            (31 + 2 * 14) * 4
        );
        assert_eq!(tiny().min_traffic_bytes(1, Precision::F16), (31 + 14) * 2);
    }
}
