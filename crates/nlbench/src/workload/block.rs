//! The pre-norm transformer block GPT-2 and ViT share: a layer norm, multi-head
//! self-attention through burn's fused op and a residual add, then a layer norm, a GELU MLP and
//! a residual add.

use burn::{
    module::Module,
    nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig},
    tensor::{Tensor, activation::gelu, backend::Backend},
};

use super::{
    attention,
    encoder::{merge_heads, split_heads},
};

#[derive(Module, Debug)]
pub struct PreNormBlock<B: Backend> {
    pub attention_norm: LayerNorm<B>,
    pub qkv: Linear<B>,
    pub projection: Linear<B>,
    pub mlp_norm: LayerNorm<B>,
    pub up: Linear<B>,
    pub down: Linear<B>,
    pub heads: usize,
}

impl<B: Backend> PreNormBlock<B> {
    /// A block `width` wide with `heads` heads and an MLP `mlp` wide.
    pub fn init(width: usize, mlp: usize, heads: usize, device: &B::Device) -> Self {
        Self {
            attention_norm: LayerNormConfig::new(width).init(device),
            qkv: LinearConfig::new(width, 3 * width).init(device),
            projection: LinearConfig::new(width, width).init(device),
            mlp_norm: LayerNormConfig::new(width).init(device),
            up: LinearConfig::new(width, mlp).init(device),
            down: LinearConfig::new(mlp, width).init(device),
            heads,
        }
    }

    /// `x` `[batch, tokens, width]` attending to the keys and values of `past` and its own
    /// (later keys masked where `causal`): the block's output, and every key and value it
    /// attended to, `[batch, heads, positions, head_dim]` each.
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        past: Option<&(Tensor<B, 4>, Tensor<B, 4>)>,
        causal: bool,
    ) -> (Tensor<B, 3>, (Tensor<B, 4>, Tensor<B, 4>)) {
        let [q, k, v] = split_heads(
            self.qkv.forward(self.attention_norm.forward(x.clone())),
            self.heads,
        );
        let (k, v) = match past {
            Some((past_k, past_v)) => (
                Tensor::cat(vec![past_k.clone(), k], 2),
                Tensor::cat(vec![past_v.clone(), v], 2),
            ),
            None => (k, v),
        };
        let context = attention::fused(q, k.clone(), v.clone(), causal);
        let x = x + self.projection.forward(merge_heads(context));
        let hidden = self
            .down
            .forward(gelu(self.up.forward(self.mlp_norm.forward(x.clone()))));
        (x + hidden, (k, v))
    }
}
