//! What to benchmark: the models, batch sizes, precisions and iteration counts of a run.
//!
//! Both front ends build a [`BenchConfig`] (from flags, a TOML file or a form) and hand it to
//! the runner; the same value is stored in `results.json` so a result says how it was made.

use serde::{Deserialize, Serialize};

use crate::precision::Precision;

/// Input (and output) width of the NeuralLayers network unless told otherwise.
pub const DEFAULT_INPUT_DIM: usize = 1024;
/// Hidden width of the default ("medium") model.
pub const DEFAULT_HIDDEN_DIM: usize = 512;
/// Number of Linear layers of the default model.
pub const DEFAULT_LAYERS: usize = 2;
/// Seed of the weights and inputs, so two runs measure the same numbers.
pub const DEFAULT_SEED: u64 = 42;

/// One NeuralLayers network: `input_dim -> hidden_dim -> ... -> input_dim`, with a ReLU
/// between consecutive Linear layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The named size presets of the original suite, plus `xl`.
pub const SIZE_PRESETS: [(&str, usize); 4] = [
    ("small", 256),
    ("medium", 512),
    ("large", 1024),
    ("xl", 2048),
];

impl ModelConfig {
    /// A model with the default input width and depth and the given hidden width.
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
        SIZE_PRESETS
            .iter()
            .find(|(preset, _)| *preset == name)
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
        widths.extend(std::iter::repeat_n(self.hidden_dim, self.layers - 1));
        widths.push(self.input_dim);
        widths
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.trim().is_empty() {
            return Err(ConfigError("a model needs a non-empty name".into()));
        }
        if self.input_dim == 0 || self.hidden_dim == 0 {
            return Err(ConfigError(format!(
                "model '{}': input and hidden dimensions must be at least 1",
                self.name
            )));
        }
        if self.layers < 2 {
            return Err(ConfigError(format!(
                "model '{}': needs at least 2 layers, got {}",
                self.name, self.layers
            )));
        }
        Ok(())
    }
}

/// Everything a run needs to know, independent of the device it runs on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchConfig {
    pub models: Vec<ModelConfig>,
    pub batch_sizes: Vec<usize>,
    pub precisions: Vec<Precision>,
    /// Timed iterations per configuration.
    pub iterations: usize,
    /// Minimum warm-up time per configuration, in milliseconds.
    pub warmup_ms: f64,
    pub seed: u64,
}

impl Default for BenchConfig {
    fn default() -> Self {
        Self {
            models: ["small", "medium", "large"]
                .iter()
                .map(|name| ModelConfig::preset(name, DEFAULT_INPUT_DIM).expect("known preset"))
                .collect(),
            batch_sizes: vec![1, 16, 64, 128, 256],
            precisions: vec![Precision::F32, Precision::F16],
            iterations: 50,
            warmup_ms: 500.0,
            seed: DEFAULT_SEED,
        }
    }
}

impl BenchConfig {
    /// A smoke run: two small models, three batch sizes, few iterations.
    pub fn quick() -> Self {
        Self {
            models: ["small", "medium"]
                .iter()
                .map(|name| ModelConfig::preset(name, DEFAULT_INPUT_DIM).expect("known preset"))
                .collect(),
            batch_sizes: vec![1, 16, 64],
            iterations: 10,
            warmup_ms: 100.0,
            ..Self::default()
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.models.is_empty() {
            return Err(ConfigError("at least one model is needed".into()));
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
        if self.batch_sizes.is_empty() || self.batch_sizes.contains(&0) {
            return Err(ConfigError(
                "batch sizes must be a non-empty list of positive numbers".into(),
            ));
        }
        if self.precisions.is_empty() {
            return Err(ConfigError("at least one precision is needed".into()));
        }
        if self.iterations == 0 {
            return Err(ConfigError("iterations must be at least 1".into()));
        }
        if !(self.warmup_ms.is_finite() && self.warmup_ms >= 0.0) {
            return Err(ConfigError(
                "warm-up time must be zero or more milliseconds".into(),
            ));
        }
        Ok(())
    }
}

/// A configuration that cannot be run, with a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

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

    #[test]
    fn presets_and_validation() {
        assert_eq!(ModelConfig::preset("large", 1024).unwrap().hidden_dim, 1024);
        assert!(ModelConfig::preset("huge", 1024).is_err());
        assert!(BenchConfig::default().validate().is_ok());
        let mut config = BenchConfig::quick();
        config.batch_sizes.push(0);
        assert!(config.validate().is_err());
        let mut config = BenchConfig::quick();
        config.models[1].name = "small".into();
        assert!(config.validate().unwrap_err().0.contains("twice"));
    }
}
