//! A transformer encoder, BERT's layer: multi-head self-attention through burn's fused
//! attention op, a GELU feed-forward, each followed by a residual add and a layer norm. Its
//! input is a batch of embedded sequences (the embedding table is not part of what is timed).
//!
//! This module is its configuration, shapes and figures; its network on burn is the module of
//! the same name in the `nlbench` crate.

use serde::{Deserialize, Serialize};

use super::{Definition, Figures, Phase, Shapes, Unit, bounded, check_stack, matmul_flops};
use crate::{error::ConfigError, limits::MAX_DIM};

/// Most layers of an encoder or decoder.
pub const MAX_DEPTH: usize = 128;
/// Longest sequence or context.
pub const MAX_SEQUENCE: usize = 32_768;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncoderConfig {
    /// The preset's name.
    pub name: String,
    pub width: usize,
    pub layers: usize,
    pub heads: usize,
    pub feed_forward: usize,
    /// Tokens per sequence.
    pub sequence: usize,
}

impl EncoderConfig {

    /// Per layer: QKV `4d² + 4d` with the output projection, the feed-forward `2df + f + d`,
    /// two layer norms `4d`.
    pub fn parameter_count(&self) -> u64 {
        let (d, f) = (self.width as u64, self.feed_forward as u64);
        self.layers as u64 * (4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d)
    }
}

impl Shapes for EncoderConfig {
    fn preset_name(&self) -> &str {
        &self.name
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name = format!("encoder '{}'", self.name);
        check_stack(&name, self.width, self.layers, self.heads)?;
        bounded(&name, "feed-forward width", self.feed_forward, MAX_DIM)?;
        bounded(&name, "sequence", self.sequence, MAX_SEQUENCE)
    }

    /// One sequence: per layer the four projections, QKᵀ and the weighted sum over every
    /// pair of tokens, and the feed-forward.
    fn figures(&self, _: Phase) -> Figures {
        let (s, d, f, h) = (
            self.sequence as u64,
            self.width as u64,
            self.feed_forward as u64,
            self.heads as u64,
        );
        let per_layer = matmul_flops(s, 3 * d, d)
            + matmul_flops(s, d, d)
            + 2 * matmul_flops(s, s, d)
            + matmul_flops(s, f, d)
            + matmul_flops(s, d, f);
        Figures {
            parameters: self.parameter_count(),
            flops_per_sample: self.layers as u64 * per_layer,
            weights_read: self.parameter_count(),
            input_elements: s * d,
            output_elements: s * d,
            // QKV and its per-head copies, the context and its copy, the projection, two
            // residuals and two norms, the feed-forward's two wide tensors, its output, and
            // the scores with their softmax (which flash attention never stores).
            activation_elements: self.layers as u64 * (14 * s * d + 2 * s * f + 2 * h * s * s),
            largest_elements: (3 * s * d).max(s * f).max(h * s * s),
            largest_weight: (3 * d * d).max(d * f),
            cache_elements: 0,
        }
    }

    fn unit(&self, _: Phase) -> Unit {
        Unit {
            samples: "sequences",
            tokens: Some(self.sequence as u64),
        }
    }

    fn describe(&self) -> String {
        format!(
            "Width {}, {} layers, {} heads, feed-forward {}, {} tokens per sequence; {} \
             parameters, {:.2} GFLOP per sequence. Attention runs through burn's fused op, \
             checked against the explicit softmax(QKᵀ/√d)·V before any row is timed.",
            self.width,
            self.layers,
            self.heads,
            self.feed_forward,
            self.sequence,
            super::thousands(self.parameter_count()),
            super::gflop(self, Phase::Forward)
        )
    }
}

impl Definition for EncoderConfig {
    const NAME: &'static str = "encoder";
    const TITLE: &'static str = "Transformer encoder";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bert_base_has_bert_base_figures() {
        let bert = EncoderConfig::preset("bert-base").unwrap();
        // BERT-base's twelve encoder layers: 7,087,872 parameters each.
        assert_eq!(bert.parameter_count(), 12 * 7_087_872);
        // MLPerf's 384-token sequence: 14,155,776 FLOPs per token and layer in the projections
        // and feed-forward, 65.2 G in all, and 5.4 G more in attention's two 384 × 384 × 768
        // products per layer.
        let gflop = bert.figures(Phase::Forward).flops_per_sample as f64 / 1e9;
        assert!((70.4..71.0).contains(&gflop), "{gflop}");
        // RoBERTa-base at burn-bench's 256 tokens: the same layers, a shorter sequence.
        let roberta = EncoderConfig::preset("roberta-base").unwrap();
        assert_eq!(roberta.parameter_count(), bert.parameter_count());
        let gflop = roberta.figures(Phase::Forward).flops_per_sample as f64 / 1e9;
        assert!((45.5..46.0).contains(&gflop), "{gflop}");
    }
}
