//! burn's own kernels as probes of the device, next to the WGSL ceilings: a large FP32 matmul
//! (compute) and an elementwise add (memory), timed like every suite. A burn kernel far below
//! a ceiling shows what burn leaves on the table; one above it would put the ceiling in doubt.

use burn::tensor::{Distribution, Tensor, backend::Backend};

use super::{RunContext, guarded, timing};
use crate::schema::{BurnProbes, Ceiling};

/// Side of the square FP32 matrices multiplied: 2.1 GFLOP, enough to fill a large GPU.
pub const MATMUL_N: usize = 1024;
/// FP32 elements of each operand of the add: 64 MiB, past the caches of current GPUs.
pub const ADD_ELEMENTS: usize = 1 << 24;
/// Untimed runs (compilation, autotuning), then timed ones; the probe keeps the fastest, as
/// the ceilings do.
const UNTIMED: usize = 2;
const TIMED: usize = 3;

/// Runs both probes on `device`; a probe that fails says why.
pub async fn run<B: Backend>(device: &B::Device, ctx: &RunContext<'_>) -> BurnProbes {
    BurnProbes {
        matmul_gflops: Ceiling::from_result(guarded(matmul::<B>(device, ctx)).await),
        add_gbps: Ceiling::from_result(guarded(add::<B>(device, ctx)).await),
    }
}

/// GFLOP/s of one `MATMUL_N`³ matmul.
async fn matmul<B: Backend>(device: &B::Device, ctx: &RunContext<'_>) -> Result<f64, String> {
    let a = Tensor::<B, 2>::random([MATMUL_N, MATMUL_N], Distribution::Default, device);
    let b = Tensor::<B, 2>::random([MATMUL_N, MATMUL_N], Distribution::Default, device);
    let ms = fastest(ctx, || a.clone().matmul(b.clone())).await?;
    Ok(2.0 * (MATMUL_N as f64).powi(3) / (ms * 1e6))
}

/// GB/s of `a + b`: two operands read and the sum written.
async fn add<B: Backend>(device: &B::Device, ctx: &RunContext<'_>) -> Result<f64, String> {
    let a = Tensor::<B, 1>::random([ADD_ELEMENTS], Distribution::Default, device);
    let b = Tensor::<B, 1>::random([ADD_ELEMENTS], Distribution::Default, device);
    let ms = fastest(ctx, || a.clone() + b.clone()).await?;
    Ok(3.0 * 4.0 * ADD_ELEMENTS as f64 / (ms * 1e6))
}

/// The fastest of [`TIMED`] runs of `work`, in milliseconds, after [`UNTIMED`] ones.
async fn fastest<B: Backend, const D: usize>(
    ctx: &RunContext<'_>,
    work: impl Fn() -> Tensor<B, D> + Sync,
) -> Result<f64, String> {
    for _ in 0..UNTIMED {
        timing::run_untimed(&work).await?;
    }
    timing::clear_errors(ctx).await;
    let mut best = f64::INFINITY;
    for _ in 0..TIMED {
        best = best.min(timing::time_once(ctx, &work).await?.0);
    }
    Ok(best)
}
