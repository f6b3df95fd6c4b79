//! Device ceilings: the WGSL microbenchmarks in `shaders/`, run with wgpu on the same device
//! as burn (natively and in the browser), measure memory bandwidth (copy and read), SIMT
//! fused multiply-add throughput (vec4 FMA chains in every invocation, f32 and, where the
//! device has `shader-f16`, f16) and dispatch overhead; nlbench's CubeCL kernel measures the
//! matrix units where cubecl exposes them ([`matrix`]); on burn's CPU backend, Rust kernels
//! measure the CPU's ([`cpu`]). Every inference row is then shown as a share of these roofs. They are timed by
//! the same stopwatch as the rows: pass timestamps where the device has them, otherwise the
//! host clock until one element of the kernel's output is back.

mod cpu;
mod matrix;

pub use cpu::CpuCeilings;
pub use matrix::{MatrixCeiling, MatrixUnits};
pub use nlbench_results::schema::NO_MATRIX_UNITS;

use futures::future::LocalBoxFuture;

use crate::{
    error::RunError,
    gpu::{Dispatch, Gpu, Passes},
    measure::{
        self, Clock, DeviceTimer, Environment, Policy, Repeats, Routine, Stop, Stopwatch, scoped,
    },
    schema::{Ceiling, Ceilings},
    session::CeilingsSource,
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

/// Each figure, on the GPU and the CPU alike: after `untimed_runs`, passes grow (up to `max`
/// repetitions) until one lasts 10 ms, so timer resolution and pass overhead stay small beside
/// it and the short first passes compile and warm up; then the best of three.
fn grown(untimed_runs: usize, max: u32) -> Policy {
    Policy {
        untimed_runs,
        warmup_ms: 0.0,
        stable_cv: None,
        repeats: Repeats::GrowTo { ms: 10.0, max },
        stop: Stop::count(3),
    }
}

/// The GPU figures' policy: no untimed run, up to 2¹⁴ repetitions of a kernel per pass.
fn grown_on_gpu() -> Policy {
    grown(0, 1 << 14)
}

/// Milliseconds of one repetition in the fastest timed pass of `routine` under `policy`.
async fn fastest(
    routine: &mut dyn Routine,
    policy: &Policy,
    clock: &dyn Clock,
) -> Result<f64, RunError> {
    let env = Environment {
        clock,
        tuned: &|| true,
    };
    measure::measure(routine, policy, &env)
        .await?
        .fastest()
        .ok_or_else(|| RunError::backend("no timed pass"))
}

/// The ceilings of a wgpu device, measured with the WGSL microbenchmarks in `shaders/`, and
/// its matrix units through burn's runtime on the same device.
pub struct WgpuCeilings {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub matrix: Box<dyn MatrixCeiling>,
}

impl CeilingsSource for WgpuCeilings {
    fn measure<'a>(&'a self, clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceilings> {
        Box::pin(measure_all(
            &self.device,
            &self.queue,
            self.matrix.as_ref(),
            clock,
        ))
    }
}

/// A device the WGSL microbenchmarks cannot run on (CUDA, ROCm): its matrix units alone, the
/// other ceilings unavailable for `reason`.
pub struct MatrixOnly {
    pub reason: String,
    pub matrix: Box<dyn MatrixCeiling>,
}

impl CeilingsSource for MatrixOnly {
    fn measure<'a>(&'a self, clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceilings> {
        Box::pin(async move {
            let timing = Stopwatch::new(clock, None).timing_info();
            Ceilings {
                clock: format!("{}; {}", timing.clock, timing.completion),
                matrix_f16_gflops: self.matrix.measure(clock).await,
                ..Ceilings::unavailable(&self.reason)
            }
        })
    }
}

/// The device the microbenchmarks run on and the stopwatch that times them.
struct Bench<'a> {
    gpu: &'a Gpu<'a>,
    stopwatch: Stopwatch<'a>,
    clock: &'a dyn Clock,
}

/// Measures every ceiling on `device`, the matrix units through `matrix`; a figure that cannot
/// be measured says why.
async fn measure_all(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    matrix: &dyn MatrixCeiling,
    clock: &dyn Clock,
) -> Ceilings {
    let gpu = Gpu::new(device, queue);
    let timer = gpu.timer();
    let stopwatch = Stopwatch::new(clock, timer.as_ref().map(|t| t as &dyn DeviceTimer));
    let bench = Bench {
        gpu: &gpu,
        stopwatch,
        clock,
    };
    let bytes = stream_bytes(&device.limits());
    let fma_f16_gflops = if device.features().contains(wgpu::Features::SHADER_F16) {
        figure(device, fma(&bench, FMA_F16)).await
    } else {
        Ceiling::Unavailable {
            reason: "the device has no shader-f16".into(),
        }
    };
    let timing = stopwatch.timing_info();
    Ceilings {
        clock: format!("{}; {}", timing.clock, timing.completion),
        copy_gbps: figure(device, copy(&bench, bytes)).await,
        read_gbps: figure(device, read(&bench, bytes)).await,
        fma_f32_gflops: figure(device, fma(&bench, FMA_F32)).await,
        fma_f16_gflops,
        matrix_f16_gflops: matrix.measure(clock).await,
        dispatch_us: figure(device, dispatch(&bench)).await,
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

/// Runs one figure inside wgpu error scopes, so a device that rejects a kernel gives a
/// reason instead of a panic.
async fn figure(
    device: &wgpu::Device,
    figure: impl Future<Output = Result<f64, RunError>>,
) -> Ceiling {
    Ceiling::from_result(scoped(device, figure).await)
}

/// Milliseconds of one dispatch of `kernel`, whose output is `output`: the best pass of
/// `policy`.
async fn fastest_dispatch(
    bench: &Bench<'_>,
    kernel: &Dispatch,
    output: &wgpu::Buffer,
    policy: &Policy,
) -> Result<f64, RunError> {
    let dispatches = [kernel];
    let mut passes = Passes {
        gpu: bench.gpu,
        dispatches: &dispatches,
        output,
        stopwatch: bench.stopwatch,
    };
    fastest(&mut passes, policy, bench.clock).await
}

/// GB/s moving `bytes` from one buffer to another (read plus write).
async fn copy(bench: &Bench<'_>, bytes: u64) -> Result<f64, RunError> {
    let gpu = bench.gpu;
    let src = gpu.storage(bytes, None);
    let dst = gpu.storage(bytes, None);
    let kernel = gpu.dispatch(COPY, &[&src, &dst], grid(bytes / 16 / WORKGROUP));
    let ms = fastest_dispatch(bench, &kernel, &dst, &grown_on_gpu()).await?;
    Ok(2.0 * bytes as f64 / (ms * 1e6))
}

/// GB/s reading `bytes`.
async fn read(bench: &Bench<'_>, bytes: u64) -> Result<f64, RunError> {
    let gpu = bench.gpu;
    let src = gpu.storage(bytes, None);
    let sink = gpu.storage(16, None);
    let groups = grid(bytes / 16 / WORKGROUP / READ_PER_INVOCATION);
    let kernel = gpu.dispatch(READ, &[&src, &sink], groups);
    let ms = fastest_dispatch(bench, &kernel, &sink, &grown_on_gpu()).await?;
    Ok(bytes as f64 / (ms * 1e6))
}

/// GFLOP/s of the FMA kernel `source`.
async fn fma(bench: &Bench<'_>, source: &str) -> Result<f64, RunError> {
    let gpu = bench.gpu;
    let seed = vec4s(&[[0.5; 4], [0.5; 4], [0.5; 4]]);
    let seed = gpu.storage(seed.len() as u64, Some(&seed));
    let sink = gpu.storage(16, None);
    let kernel = gpu.dispatch(source, &[&seed, &sink], grid(FMA_GROUPS));
    let ms = fastest_dispatch(bench, &kernel, &sink, &grown_on_gpu()).await?;
    let flops = (FMA_GROUPS * WORKGROUP) as f64 * FMA_FLOPS_PER_INVOCATION;
    Ok(flops / (ms * 1e6))
}

/// Microseconds per dispatch of a one-invocation kernel: passes of [`DISPATCHES`]
/// dispatches, one untimed (compilation), the best of three.
async fn dispatch(bench: &Bench<'_>) -> Result<f64, RunError> {
    let gpu = bench.gpu;
    let seed = vec4s(&[[0.0; 4]]);
    let seed = gpu.storage(seed.len() as u64, Some(&seed));
    let sink = gpu.storage(16, None);
    let kernel = gpu.dispatch(DISPATCH, &[&seed, &sink], (1, 1, 1));
    let policy = Policy {
        untimed_runs: 1,
        warmup_ms: 0.0,
        stable_cv: None,
        repeats: Repeats::Fixed(DISPATCHES),
        stop: Stop::count(3),
    };
    Ok(fastest_dispatch(bench, &kernel, &sink, &policy).await? * 1000.0)
}

/// `total` workgroups as a two-dimensional grid within the 65,535-per-dimension limit; the
/// kernels skip invocations past the end of their buffer.
fn grid(total: u64) -> (u32, u32, u32) {
    const MAX: u64 = 65_535;
    let x = total.clamp(1, MAX);
    let y = total.div_ceil(x).max(1);
    (x as u32, y as u32, 1)
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
        assert_eq!(grid(1), (1, 1, 1));
        assert_eq!(grid(16_384), (16_384, 1, 1));
        let (x, y, _) = grid(200_000);
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
