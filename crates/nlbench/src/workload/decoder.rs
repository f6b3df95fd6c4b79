//! A decoder-only language model, GPT-2's architecture: token and learned position
//! embeddings, pre-norm blocks of causal self-attention (burn's fused attention op) and a
//! GELU MLP, a final layer norm and an output head tied to the token embedding. Its two
//! phases: the prefill of a prompt (ending with the logits of the first generated token) and
//! a decode step, one token per sequence attending to a KV cache.

use burn::{
    module::Module,
    nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig},
    tensor::{Distribution, Int, Tensor, backend::Backend},
};
use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::{
    Definition, Figures, Network, Phase, Preset, Runnable, Shapes, Unit, block::PreNormBlock,
    bounded, check, check_stack, encoder::MAX_SEQUENCE, matmul_flops,
};
use crate::{
    accuracy,
    error::{ConfigError, RunError}, precision::{Precision, cast}, readback::read_values,
    accuracy::Accuracy,
};

/// Largest vocabulary.
pub const MAX_VOCABULARY: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecoderConfig {
    pub name: String,
    pub width: usize,
    pub layers: usize,
    pub heads: usize,
    pub vocabulary: usize,
    /// The longest context the model has positions for.
    pub context: usize,
    /// Tokens of the prompt the prefill phase runs.
    pub prompt: usize,
    /// Positions a decode step attends to: the KV cache's length with the new token.
    pub decode_at: usize,
    /// Whether the decode phase runs: not for the further prompt lengths of a prefill sweep,
    /// whose decode step would repeat the first one's (schema version 9; absent: it does).
    #[serde(default = "runs_decode", skip_serializing_if = "is_runs_decode")]
    pub decodes: bool,
}

fn runs_decode() -> bool {
    true
}

fn is_runs_decode(decodes: &bool) -> bool {
    *decodes
}

impl DecoderConfig {
    /// The name without a prefill sweep's `-pLENGTH` suffix: what the sweep's decoders share.
    pub fn swept_name(&self) -> &str {
        self.name
            .strip_suffix(&format!("-p{}", self.prompt))
            .unwrap_or(&self.name)
    }

    /// Token and position tables, per block two layer norms `4d`, QKV and projection
    /// `4d² + 4d`, the MLP `8d² + 5d`; the final norm `2d`; the head shares the token table.
    pub fn parameter_count(&self) -> u64 {
        let (d, v, c) = (
            self.width as u64,
            self.vocabulary as u64,
            self.context as u64,
        );
        v * d + c * d + self.layers as u64 * self.block_parameters() + 2 * d
    }

    fn block_parameters(&self) -> u64 {
        let d = self.width as u64;
        12 * d * d + 13 * d
    }

    pub fn init<B: Backend>(&self, seed: u64, device: &B::Device) -> Decoder<B> {
        B::seed(device, seed);
        let d = self.width;
        Decoder {
            tokens: EmbeddingConfig::new(self.vocabulary, d).init(device),
            positions: EmbeddingConfig::new(self.context, d).init(device),
            blocks: (0..self.layers)
                .map(|_| PreNormBlock::init(d, 4 * d, self.heads, device))
                .collect(),
            norm: LayerNormConfig::new(d).init(device),
        }
    }
}

impl Shapes for DecoderConfig {
    fn preset_name(&self) -> &str {
        &self.name
    }

    fn phases(&self) -> &'static [Phase] {
        if self.decodes {
            &[Phase::Prefill, Phase::Decode]
        } else {
            &[Phase::Prefill]
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name = format!("decoder '{}'", self.name);
        check_stack(&name, self.width, self.layers, self.heads)?;
        bounded(&name, "vocabulary", self.vocabulary, MAX_VOCABULARY)?;
        bounded(&name, "context", self.context, MAX_SEQUENCE)?;
        bounded(
            &name,
            "the prompt length (at most the context)",
            self.prompt,
            self.context,
        )?;
        if !(2..=self.context).contains(&self.decode_at) {
            return Err(ConfigError(format!(
                "{name}: the decode context length must be between 2 and the context, {}, got {}",
                self.context, self.decode_at
            )));
        }
        Ok(())
    }

    /// One prompt (prefill) or one sequence's token (decode). Attention counts the causal
    /// pairs a prompt's tokens attend to (each token the ones before it and itself), or the
    /// `decode_at` positions a decode step attends to; the head runs at the last position.
    fn figures(&self, phase: Phase) -> Figures {
        let (d, v, l, h) = (
            self.width as u64,
            self.vocabulary as u64,
            self.layers as u64,
            self.heads as u64,
        );
        let tokens = match phase {
            Phase::Decode => 1,
            _ => self.prompt as u64,
        };
        let projections = matmul_flops(tokens, 3 * d, d)
            + matmul_flops(tokens, d, d)
            + matmul_flops(tokens, 4 * d, d)
            + matmul_flops(tokens, d, 4 * d);
        let (pairs, keys) = match phase {
            Phase::Decode => (self.decode_at as u64, self.decode_at as u64),
            _ => (tokens * (tokens + 1) / 2, tokens),
        };
        let attention = 2 * 2 * pairs * d;
        let weights = l * self.block_parameters() + 2 * d + v * d;
        let (cache, per_layer_activations, largest) = match phase {
            // The step's inputs are the cache of `decode_at - 1` positions; it writes the
            // grown cache (burn concatenates) and the step's own tensors.
            Phase::Decode => (
                2 * l * keys * d,
                2 * keys * d + 22 * d + 2 * h * keys,
                (keys * d).max(v),
            ),
            _ => (
                2 * l * tokens * d,
                22 * tokens * d + 2 * h * tokens * tokens,
                (4 * tokens * d).max(h * tokens * tokens).max(v),
            ),
        };
        Figures {
            parameters: self.parameter_count(),
            flops_per_sample: l * (projections + attention) + matmul_flops(1, v, d),
            weights_read: weights,
            input_elements: 2 * tokens * d,
            output_elements: v,
            activation_elements: l * per_layer_activations + 3 * tokens * d + v,
            largest_elements: largest,
            largest_weight: (v * d).max(4 * d * d),
            cache_elements: cache,
        }
    }

    fn unit(&self, phase: Phase) -> Unit {
        match phase {
            Phase::Decode => Unit {
                samples: "tokens",
                tokens: Some(1),
            },
            _ => Unit {
                samples: "prompts",
                tokens: Some(self.prompt as u64),
            },
        }
    }

    fn describe(&self) -> String {
        let parameters = super::thousands(self.parameter_count());
        format!(
            "Width {}, {} layers, {} heads, vocabulary {}, context {}; {parameters} parameters. \
             **Prefill**: a {}-token prompt to the logits of the first generated token (time \
             to first token), {:.2} GFLOP per prompt. **Decode**: one token per sequence \
             attending to a KV cache of {} positions, {:.3} GFLOP per token; each decode row \
             is checked against a full pass over the same tokens without the cache.",
            self.width,
            self.layers,
            self.heads,
            self.vocabulary,
            self.context,
            self.prompt,
            super::gflop(self, Phase::Prefill),
            self.decode_at,
            super::gflop(self, Phase::Decode)
        )
    }

    fn measured_pass(&self) -> String {
        format!(
            "a prefill of {} tokens, to the next token's logits, its KV cache alive for inference",
            self.prompt
        )
    }
}

impl Definition for DecoderConfig {
    const NAME: &'static str = "decoder";
    const TITLE: &'static str = "Decoder language model";
}

/// The decoder's prefill.
impl<B: Backend> Network<B> for Decoder<B> {
    type Input = Tensor<B, 2, Int>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        let (logits, cache) = self.prefill(input);
        let kept = cache.layers.into_iter().flat_map(|(k, v)| [k, v]).collect();
        (logits, kept)
    }

    /// burn's fused causal attention at the prompt's shape.
    fn check<'a>(
        &'a self,
        prompt: &'a Self::Input,
        precision: Precision,
        device: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>> {
        let heads = self.blocks.first().map_or(1, |b| b.heads);
        let width = self.tokens.weight.dims()[1];
        let [batch, tokens] = prompt.dims();
        let shape = check::attention_shape(batch, heads, tokens, width);
        Box::pin(async move {
            check::attention::<B>(shape, true, precision, device)
                .await
                .map(Some)
        })
    }
}

impl<B: Backend> Preset<B> for DecoderConfig {
    type Network = Decoder<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Decoder<B> {
        cast(self.init(seed, device), precision)
    }
    fn input(&self, batch: usize, _: Precision, device: &B::Device) -> Tensor<B, 2, Int> {
        self.tokens(batch, self.prompt, device)
    }

    /// A decode step attends to the cache of a prefill of `decode_at - 1` random tokens.
    fn build(
        &self,
        phase: Phase,
        batch: usize,
        seed: u64,
        precision: Precision,
        device: &B::Device,
    ) -> Box<dyn Runnable<B>> {
        let decoder = self.network(seed, precision, device);
        if phase != Phase::Decode {
            let prompt = self.input(batch, precision, device);
            return Box::new(super::Pass {
                network: decoder,
                input: prompt,
            });
        }
        let cached = self.tokens(batch, self.decode_at - 1, device);
        let (_, cache) = decoder.prefill(cached.clone());
        Box::new(DecodeStep {
            token: self.tokens(batch, 1, device),
            decoder,
            cached,
            cache,
        })
    }
}

impl DecoderConfig {
    /// `[batch, length]` tokens drawn from the vocabulary.
    fn tokens<B: Backend>(
        &self,
        batch: usize,
        length: usize,
        device: &B::Device,
    ) -> Tensor<B, 2, Int> {
        Tensor::random(
            [batch, length],
            Distribution::Uniform(0.0, self.vocabulary as f64),
            device,
        )
    }
}

/// One decoding step: the decoder, the tokens its cache holds, the token each sequence
/// decodes and the cache it attends to.
struct DecodeStep<B: Backend> {
    decoder: Decoder<B>,
    cached: Tensor<B, 2, Int>,
    token: Tensor<B, 2, Int>,
    cache: KvCache<B>,
}

impl<B: Backend> Runnable<B> for DecodeStep<B> {
    fn run(&self) -> Tensor<B, 2> {
        self.decoder.decode(self.token.clone(), &self.cache).0
    }

    /// The step's own decoding with the KV cache against a full pass over the same tokens.
    fn check<'a>(
        &'a self,
        precision: Precision,
        _: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>> {
        Box::pin(async move {
            let (step, _) = self.decoder.decode(self.token.clone(), &self.cache);
            let tokens = Tensor::cat(vec![self.cached.clone(), self.token.clone()], 1);
            let (full, _) = self.decoder.prefill(tokens);
            accuracy::hold(
                &read_values(step).await?,
                &read_values(full).await?,
                precision,
                "decoding with the KV cache differs from a full pass over the same tokens",
                Some("a full pass over the same tokens, without the KV cache"),
            )
            .map(Some)
        })
    }
}

#[derive(Module, Debug)]
pub struct Decoder<B: Backend> {
    pub tokens: Embedding<B>,
    pub positions: Embedding<B>,
    pub blocks: Vec<PreNormBlock<B>>,
    pub norm: LayerNorm<B>,
}

/// Every block's keys and values, `[batch, heads, positions, head_dim]` each.
#[derive(Debug, Clone)]
pub struct KvCache<B: Backend> {
    pub layers: Vec<(Tensor<B, 4>, Tensor<B, 4>)>,
}

impl<B: Backend> KvCache<B> {
    /// Positions cached.
    pub fn len(&self) -> usize {
        self.layers.first().map_or(0, |(k, _)| k.dims()[2])
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<B: Backend> Decoder<B> {
    /// The prompt `tokens` `[batch, length]`: the logits of the next token `[batch,
    /// vocabulary]` and the cache of every position.
    pub fn prefill(&self, tokens: Tensor<B, 2, Int>) -> (Tensor<B, 2>, KvCache<B>) {
        let [batch, length] = tokens.dims();
        let positions = Tensor::<B, 1, Int>::arange(0..length as i64, &tokens.device())
            .reshape([1, length])
            .expand([batch, length]);
        self.run(tokens, positions, None)
    }

    /// One token per sequence `[batch, 1]` after `cache`: the next logits and the cache
    /// grown by one position.
    pub fn decode(
        &self,
        token: Tensor<B, 2, Int>,
        cache: &KvCache<B>,
    ) -> (Tensor<B, 2>, KvCache<B>) {
        let [batch, _] = token.dims();
        let position = Tensor::<B, 2, Int>::full([batch, 1], cache.len() as i64, &token.device());
        self.run(token, position, Some(cache))
    }

    fn run(
        &self,
        tokens: Tensor<B, 2, Int>,
        positions: Tensor<B, 2, Int>,
        past: Option<&KvCache<B>>,
    ) -> (Tensor<B, 2>, KvCache<B>) {
        let mut x = self.tokens.forward(tokens) + self.positions.forward(positions);
        let mut layers = Vec::with_capacity(self.blocks.len());
        for (index, block) in self.blocks.iter().enumerate() {
            // A prompt attends causally; a decode step's one query attends to every position.
            let past = past.map(|cache| &cache.layers[index]);
            let (next, kv) = block.forward(x, past, past.is_none());
            x = next;
            layers.push(kv);
        }
        let [batch, length, width] = x.dims();
        let last = self
            .norm
            .forward(x.narrow(1, length - 1, 1))
            .reshape([batch, width]);
        let logits = last.matmul(self.tokens.weight.val().transpose());
        (logits, KvCache { layers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::{backend::Flex, tensor::TensorData};

    #[test]
    fn gpt2_has_gpt2_figures() {
        let gpt2 = DecoderConfig::preset("gpt2").unwrap();
        // GPT-2 small with its head tied to the token embedding.
        assert_eq!(gpt2.parameter_count(), 124_439_808);
        let one = DecoderConfig::preset("1b").unwrap().parameter_count() as f64;
        assert!((0.8e9..1.2e9).contains(&one), "{one}");
        // A decode step by hand: two FLOPs per weight of the blocks' 12·768² matrices and of
        // the head, and 4·768 per layer for each of the 512 positions attended to.
        let by_hand = 2 * (12 * 12 * 768 * 768 + 50_257 * 768) + 12 * 4 * 512 * 768;
        assert_eq!(gpt2.figures(Phase::Decode).flops_per_sample, by_hand);
    }

    #[test]
    fn bounds_name_the_context() {
        let mut tiny = DecoderConfig::preset("tiny").unwrap();
        tiny.prompt = 300;
        let err = tiny.validate().unwrap_err().0;
        assert!(
            err.contains("prompt length (at most the context) must be between 1 and 256, got 300"),
            "{err}"
        );
    }

    #[test]
    fn decoding_with_the_cache_equals_a_full_pass() {
        let tiny = DecoderConfig::preset("tiny").unwrap();
        let device = Default::default();
        let decoder = tiny.init::<Flex>(3, &device);
        assert_eq!(decoder.num_params() as u64, tiny.parameter_count());
        let ids: Vec<i64> = (0..9).map(|i| (i * 37 % 2048) as i64).collect();
        let all = Tensor::<Flex, 2, Int>::from_data(TensorData::new(ids.clone(), [1, 9]), &device);
        let (full, _) = decoder.prefill(all.clone());
        let (_, cache) = decoder.prefill(all.clone().narrow(1, 0, 8));
        assert_eq!(cache.len(), 8);
        let (step, grown) = decoder.decode(all.narrow(1, 8, 1), &cache);
        assert_eq!(grown.len(), 9);
        let error: f32 = (full - step).abs().max().into_scalar();
        assert!(error < 1e-3, "{error}");
    }
}
