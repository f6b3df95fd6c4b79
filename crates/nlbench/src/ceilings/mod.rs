//! Device ceilings: the WGSL microbenchmarks in `shaders/`, run with wgpu on the same device
//! as burn (natively and in the browser), measure memory bandwidth (copy and read), peak
//! fused multiply-add throughput (f32, and f16 where the device has `shader-f16`) and
//! dispatch overhead. Every inference row is then shown as a share of these roofs.

mod kernel;

use kernel::{Bench, Kernel};

use crate::{
    clock::Clock,
    schema::{Ceiling, Ceilings},
    suite::first_line,
};

const COPY: &str = include_str!("../../../../shaders/bandwidth_copy.wgsl");
const READ: &str = include_str!("../../../../shaders/bandwidth_read.wgsl");
const FMA_F32: &str = include_str!("../../../../shaders/fma_f32.wgsl");
const FMA_F16: &str = include_str!("../../../../shaders/fma_f16.wgsl");
const DISPATCH: &str = include_str!("../../../../shaders/dispatch.wgsl");

/// Bytes the bandwidth kernels stream: more than the last-level cache of current GPUs, and
/// within WebGPU's default storage-binding limit.
const STREAM_BYTES: u64 = 128 << 20;
/// Invocations per workgroup in every kernel but the dispatch one.
const WORKGROUP: u64 = 256;
/// vec4<f32> each read-kernel invocation sums (`PER_INVOCATION` in the shader).
const READ_PER_INVOCATION: u64 = 4;
/// FLOPs per FMA-kernel invocation: 256 iterations × 8 chains × 4 lanes × 2.
const FMA_FLOPS_PER_INVOCATION: f64 = 16_384.0;
/// FMA workgroups per dispatch: over half a million invocations, enough to fill any
/// current GPU several times.
const FMA_GROUPS: u64 = 2048;
/// Empty dispatches per pass for the dispatch overhead.
const DISPATCHES: u32 = 1000;
/// A timed pass repeats its dispatch until it lasts at least this long, so timer
/// resolution and pass overhead stay small beside it.
const TARGET_MS: f64 = 10.0;
const MAX_REPEATS: u32 = 1 << 14;
/// Timed passes per figure once the length is found; the ceiling is the best of them.
const TRIALS: usize = 3;

/// Measures every ceiling on `device`; a figure that cannot be measured says why.
pub async fn measure(device: &wgpu::Device, queue: &wgpu::Queue, clock: &dyn Clock) -> Ceilings {
    let bench = Bench::new(device, queue, clock);
    let bytes = stream_bytes(&device.limits());
    let fma_f16_gflops = if device.features().contains(wgpu::Features::SHADER_F16) {
        scoped(device, fma(&bench, FMA_F16)).await
    } else {
        Ceiling::Unavailable {
            reason: "the device has no shader-f16".into(),
        }
    };
    Ceilings {
        clock: bench.clock_name(),
        copy_gbps: scoped(device, copy(&bench, bytes)).await,
        read_gbps: scoped(device, read(&bench, bytes)).await,
        fma_f32_gflops: scoped(device, fma(&bench, FMA_F32)).await,
        fma_f16_gflops,
        dispatch_us: scoped(device, dispatch(&bench)).await,
    }
}

/// The streamed buffer size: [`STREAM_BYTES`] or the device's binding limit, whole
/// workgroups of whole read-kernel invocations.
fn stream_bytes(limits: &wgpu::Limits) -> u64 {
    let unit = 16 * WORKGROUP * READ_PER_INVOCATION;
    let cap = STREAM_BYTES
        .min(limits.max_storage_buffer_binding_size)
        .min(limits.max_buffer_size);
    cap / unit * unit
}

/// Runs one figure inside a wgpu error scope, so a device that rejects a kernel gives a
/// reason instead of a panic.
async fn scoped(
    device: &wgpu::Device,
    figure: impl Future<Output = Result<f64, String>>,
) -> Ceiling {
    let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let result = figure.await;
    let error = scope.pop().await;
    match error {
        Some(error) => Ceiling::Unavailable {
            reason: first_line(&error.to_string()),
        },
        None => Ceiling::from_result(result),
    }
}

/// GB/s moving `bytes` from one buffer to another (read plus write).
async fn copy(bench: &Bench<'_>, bytes: u64) -> Result<f64, String> {
    let src = bench.storage(bytes, None);
    let dst = bench.storage(bytes, None);
    let kernel = bench.kernel(COPY, &src, &dst);
    let groups = grid(bytes / 16 / WORKGROUP);
    let best = fastest(bench, &kernel, groups).await?;
    Ok(2.0 * bytes as f64 / (best.ms_per_repeat * 1e6))
}

/// GB/s reading `bytes`.
async fn read(bench: &Bench<'_>, bytes: u64) -> Result<f64, String> {
    let src = bench.storage(bytes, None);
    let sink = bench.storage(16, None);
    let kernel = bench.kernel(READ, &src, &sink);
    let groups = grid(bytes / 16 / WORKGROUP / READ_PER_INVOCATION);
    let best = fastest(bench, &kernel, groups).await?;
    Ok(bytes as f64 / (best.ms_per_repeat * 1e6))
}

/// GFLOP/s of the FMA kernel `source`.
async fn fma(bench: &Bench<'_>, source: &str) -> Result<f64, String> {
    let seed = vec4s(&[[0.5; 4], [0.5; 4], [0.5; 4]]);
    let seed = bench.storage(seed.len() as u64, Some(&seed));
    let sink = bench.storage(16, None);
    let kernel = bench.kernel(source, &seed, &sink);
    let best = fastest(bench, &kernel, grid(FMA_GROUPS)).await?;
    let flops = (FMA_GROUPS * WORKGROUP) as f64 * FMA_FLOPS_PER_INVOCATION;
    Ok(flops / (best.ms_per_repeat * 1e6))
}

/// Microseconds per dispatch of a one-invocation kernel, [`DISPATCHES`] in a pass.
async fn dispatch(bench: &Bench<'_>) -> Result<f64, String> {
    let seed = vec4s(&[[0.0; 4]]);
    let seed = bench.storage(seed.len() as u64, Some(&seed));
    let sink = bench.storage(16, None);
    let kernel = bench.kernel(DISPATCH, &seed, &sink);
    bench.time(&kernel, (1, 1), DISPATCHES).await?; // compiles and warms up
    let mut best = f64::INFINITY;
    for _ in 0..TRIALS {
        best = best.min(bench.time(&kernel, (1, 1), DISPATCHES).await?);
    }
    Ok(best * 1000.0 / f64::from(DISPATCHES))
}

struct Best {
    ms_per_repeat: f64,
}

/// Repeats `kernel` in one pass until the pass lasts [`TARGET_MS`] (the first, short passes
/// also compile and warm up), then keeps the fastest of [`TRIALS`] passes of that length.
async fn fastest(bench: &Bench<'_>, kernel: &Kernel, groups: (u32, u32)) -> Result<Best, String> {
    let mut repeats = 1u32;
    loop {
        let ms = bench.time(kernel, groups, repeats).await?;
        if ms >= TARGET_MS || repeats >= MAX_REPEATS {
            break;
        }
        let factor = (TARGET_MS / ms.max(TARGET_MS / 64.0)).ceil() as u32;
        repeats = (repeats * factor.clamp(2, 64)).min(MAX_REPEATS);
    }
    let mut ms_per_repeat = f64::INFINITY;
    for _ in 0..TRIALS {
        let ms = bench.time(kernel, groups, repeats).await?;
        ms_per_repeat = ms_per_repeat.min(ms / f64::from(repeats));
    }
    Ok(Best { ms_per_repeat })
}

/// `total` workgroups as a two-dimensional grid within the 65,535-per-dimension limit; the
/// kernels skip invocations past the end of their buffer.
fn grid(total: u64) -> (u32, u32) {
    const MAX: u64 = 65_535;
    let x = total.clamp(1, MAX);
    let y = total.div_ceil(x).max(1);
    (x as u32, y as u32)
}

fn vec4s(values: &[[f32; 4]]) -> Vec<u8> {
    values
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_every_workgroup_within_limits() {
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(16_384), (16_384, 1));
        let (x, y) = grid(200_000);
        assert!(x <= 65_535 && u64::from(x) * u64::from(y) >= 200_000);
    }

    #[test]
    fn stream_size_respects_limits_and_whole_workgroups() {
        let mut limits = wgpu::Limits::default();
        assert_eq!(stream_bytes(&limits), 128 << 20);
        limits.max_storage_buffer_binding_size = 100_000_000;
        let bytes = stream_bytes(&limits);
        assert!(bytes <= 100_000_000);
        assert_eq!(bytes % (16 * 256 * 4), 0);
    }
}
