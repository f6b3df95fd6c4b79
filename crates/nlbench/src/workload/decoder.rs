//! A decoder-only language model, GPT-2's architecture: token and learned position
//! embeddings, pre-norm blocks of causal self-attention (burn's fused attention op) and a
//! GELU MLP, a final layer norm and an output head tied to the token embedding. Its two
//! phases: the prefill of a prompt (ending with the logits of the first generated token) and
//! a decode step, one token per sequence attending to a KV cache.
//!
//! This module is its network on burn; its configuration, shapes and figures are the module
//! of the same name in `nlbench-results`.

use burn::{
    module::Module,
    nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig},
    tensor::{Distribution, Int, Tensor, backend::Backend},
};
use futures::future::LocalBoxFuture;

use super::{
    DecoderConfig, Generation, Network, Phase, Preset, Runnable, block::PreNormBlock, check,
};
use crate::{
    accuracy,
    accuracy::Accuracy,
    error::RunError,
    precision::{Precision, cast},
    readback::{read_tokens, read_values},
};

impl<B: Backend> Decoder<B> {
    pub fn init(config: &DecoderConfig, seed: u64, device: &B::Device) -> Self {
        B::seed(device, seed);
        let d = config.width;
        Decoder {
            tokens: EmbeddingConfig::new(config.vocabulary, d).init(device),
            positions: EmbeddingConfig::new(config.context, d).init(device),
            blocks: (0..config.layers)
                .map(|_| PreNormBlock::init(d, 4 * d, config.heads, device))
                .collect(),
            norm: LayerNormConfig::new(d).init(device),
        }
    }
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
        cast(Decoder::init(self, seed, device), precision)
    }
    fn input(&self, batch: usize, _: Precision, device: &B::Device) -> Tensor<B, 2, Int> {
        tokens(self, batch, self.prompt, device)
    }

    /// A decode step attends to the cache of a prefill of `decode_at - 1` random tokens; a
    /// generation starts from a random token after `depth` random tokens' cache.
    fn build(
        &self,
        phase: Phase,
        batch: usize,
        seed: u64,
        precision: Precision,
        device: &B::Device,
    ) -> Box<dyn Runnable<B>> {
        let decoder = self.network(seed, precision, device);
        if phase == Phase::Generate {
            let context = (self.depth > 0).then(|| {
                let cached = tokens(self, batch, self.depth, device);
                let (_, cache) = decoder.prefill(cached.clone());
                (cached, cache)
            });
            return Box::new(Generating {
                first: tokens(self, batch, 1, device),
                decoder,
                context,
                steps: self.generate,
            });
        }
        if phase != Phase::Decode {
            let prompt = self.input(batch, precision, device);
            return Box::new(super::Pass {
                network: decoder,
                input: prompt,
            });
        }
        let cached = tokens(self, batch, self.decode_at - 1, device);
        let (_, cache) = decoder.prefill(cached.clone());
        Box::new(DecodeStep {
            token: tokens(self, batch, 1, device),
            decoder,
            cached,
            cache,
        })
    }
}

/// `[batch, length]` tokens drawn from the vocabulary.
fn tokens<B: Backend>(
    config: &DecoderConfig,
    batch: usize,
    length: usize,
    device: &B::Device,
) -> Tensor<B, 2, Int> {
    Tensor::random(
        [batch, length],
        Distribution::Uniform(0.0, config.vocabulary as f64),
        device,
    )
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
            let tokens = vec![self.cached.clone(), self.token.clone()];
            self.decoder
                .hold_against_full_pass(step, tokens, precision, "decoding")
                .await
        })
    }
}

/// A generation (llama-bench's `tgN`): `steps` tokens per sequence one after another, each
/// the most likely next token of the step before, from `first` after `context` (its tokens
/// and their cache; none: an empty cache).
struct Generating<B: Backend> {
    decoder: Decoder<B>,
    first: Tensor<B, 2, Int>,
    context: Option<(Tensor<B, 2, Int>, KvCache<B>)>,
    steps: usize,
}

impl<B: Backend> Generating<B> {
    /// One step: `token` after `cache` (the first step of an empty cache is a one-token
    /// prefill), the next logits and the grown cache.
    fn step(&self, token: Tensor<B, 2, Int>, cache: Option<&KvCache<B>>) -> (Tensor<B, 2>, KvCache<B>) {
        match cache {
            Some(cache) => self.decoder.decode(token, cache),
            None => self.decoder.prefill(token),
        }
    }

    fn start(&self) -> Option<KvCache<B>> {
        self.context.as_ref().map(|(_, cache)| cache.clone())
    }
}

impl<B: Backend> Runnable<B> for Generating<B> {
    /// Every step queued at once, each token fed back on the device: the untimed runs.
    fn run(&self) -> Tensor<B, 2> {
        let mut cache = self.start();
        let mut token = self.first.clone();
        let mut logits = None;
        for _ in 0..self.steps {
            let (next, grown) = self.step(token, cache.as_ref());
            token = next.clone().argmax(1);
            cache = Some(grown);
            logits = Some(next);
        }
        logits.expect("a generation has at least one step")
    }

    /// The second step's logits, decoded with the cache the first grew, against a full pass
    /// over the same tokens (the context's, the first, the one it generated).
    fn check<'a>(
        &'a self,
        precision: Precision,
        _: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>> {
        Box::pin(async move {
            let start = self.start();
            let (first, cache) = self.step(self.first.clone(), start.as_ref());
            let generated = first.argmax(1);
            let (second, _) = self.decoder.decode(generated.clone(), &cache);
            let mut all: Vec<Tensor<B, 2, Int>> =
                self.context.iter().map(|(tokens, _)| tokens.clone()).collect();
            all.extend([self.first.clone(), generated]);
            self.decoder
                .hold_against_full_pass(second, all, precision, "generating")
                .await
        })
    }

    fn generation(&self) -> Option<&dyn Generation> {
        Some(self)
    }
}

impl<B: Backend> Generation for Generating<B> {
    /// Each step's token read on the host before the next step is queued.
    fn generate<'a>(
        &'a self,
        lap: &'a mut dyn FnMut(),
    ) -> LocalBoxFuture<'a, Result<(), RunError>> {
        Box::pin(async move {
            let mut cache = self.start();
            let mut token = self.first.clone();
            for _ in 0..self.steps {
                let (logits, grown) = self.step(token, cache.as_ref());
                token = logits.argmax(1);
                read_tokens(token.clone()).await?;
                lap();
                cache = Some(grown);
            }
            Ok(())
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
    /// `logits`, computed with the KV cache, held against a full pass over `tokens` (their
    /// pieces, joined) without it; `doing` names what went wrong, for the message.
    async fn hold_against_full_pass(
        &self,
        logits: Tensor<B, 2>,
        tokens: Vec<Tensor<B, 2, Int>>,
        precision: Precision,
        doing: &str,
    ) -> Result<Option<Accuracy>, RunError> {
        let (full, _) = self.prefill(Tensor::cat(tokens, 1));
        accuracy::hold(
            &read_values(logits).await?,
            &read_values(full).await?,
            precision,
            &format!("{doing} with the KV cache differs from a full pass over the same tokens"),
            Some("a full pass over the same tokens, without the KV cache"),
        )
        .map(Some)
    }

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
    use crate::workload::Definition;
    use burn::{backend::Flex, tensor::TensorData};

    #[test]
    fn decoding_with_the_cache_equals_a_full_pass() {
        let tiny = DecoderConfig::preset("tiny").unwrap();
        let device = Default::default();
        let decoder = Decoder::<Flex>::init(&tiny, 3, &device);
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
