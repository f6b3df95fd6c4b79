//! A step's network built on one backend with its seeded input, ready to run: what one
//! timed run does for each workload and phase, and the check each passes before it is timed.

use burn::{
    backend::{Flex, flex::FlexDevice},
    tensor::{Distribution, Int, Tensor, TensorData, backend::Backend},
};

use super::read_values;
use crate::{
    accuracy,
    error::RunError,
    model::{NeuralLayers, cast},
    precision::Precision,
    schema::Accuracy,
    session::Step,
    workload::{
        Phase, Workload,
        attention::{explicit, fused},
        cnn::Cnn,
        decoder::{Decoder, DecoderConfig, KvCache},
        encoder::Encoder,
    },
};

/// Most sequences the attention check holds against the CPU's explicit product.
const CHECKED_BATCH: usize = 8;

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
    /// Weights from the backend's generator seeded with `seed`, converted to the step's
    /// precision; a random input of the step's shape (for a decode step, the cache of a
    /// prefill of `decode_at - 1` random tokens).
    pub fn new(step: &Step, seed: u64, device: &B::Device) -> Self {
        let batch = step.batch_size;
        let precision = step.precision;
        let dtype = precision.float_dtype();
        let floats = |shape: Vec<usize>| {
            Tensor::<B, 1>::random(
                [shape.iter().product::<usize>()],
                Distribution::Default,
                device,
            )
            .cast(dtype)
        };
        match (&step.workload, step.phase) {
            (Workload::Mlp(model), _) => Self::Mlp(
                NeuralLayers::init(model, seed, device).into_precision(precision),
                floats(vec![batch, model.input_dim]).reshape([batch, model.input_dim]),
            ),
            (Workload::Encoder(c), _) => Self::Encoder(
                cast(c.init(seed, device), precision),
                floats(vec![batch, c.sequence, c.width]).reshape([batch, c.sequence, c.width]),
            ),
            (Workload::Decoder(c), Phase::Decode) => {
                let decoder = cast(c.init(seed, device), precision);
                let cached = tokens(c, batch, c.decode_at - 1, device);
                let (_, cache) = decoder.prefill(cached.clone());
                Self::Decode(decoder, cached, tokens(c, batch, 1, device), cache)
            }
            (Workload::Decoder(c), _) => Self::Prefill(
                cast(c.init(seed, device), precision),
                tokens(c, batch, c.prompt, device),
            ),
            (Workload::Cnn(c), _) => Self::Cnn(
                Box::new(cast(c.init(seed, device), precision)),
                floats(vec![batch, 3, c.image, c.image]).reshape([batch, 3, c.image, c.image]),
            ),
        }
    }

    /// One timed run: its output, flattened to `[batch, …]`.
    pub fn run(&self) -> Tensor<B, 2> {
        match self {
            Self::Mlp(model, input) => model.forward(input.clone()),
            Self::Encoder(encoder, input) => encoder.forward(input.clone()).flatten(1, 2),
            Self::Prefill(decoder, prompt) => decoder.prefill(prompt.clone()).0,
            Self::Decode(decoder, _, token, cache) => decoder.decode(token.clone(), cache).0,
            Self::Cnn(cnn, images) => cnn.forward(images.clone()),
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
