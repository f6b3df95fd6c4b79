//! A transformer encoder, BERT's layer: multi-head self-attention through burn's fused
//! attention op, a GELU feed-forward, each followed by a residual add and a layer norm. Its
//! input is a batch of embedded sequences (the embedding table is not part of what is timed).

use burn::{
    module::Module,
    nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig},
    tensor::{Tensor, activation::gelu, backend::Backend},
};
use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::{
    Definition, Figures, Network, Phase, Preset, Shapes, Unit, attention, bounded, check,
    check_stack, floats, matmul_flops,
};
use crate::{
    error::{ConfigError, RunError},
    limits::MAX_DIM,
    precision::{Precision, cast},
    accuracy::Accuracy,
};

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

    /// The encoder on `device`, weights from the backend's generator seeded with `seed`.
    pub fn init<B: Backend>(&self, seed: u64, device: &B::Device) -> Encoder<B> {
        B::seed(device, seed);
        Encoder {
            layers: (0..self.layers)
                .map(|_| EncoderLayer::init(self, device))
                .collect(),
        }
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

impl<B: Backend> Network<B> for Encoder<B> {
    type Input = Tensor<B, 3>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        (self.forward(input).flatten(1, 2), Vec::new())
    }

    /// burn's fused attention at the input's shape.
    fn check<'a>(
        &'a self,
        input: &'a Self::Input,
        precision: Precision,
        device: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>> {
        let [batch, tokens, width] = input.dims();
        let heads = self.layers.first().map_or(1, |l| l.heads);
        let shape = check::attention_shape(batch, heads, tokens, width);
        Box::pin(async move {
            check::attention::<B>(shape, false, precision, device)
                .await
                .map(Some)
        })
    }
}

impl<B: Backend> Preset<B> for EncoderConfig {
    type Network = Encoder<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Encoder<B> {
        cast(self.init(seed, device), precision)
    }
    fn input(&self, batch: usize, precision: Precision, device: &B::Device) -> Tensor<B, 3> {
        floats([batch, self.sequence, self.width], precision, device)
    }
}

#[derive(Module, Debug)]
pub struct Encoder<B: Backend> {
    pub layers: Vec<EncoderLayer<B>>,
}

impl<B: Backend> Encoder<B> {
    /// `[batch, sequence, width]` to the same shape.
    pub fn forward(&self, input: Tensor<B, 3>) -> Tensor<B, 3> {
        self.layers.iter().fold(input, |x, layer| layer.forward(x))
    }
}

#[derive(Module, Debug)]
pub struct EncoderLayer<B: Backend> {
    pub qkv: Linear<B>,
    pub projection: Linear<B>,
    pub attention_norm: LayerNorm<B>,
    pub up: Linear<B>,
    pub down: Linear<B>,
    pub feed_forward_norm: LayerNorm<B>,
    pub heads: usize,
}

impl<B: Backend> EncoderLayer<B> {
    fn init(config: &EncoderConfig, device: &B::Device) -> Self {
        let (d, f) = (config.width, config.feed_forward);
        Self {
            qkv: LinearConfig::new(d, 3 * d).init(device),
            projection: LinearConfig::new(d, d).init(device),
            attention_norm: LayerNormConfig::new(d).init(device),
            up: LinearConfig::new(d, f).init(device),
            down: LinearConfig::new(f, d).init(device),
            feed_forward_norm: LayerNormConfig::new(d).init(device),
            heads: config.heads,
        }
    }

    fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let context = self_attention(&self.qkv, &self.projection, self.heads, x.clone());
        let x = self.attention_norm.forward(x + context);
        let hidden = self.down.forward(gelu(self.up.forward(x.clone())));
        self.feed_forward_norm.forward(x + hidden)
    }
}

/// Non-causal multi-head self-attention of `x` `[batch, tokens, width]`.
fn self_attention<B: Backend>(
    qkv: &Linear<B>,
    projection: &Linear<B>,
    heads: usize,
    x: Tensor<B, 3>,
) -> Tensor<B, 3> {
    let [q, k, v] = split_heads(qkv.forward(x), heads);
    projection.forward(merge_heads(attention::fused(q, k, v, false)))
}

/// `[batch, tokens, 3·width]` to query, key and value `[batch, heads, tokens, head_dim]`.
pub(crate) fn split_heads<B: Backend>(qkv: Tensor<B, 3>, heads: usize) -> [Tensor<B, 4>; 3] {
    let [batch, tokens, width3] = qkv.dims();
    let head_dim = width3 / 3 / heads;
    let mut parts = qkv.chunk(3, 2).into_iter().map(|part| {
        part.reshape([batch, tokens, heads, head_dim])
            .swap_dims(1, 2)
    });
    let mut next = || parts.next().expect("three chunks");
    [next(), next(), next()]
}

/// `[batch, heads, tokens, head_dim]` back to `[batch, tokens, width]`.
pub(crate) fn merge_heads<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 3> {
    let [batch, heads, tokens, head_dim] = x.dims();
    x.swap_dims(1, 2).reshape([batch, tokens, heads * head_dim])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    #[test]
    fn bert_base_has_bert_base_figures() {
        let bert = EncoderConfig::preset("bert-base").unwrap();
        // BERT-base's twelve encoder layers: 7,087,872 parameters each.
        assert_eq!(bert.parameter_count(), 12 * 7_087_872);
        // About 22 GFLOP per 128-token sequence, as published for BERT-base.
        let gflop = bert.figures(Phase::Forward).flops_per_sample as f64 / 1e9;
        assert!((22.0..22.7).contains(&gflop), "{gflop}");
    }

    #[test]
    fn the_module_has_the_counted_parameters_and_shape() {
        let tiny = EncoderConfig::preset("tiny").unwrap();
        let device = Default::default();
        let encoder = tiny.init::<Flex>(1, &device);
        assert_eq!(encoder.num_params() as u64, tiny.parameter_count());
        let input = Tensor::<Flex, 3>::ones([2, tiny.sequence, tiny.width], &device);
        assert_eq!(encoder.forward(input).dims(), [2, 64, 128]);
    }
}
