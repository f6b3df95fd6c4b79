//! A step's network built on one backend with its seeded input, ready to run: what one
//! timed run does for each workload and phase, and the check each passes before it is timed.

use burn::{
    backend::{Flex, flex::FlexDevice},
    module::Module,
    tensor::{Distribution, Int, Tensor, TensorData, backend::Backend},
};

use super::read_values;
use crate::{
    accuracy,
    error::RunError,
    precision::{Precision, cast},
    schema::Accuracy,
    session::Step,
    workload::{
        CnnConfig, EncoderConfig, ModelConfig, Phase, Workload,
        attention::{explicit, fused},
        cnn::Cnn,
        decoder::{Decoder, DecoderConfig, KvCache},
        encoder::Encoder,
        mlp::NeuralLayers,
    },
};

/// Most sequences the attention check holds against the CPU's explicit product.
const CHECKED_BATCH: usize = 8;

/// A network one pass calls on its input: what a timed run runs, and what the memory suite
/// holds alive and differentiates.
pub trait Network<B: Backend>: Module<B> {
    type Input: Clone;
    /// The output flattened to `[batch, …]`, and the state the pass leaves for the next one
    /// (the decoder's KV cache), which a memory reading keeps alive.
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>);
}

/// What a workload's shapes build: its network, and a random input of its first phase
/// (the decoder's: a prompt). Apart, so the memory suite reads the weights before an input
/// exists.
pub trait Preset<B: Backend> {
    type Network: Network<B>;
    /// Weights from the backend's generator seeded with `seed`, at `precision`.
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Self::Network;
    fn input(
        &self,
        batch: usize,
        precision: Precision,
        device: &B::Device,
    ) -> <Self::Network as Network<B>>::Input;
}

/// `shape`'s elements drawn from the backend's generator, at `precision`.
fn floats<B: Backend, const D: usize>(
    shape: [usize; D],
    precision: Precision,
    device: &B::Device,
) -> Tensor<B, D> {
    Tensor::<B, 1>::random(
        [shape.iter().product::<usize>()],
        Distribution::Default,
        device,
    )
    .cast(precision.float_dtype())
    .reshape(shape)
}

impl<B: Backend> Network<B> for NeuralLayers<B> {
    type Input = Tensor<B, 2>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        (self.forward(input), Vec::new())
    }
}

impl<B: Backend> Preset<B> for ModelConfig {
    type Network = NeuralLayers<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> NeuralLayers<B> {
        NeuralLayers::init(self, seed, device).into_precision(precision)
    }
    fn input(&self, batch: usize, precision: Precision, device: &B::Device) -> Tensor<B, 2> {
        floats([batch, self.input_dim], precision, device)
    }
}

impl<B: Backend> Network<B> for Encoder<B> {
    type Input = Tensor<B, 3>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        (self.forward(input).flatten(1, 2), Vec::new())
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

/// The decoder's prefill.
impl<B: Backend> Network<B> for Decoder<B> {
    type Input = Tensor<B, 2, Int>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        let (logits, cache) = self.prefill(input);
        let kept = cache.layers.into_iter().flat_map(|(k, v)| [k, v]).collect();
        (logits, kept)
    }
}

impl<B: Backend> Preset<B> for DecoderConfig {
    type Network = Decoder<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Decoder<B> {
        cast(self.init(seed, device), precision)
    }
    fn input(&self, batch: usize, _: Precision, device: &B::Device) -> Tensor<B, 2, Int> {
        tokens(self, batch, self.prompt, device)
    }
}

impl<B: Backend> Network<B> for Cnn<B> {
    type Input = Tensor<B, 4>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        (self.forward(input), Vec::new())
    }
}

impl<B: Backend> Preset<B> for CnnConfig {
    type Network = Cnn<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Cnn<B> {
        cast(self.init(seed, device), precision)
    }
    fn input(&self, batch: usize, precision: Precision, device: &B::Device) -> Tensor<B, 4> {
        floats([batch, 3, self.image, self.image], precision, device)
    }
}

/// The network and input of one step.
pub enum Built<B: Backend> {
    Mlp(NeuralLayers<B>, Tensor<B, 2>),
    Encoder(Encoder<B>, Tensor<B, 3>),
    Prefill(Decoder<B>, Tensor<B, 2, Int>),
    /// The decoder, the tokens the cache holds, the token each sequence decodes and the
    /// cache it attends to.
    Decode(Decoder<B>, Tensor<B, 2, Int>, Tensor<B, 2, Int>, KvCache<B>),
    /// Boxed: the CNN's blocks make it the largest by far.
    Cnn(Box<Cnn<B>>, Tensor<B, 4>),
}

impl<B: Backend> Built<B> {
    /// The step's network and input (for a decode step, the cache of a prefill of
    /// `decode_at - 1` random tokens).
    pub fn new(step: &Step, seed: u64, device: &B::Device) -> Self {
        let (batch, precision) = (step.batch_size, step.precision);
        match (&step.workload, step.phase) {
            (Workload::Mlp(c), _) => Self::Mlp(
                c.network(seed, precision, device),
                c.input(batch, precision, device),
            ),
            (Workload::Encoder(c), _) => Self::Encoder(
                c.network(seed, precision, device),
                c.input(batch, precision, device),
            ),
            (Workload::Decoder(c), Phase::Decode) => {
                let decoder = c.network(seed, precision, device);
                let cached = tokens(c, batch, c.decode_at - 1, device);
                let (_, cache) = decoder.prefill(cached.clone());
                Self::Decode(decoder, cached, tokens(c, batch, 1, device), cache)
            }
            (Workload::Decoder(c), _) => Self::Prefill(
                c.network(seed, precision, device),
                c.input(batch, precision, device),
            ),
            (Workload::Cnn(c), _) => Self::Cnn(
                Box::new(c.network(seed, precision, device)),
                c.input(batch, precision, device),
            ),
        }
    }

    /// One timed run: its output, flattened to `[batch, …]`.
    pub fn run(&self) -> Tensor<B, 2> {
        match self {
            Self::Mlp(model, input) => model.pass(input.clone()).0,
            Self::Encoder(encoder, input) => encoder.pass(input.clone()).0,
            Self::Prefill(decoder, prompt) => decoder.pass(prompt.clone()).0,
            Self::Decode(decoder, _, token, cache) => decoder.decode(token.clone(), cache).0,
            Self::Cnn(cnn, images) => cnn.pass(images.clone()).0,
        }
    }

    /// The check this step passes before it is timed, where its workload has one: burn's
    /// fused attention on the device against the explicit softmax(QKᵀ/√d)·V on burn's CPU
    /// backend, at the step's attention shape (encoder and prefill); the step's own decoding
    /// with the KV cache against a full pass over the same tokens (decode). Both run the
    /// shapes the step times where they can, so they add little tuning of their own.
    pub async fn check(
        &self,
        precision: Precision,
        device: &B::Device,
    ) -> Result<Option<Accuracy>, RunError> {
        let shape = |batch: usize, heads: usize, tokens: usize, width: usize| {
            [batch.min(CHECKED_BATCH), heads, tokens, width / heads]
        };
        match self {
            Self::Mlp(..) | Self::Cnn(..) => Ok(None),
            Self::Encoder(encoder, input) => {
                let [batch, tokens, width] = input.dims();
                let heads = encoder.layers.first().map_or(1, |l| l.heads);
                check_attention::<B>(shape(batch, heads, tokens, width), false, precision, device)
                    .await
                    .map(Some)
            }
            Self::Prefill(decoder, prompt) => {
                let heads = decoder.blocks.first().map_or(1, |b| b.heads);
                let width = decoder.tokens.weight.dims()[1];
                let [batch, tokens] = prompt.dims();
                check_attention::<B>(shape(batch, heads, tokens, width), true, precision, device)
                    .await
                    .map(Some)
            }
            Self::Decode(decoder, cached, token, cache) => {
                let (step, _) = decoder.decode(token.clone(), cache);
                let (full, _) =
                    decoder.prefill(Tensor::cat(vec![cached.clone(), token.clone()], 1));
                accuracy::hold(
                    &read_values(step).await?,
                    &read_values(full).await?,
                    precision,
                    "decoding with the KV cache differs from a full pass over the same tokens",
                    Some("a full pass over the same tokens, without the KV cache"),
                )
                .map(Some)
            }
        }
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

/// burn's fused attention of random `shape` inputs on the device, held against the explicit
/// product of the same inputs on burn's CPU backend in FP32.
async fn check_attention<B: Backend>(
    shape: [usize; 4],
    causal: bool,
    precision: Precision,
    device: &B::Device,
) -> Result<Accuracy, RunError> {
    let random = || {
        Tensor::<B, 4>::random(shape, Distribution::Default, device).cast(precision.float_dtype())
    };
    let (q, k, v) = (random(), random(), random());
    let got = read_values(fused(q.clone(), k.clone(), v.clone(), causal)).await?;
    let on_cpu = |values: Vec<f32>| {
        Tensor::<Flex, 4>::from_data(TensorData::new(values, shape), &FlexDevice)
    };
    let expected = explicit(
        on_cpu(read_values(q).await?),
        on_cpu(read_values(k).await?),
        on_cpu(read_values(v).await?),
        causal,
    );
    accuracy::hold(
        &got,
        &read_values(expected).await?,
        precision,
        "burn's fused attention differs from the explicit softmax(QKᵀ/√d)·V",
        Some("the explicit softmax(QKᵀ/√d)·V of the same inputs on the CPU"),
    )
}
