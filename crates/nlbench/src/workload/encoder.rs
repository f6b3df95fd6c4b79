//! A transformer encoder, BERT's layer: multi-head self-attention through burn's fused
//! attention op, a GELU feed-forward, each followed by a residual add and a layer norm. Its
//! input is a batch of embedded sequences (the embedding table is not part of what is timed).
//!
//! This module is its network on burn; its configuration, shapes and figures are the module
//! of the same name in `nlbench-results`.

use burn::{
    module::Module,
    nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig},
    tensor::{Tensor, activation::gelu, backend::Backend},
};
use futures::future::LocalBoxFuture;

use super::{Network, Preset, attention, check, floats, EncoderConfig};
use crate::{error::RunError, precision::{Precision, cast}, accuracy::Accuracy};

impl<B: Backend> Encoder<B> {
    /// The encoder on `device`, weights from the backend's generator seeded with `seed`.
    pub fn init(config: &EncoderConfig, seed: u64, device: &B::Device) -> Self {
        B::seed(device, seed);
        Encoder {
            layers: (0..config.layers)
                .map(|_| EncoderLayer::init(config, device))
                .collect(),
        }
    }
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
        cast(Encoder::init(self, seed, device), precision)
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
    use crate::workload::Definition;
    use burn::backend::Flex;

    #[test]
    fn the_module_has_the_counted_parameters_and_shape() {
        let tiny = EncoderConfig::preset("tiny").unwrap();
        let device = Default::default();
        let encoder = Encoder::<Flex>::init(&tiny, 1, &device);
        assert_eq!(encoder.num_params() as u64, tiny.parameter_count());
        let input = Tensor::<Flex, 3>::ones([2, tiny.sequence, tiny.width], &device);
        assert_eq!(encoder.forward(input).dims(), [2, 64, 128]);
    }
}
