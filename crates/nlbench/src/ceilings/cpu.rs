//! The CPU's ceilings, measured in Rust for burn's CPU backend: copy and read bandwidth of
//! buffers well past the last-level cache, and fused multiply-add throughput with the widest
//! SIMD the processor has, on every core. burn's CPU backend (gemm, through burn-flex) uses
//! the same instructions, so its rows can be read as a share of these roofs.

use futures::future::LocalBoxFuture;

use nlbench_cpu::{CHAINS, FMA_ITERATIONS, Isa, sum};

use crate::{
    error::RunError,
    measure::{Clock, Routine, Stopwatch},
    schema::{Ceiling, Ceilings},
    session::CeilingsSource,
};

/// Bytes of each streamed buffer: past the last-level cache a core sees on current CPUs
/// (a 96 MiB L3 slice on the largest server parts), smaller in the browser's wasm memory.
const STREAM_BYTES: usize = if cfg!(target_arch = "wasm32") {
    64 << 20
} else {
    256 << 20
};

/// The ceilings of the CPU the run is on.
pub struct CpuCeilings;

impl CeilingsSource for CpuCeilings {
    fn measure<'a>(&'a self, clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceilings> {
        Box::pin(async move {
            let threads = threads();
            let isa = Isa::detect();
            let unavailable = |reason: &str| Ceiling::Unavailable {
                reason: reason.into(),
            };
            Ceilings {
                clock: format!(
                    "{} around Rust kernels on {threads} thread{} (FMA: {})",
                    clock.name(),
                    if threads == 1 { "" } else { "s" },
                    isa.name()
                ),
                copy_gbps: Ceiling::from_result(copy(clock, threads).await),
                read_gbps: Ceiling::from_result(read(clock, threads).await),
                fma_f32_gflops: Ceiling::from_result(fma(clock, threads, isa).await),
                fma_f16_gflops: unavailable(
                    "no FP16 arithmetic kernel on the CPU (burn's CPU backend converts FP16 to \
                     FP32 to compute)",
                ),
                matrix_f16_gflops: unavailable("no matrix-unit kernel on the CPU"),
                dispatch_us: unavailable("no kernel dispatch on the CPU backend"),
            }
        })
    }
}

/// Threads the kernels run on: every core the process may use (one in the browser).
fn threads() -> usize {
    if cfg!(target_arch = "wasm32") {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// Runs `work(thread)` on `threads` threads at once (inline for one).
fn on_threads<T: Send>(threads: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if threads == 1 {
        return vec![work(0)];
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = (0..threads).map(|t| scope.spawn(move || work(t))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a ceiling kernel does not panic"))
            .collect()
    })
}

/// A buffer of `bytes` f32 values, or an error instead of the process aborting.
fn buffer(bytes: usize, value: f32) -> Result<Vec<f32>, RunError> {
    let len = bytes / 4;
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        RunError::new(
            crate::error::ErrorKind::OutOfMemory,
            format!("could not allocate {} MiB", bytes >> 20),
        )
    })?;
    v.resize(len, value);
    Ok(v)
}

/// Any CPU kernel as the protocol's routine, timed by the host stopwatch. The kernel runs on
/// the calling thread's threads and is done when it returns, so nothing is read back.
struct Kernel<'a, F: FnMut(u32) + Send> {
    stopwatch: Stopwatch<'a>,
    run: F,
}

impl<F: FnMut(u32) + Send> Routine for Kernel<'_, F> {
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
        (self.run)(1);
        Box::pin(async { Ok(()) })
    }

    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
        Box::pin(async move {
            let run = &mut self.run;
            self.stopwatch
                .time(1, &mut || run(repeats), &mut || Box::pin(async { Ok(()) }))
                .await
        })
    }
}

/// Milliseconds of the fastest repetition of `run`: the GPU figures' policy, but after one
/// untimed run and with up to 2¹² repetitions per pass.
async fn fastest(clock: &dyn Clock, run: impl FnMut(u32) + Send) -> Result<f64, RunError> {
    let mut kernel = Kernel {
        stopwatch: Stopwatch::new(clock, None),
        run,
    };
    super::fastest(&mut kernel, &super::grown(1, 1 << 12), clock).await
}

/// GB/s copying one buffer to another, read plus write, every thread its own part.
async fn copy(clock: &dyn Clock, threads: usize) -> Result<f64, RunError> {
    let src = buffer(STREAM_BYTES, 1.0)?;
    let mut dst = buffer(STREAM_BYTES, 0.0)?;
    let part = src.len().div_ceil(threads);
    let ms = fastest(clock, |repeats| {
        for _ in 0..repeats {
            std::thread::scope(|scope| {
                for (from, to) in src.chunks(part).zip(dst.chunks_mut(part)) {
                    if threads == 1 {
                        to.copy_from_slice(from);
                    } else {
                        scope.spawn(move || to.copy_from_slice(from));
                    }
                }
            });
        }
    })
    .await?;
    std::hint::black_box(&dst);
    Ok(2.0 * STREAM_BYTES as f64 / (ms * 1e6))
}

/// GB/s summing one buffer, every thread its own part.
async fn read(clock: &dyn Clock, threads: usize) -> Result<f64, RunError> {
    let src = buffer(STREAM_BYTES, 1.0)?;
    let part = src.len().div_ceil(threads);
    let ms = fastest(clock, |repeats| {
        for _ in 0..repeats {
            let sums = on_threads(threads, |t| {
                let chunk = src.chunks(part).nth(t).unwrap_or(&[]);
                sum(chunk)
            });
            std::hint::black_box(sums);
        }
    })
    .await?;
    Ok(STREAM_BYTES as f64 / (ms * 1e6))
}

/// GFLOP/s of fused multiply-adds (two FLOPs each) on every thread.
async fn fma(clock: &dyn Clock, threads: usize, isa: Isa) -> Result<f64, RunError> {
    let ms = fastest(clock, |repeats| {
        let results = on_threads(threads, |t| isa.fma_chains(u64::from(repeats), t as f32));
        std::hint::black_box(results);
    })
    .await?;
    let flops = threads as f64 * (FMA_ITERATIONS * (CHAINS * isa.lanes()) as u64 * 2) as f64;
    Ok(flops / (ms * 1e6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_share_the_work() {
        assert_eq!(on_threads(3, |t| t * 2), vec![0, 2, 4]);
    }
}
