//! The transformers' check before a row is timed: burn's fused attention on the device held
//! against the explicit softmax(QKᵀ/√d)·V of the same inputs on burn's CPU backend.

use burn::{
    backend::{Flex, flex::FlexDevice},
    tensor::{Distribution, Tensor, TensorData, backend::Backend},
};

use super::attention::{explicit, fused};
use crate::{
    accuracy, accuracy::Accuracy, error::RunError, precision::Precision, readback::read_values,
};

/// Most samples of a batch a check holds against the CPU's explicit product.
pub const CHECKED_BATCH: usize = 8;

/// The check's shape for a step's attention: at most [`CHECKED_BATCH`] sequences of
/// `tokens` over `heads` heads of a `width`-wide stack, so it runs the shapes the step times
/// where it can and adds little tuning of its own.
pub fn attention_shape(batch: usize, heads: usize, tokens: usize, width: usize) -> [usize; 4] {
    [batch.min(CHECKED_BATCH), heads, tokens, width / heads]
}

/// burn's fused attention of random `shape` inputs on the device, held against the explicit
/// product of the same inputs on burn's CPU backend in FP32.
pub async fn attention<B: Backend>(
    shape: [usize; 4],
    causal: bool,
    precision: Precision,
    device: &B::Device,
) -> Result<Accuracy, RunError> {
    let random = || {
        Tensor::<B, 4>::random(shape, Distribution::Default, device)
            .cast(crate::precision::float_dtype(precision))
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
