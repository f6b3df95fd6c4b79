//! Attention for the transformer workloads: burn's fused `attention` op (flash attention on
//! the cubecl backends, separate kernels elsewhere), and the explicit softmax(QKᵀ/√d)·V it is
//! checked against before a row is timed.

use burn::tensor::{
    Bool, Tensor, TensorData, activation::softmax, backend::Backend, module::attention,
    ops::AttentionModuleOptions,
};

/// `[batch, heads, queries, head_dim]` attending to `[batch, heads, keys, head_dim]` through
/// burn's fused op; `causal` masks later keys (aligned at the last query, so one query
/// attends to every cached key).
pub fn fused<B: Backend>(
    q: Tensor<B, 4>,
    k: Tensor<B, 4>,
    v: Tensor<B, 4>,
    causal: bool,
) -> Tensor<B, 4> {
    let options = AttentionModuleOptions {
        is_causal: causal,
        ..Default::default()
    };
    attention(q, k, v, None, None, options)
}

/// The same product written out: scores, mask, softmax, weighted sum.
pub fn explicit<B: Backend>(
    q: Tensor<B, 4>,
    k: Tensor<B, 4>,
    v: Tensor<B, 4>,
    causal: bool,
) -> Tensor<B, 4> {
    let [batch, heads, queries, head_dim] = q.dims();
    let keys = k.dims()[2];
    let scores = q
        .matmul(k.swap_dims(2, 3))
        .div_scalar((head_dim as f64).sqrt());
    let scores = if causal {
        let offset = keys - queries;
        let mask: Vec<bool> = (0..queries)
            .flat_map(|row| (0..keys).map(move |col| col > row + offset))
            .collect();
        let mask = Tensor::<B, 2, Bool>::from_data(
            TensorData::new(mask, [queries, keys]),
            &scores.device(),
        )
        .reshape([1, 1, queries, keys])
        .expand([batch, heads, queries, keys]);
        scores.mask_fill(mask, f32::NEG_INFINITY)
    } else {
        scores
    };
    softmax(scores, 3).matmul(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex as CpuBackend;
    use burn::tensor::Distribution;

    #[test]
    fn fused_equals_explicit_with_and_without_the_mask() {
        let device = Default::default();
        for (queries, causal) in [(5, false), (5, true), (1, true)] {
            let q =
                Tensor::<CpuBackend, 4>::random([2, 3, queries, 8], Distribution::Default, &device);
            let k = Tensor::<CpuBackend, 4>::random([2, 3, 5, 8], Distribution::Default, &device);
            let v = Tensor::<CpuBackend, 4>::random([2, 3, 5, 8], Distribution::Default, &device);
            let a = fused(q.clone(), k.clone(), v.clone(), causal);
            let b = explicit(q, k, v, causal);
            let error: f32 = (a - b).abs().max().into_scalar();
            assert!(error < 1e-5, "queries {queries}, causal {causal}: {error}");
        }
    }
}
