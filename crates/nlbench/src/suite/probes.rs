//! burn's own kernels as probes of the device, next to the ceilings: a large FP32 matmul
//! (compute) and an elementwise add (memory), timed like every row. A burn kernel far below a
//! ceiling shows what burn leaves on the table; one above it would put the ceiling in doubt.

use burn::tensor::{Distribution, Tensor, backend::Backend};
use futures::future::LocalBoxFuture;

use super::{Burn, time_tensor};
use crate::readback::read_one;
use crate::{
    error::{RunError, guarded},
    measure::{
        self, Environment, Policy, Repeats, Routine, Stop, Stopwatch,
        protocol::{PROBE_ADD_ELEMENTS, PROBE_LARGEST_SIDE, PROBE_MATMUL_SIDES},
    },
    schema::{BurnProbes, Ceiling},
    session::StepContext,
};

/// How long a probe matmul must last for its size to be kept, in milliseconds.
const LONG_ENOUGH_MS: f64 = 10.0;

/// Untimed runs (compilation, autotuning), then three timed ones; the probe keeps the
/// fastest, as the ceilings do.
fn policy() -> Policy {
    Policy {
        untimed_runs: 2,
        warmup_ms: 0.0,
        stable_cv: None,
        repeats: Repeats::Fixed(1),
        stop: Stop::count(3),
    }
}

/// Runs both probes; a probe that fails says why.
pub(super) async fn run<B: Backend>(burn: &Burn<B>, cx: &StepContext<'_>) -> BurnProbes {
    let (matmul_n, matmul) = match guarded(matmul(burn, cx)).await {
        Ok((n, gflops)) => (n, Ok(gflops)),
        Err(err) => (PROBE_LARGEST_SIDE, Err(err)),
    };
    BurnProbes {
        matmul_n,
        add_elements: PROBE_ADD_ELEMENTS,
        matmul_gflops: Ceiling::from_result(matmul),
        add_gbps: Ceiling::from_result(guarded(add(burn, cx)).await),
    }
}

/// The side kept (of [`PROBE_MATMUL_SIDES`], the first whose matmul lasts
/// [`LONG_ENOUGH_MS`], or the largest) and the GFLOP/s of its matmul.
async fn matmul<B: Backend>(
    burn: &Burn<B>,
    cx: &StepContext<'_>,
) -> Result<(usize, f64), RunError> {
    for n in PROBE_MATMUL_SIDES {
        let a = Tensor::<B, 2>::random([n, n], Distribution::Default, &burn.device);
        let b = Tensor::<B, 2>::random([n, n], Distribution::Default, &burn.device);
        let ms = fastest(burn, cx, &|| a.clone().matmul(b.clone())).await?;
        if ms >= LONG_ENOUGH_MS || n == PROBE_LARGEST_SIDE {
            return Ok((n, 2.0 * (n as f64).powi(3) / (ms * 1e6)));
        }
    }
    unreachable!("the largest side always returns")
}

/// GB/s of `a + b`: two operands read and the sum written.
async fn add<B: Backend>(burn: &Burn<B>, cx: &StepContext<'_>) -> Result<f64, RunError> {
    let a = Tensor::<B, 1>::random([PROBE_ADD_ELEMENTS], Distribution::Default, &burn.device);
    let b = Tensor::<B, 1>::random([PROBE_ADD_ELEMENTS], Distribution::Default, &burn.device);
    let ms = fastest(burn, cx, &|| a.clone() + b.clone()).await?;
    Ok(3.0 * 4.0 * PROBE_ADD_ELEMENTS as f64 / (ms * 1e6))
}

/// The fastest timed run of `work`, in milliseconds.
async fn fastest<B: Backend, const D: usize>(
    burn: &Burn<B>,
    cx: &StepContext<'_>,
    work: &(dyn Fn() -> Tensor<B, D> + Sync),
) -> Result<f64, RunError> {
    let mut routine = Work {
        work,
        stopwatch: burn.stopwatch(cx.clock),
    };
    let env = Environment {
        clock: cx.clock,
        tuned: cx.tuned,
    };
    measure::measure(&mut routine, &policy(), &env)
        .await?
        .fastest()
        .ok_or_else(|| RunError::backend("no timed run"))
}

/// Any tensor-returning work as a routine.
pub(super) struct Work<'a, B: Backend, const D: usize> {
    pub work: &'a (dyn Fn() -> Tensor<B, D> + Sync),
    pub stopwatch: Stopwatch<'a>,
}

impl<B: Backend, const D: usize> Routine for Work<'_, B, D> {
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
        Box::pin(async move { read_one((self.work)()).await })
    }

    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
        Box::pin(async move { Ok(time_tensor(&self.stopwatch, repeats, self.work).await?.0) })
    }

    fn after_untimed(&mut self) -> LocalBoxFuture<'_, ()> {
        Box::pin(self.stopwatch.clear_errors())
    }
}
