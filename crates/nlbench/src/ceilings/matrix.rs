//! The matrix-unit ceiling: nlbench's own CubeCL kernel, since WGSL cannot express matrix
//! units, so it runs wherever cubecl can issue them (Vulkan through SPIR-V with cooperative
//! matrices, CUDA, HIP, Metal through MSL). Every plane chains multiply-accumulates of one
//! matrix-unit tile, FP16 inputs and FP32 accumulation, in [`CHAINS`] independent
//! accumulators so that the units' latency is hidden, and the figure is the fastest of three
//! passes, as for the SIMT FMA ceiling. Where cubecl registers no such tile (lavapipe,
//! SwiftShader, WebGPU, the CPU) the ceiling is `n/a` with that reason.

use burn::cubecl::{
    self, Runtime,
    client::ComputeClient,
    ir::{ElemType, FloatKind, StorageType, features::MmaConfig},
    prelude::*,
};
use futures::future::LocalBoxFuture;
use half::f16;

use crate::{
    error::RunError,
    measure::{Clock, Routine, Stopwatch},
    schema::Ceiling,
    schema::NO_MATRIX_UNITS,
};

/// Independent accumulators per plane.
const CHAINS: usize = 4;
/// Multiply-accumulates each accumulator chains in one launch.
const STEPS: u32 = 256;
/// Planes (one per cube) per launch: enough to fill every current GPU's matrix units.
const CUBES: u32 = 4096;

/// Each cube, one plane, loads one A and one B tile and chains [`STEPS`] multiply-accumulates
/// into each of [`CHAINS`] accumulators, then stores them so that none is dead code.
#[cube(launch)]
fn chained_mma(
    a: &Array<f16>,
    b: &Array<f16>,
    out: &mut Array<f32>,
    steps: u32,
    #[comptime] m: usize,
    #[comptime] n: usize,
    #[comptime] k: usize,
) {
    let lhs = cmma::Matrix::<f16>::from_slice(
        cmma::MatrixIdent::A,
        m,
        n,
        k,
        cmma::MatrixLayout::RowMajor,
        &a.to_slice(),
        k as u32,
    );
    let rhs = cmma::Matrix::<f16>::from_slice(
        cmma::MatrixIdent::B,
        m,
        n,
        k,
        cmma::MatrixLayout::RowMajor,
        &b.to_slice(),
        n as u32,
    );
    let c0 = accumulator(m, n, k);
    let c1 = accumulator(m, n, k);
    let c2 = accumulator(m, n, k);
    let c3 = accumulator(m, n, k);
    for _ in 0..steps {
        cmma::execute::<f16, f16, f32, f32>(&lhs, &rhs, &c0, &c0);
        cmma::execute::<f16, f16, f32, f32>(&lhs, &rhs, &c1, &c1);
        cmma::execute::<f16, f16, f32, f32>(&lhs, &rhs, &c2, &c2);
        cmma::execute::<f16, f16, f32, f32>(&lhs, &rhs, &c3, &c3);
    }
    let tile = m * n;
    let base = CUBE_POS * tile * CHAINS;
    let layout = cmma::MatrixLayout::RowMajor;
    cmma::store(&mut out.slice_mut(base, base + tile), &c0, n as u32, layout);
    cmma::store(
        &mut out.slice_mut(base + tile, base + 2 * tile),
        &c1,
        n as u32,
        layout,
    );
    cmma::store(
        &mut out.slice_mut(base + 2 * tile, base + 3 * tile),
        &c2,
        n as u32,
        layout,
    );
    cmma::store(
        &mut out.slice_mut(base + 3 * tile, base + 4 * tile),
        &c3,
        n as u32,
        layout,
    );
}

#[cube]
fn accumulator(
    #[comptime] m: usize,
    #[comptime] n: usize,
    #[comptime] k: usize,
) -> cmma::Matrix<f32> {
    cmma::Matrix::<f32>::from_value(
        cmma::MatrixIdent::Accumulator,
        m,
        n,
        k,
        cmma::MatrixLayout::Undefined,
        0.0,
    )
}

/// The matrix-unit ceiling of one cubecl device.
pub trait MatrixCeiling {
    /// FP16-input, FP32-accumulate matrix-unit GFLOP/s, or why there is none.
    fn measure<'a>(&'a self, clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceiling>;
}

/// The matrix units of `device` on cubecl runtime `R`.
pub struct MatrixUnits<R: Runtime> {
    pub device: R::Device,
}

impl<R: Runtime> MatrixCeiling for MatrixUnits<R> {
    fn measure<'a>(&'a self, clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceiling> {
        Box::pin(async move {
            let client = ComputeClient::<R>::load(&self.device);
            let Some(tile) = f16_tile(&client) else {
                return Ceiling::Unavailable {
                    reason: NO_MATRIX_UNITS.into(),
                };
            };
            let mut routine = Chains {
                kernel: Launch::new(client, tile),
                stopwatch: Stopwatch::new(clock, None),
            };
            let result = super::fastest(&mut routine, &super::grown(1, 1 << 10), clock)
                .await
                .map(|ms| routine.kernel.flops() / (ms * 1e6));
            Ceiling::from_result(result)
        })
    }
}

/// The FP16 × FP16 → FP32 tile cubecl offers on the device: 16×16×16 where it is one of
/// them, else the first.
fn f16_tile<R: Runtime>(client: &ComputeClient<R>) -> Option<MmaConfig> {
    let f16 = StorageType::Scalar(ElemType::Float(FloatKind::F16));
    let f32 = StorageType::Scalar(ElemType::Float(FloatKind::F32));
    let tiles: Vec<MmaConfig> = client
        .features()
        .matmul
        .cmma
        .iter()
        .filter(|c| c.a_type == f16 && c.b_type == f16 && c.cd_type == f32)
        .copied()
        .collect();
    tiles
        .iter()
        .find(|c| (c.m, c.n, c.k) == (16, 16, 16))
        .or(tiles.first())
        .copied()
}

/// Launches of the chains, timed on the host clock until the device has finished them.
struct Chains<'a, R: Runtime> {
    kernel: Launch<R>,
    stopwatch: Stopwatch<'a>,
}

/// The chains' kernel on one device, with its buffers and its cube (one plane).
struct Launch<R: Runtime> {
    client: ComputeClient<R>,
    tile: MmaConfig,
    plane: CubeDim,
    a: cubecl::server::Handle,
    b: cubecl::server::Handle,
    out: cubecl::server::Handle,
}

impl<R: Runtime> Launch<R> {
    fn new(client: ComputeClient<R>, tile: MmaConfig) -> Self {
        let (m, n, k) = (tile.m as usize, tile.n as usize, tile.k as usize);
        let ones = |count: usize| {
            let values: Vec<f16> = (0..count)
                .map(|i| f16::from_f32(1.0 / (1 + i % 7) as f32))
                .collect();
            client.create_from_slice(f16::as_bytes(&values))
        };
        let a = ones(m * k);
        let b = ones(k * n);
        let out = client.empty(CUBES as usize * CHAINS * m * n * std::mem::size_of::<f32>());
        let plane = CubeDim::new_1d(client.properties().hardware.plane_size_max);
        Self {
            client,
            tile,
            plane,
            a,
            b,
            out,
        }
    }

    /// FLOPs of one launch: a multiply-add counts as two.
    fn flops(&self) -> f64 {
        let tile = f64::from(self.tile.m) * f64::from(self.tile.n) * f64::from(self.tile.k);
        2.0 * tile * f64::from(STEPS) * CHAINS as f64 * f64::from(CUBES)
    }

    fn launch(&self) {
        let (m, n, k) = (
            self.tile.m as usize,
            self.tile.n as usize,
            self.tile.k as usize,
        );
        let outputs = CUBES as usize * CHAINS * m * n;
        // SAFETY: the arrays are as long as their buffers, and every cube stores inside its
        // own `CHAINS` tiles of `out`.
        unsafe {
            chained_mma::launch::<R>(
                &self.client,
                CubeCount::Static(CUBES, 1, 1),
                self.plane,
                ArrayArg::from_raw_parts(self.a.clone(), m * k),
                ArrayArg::from_raw_parts(self.b.clone(), k * n),
                ArrayArg::from_raw_parts(self.out.clone(), outputs),
                STEPS,
                m,
                n,
                k,
            );
        }
    }

    async fn finish(&self) -> Result<(), RunError> {
        self.client
            .sync()
            .await
            .map_err(|e| RunError::backend(format!("matrix-unit kernel: {e:?}")))
    }
}

impl<R: Runtime> Routine for Chains<'_, R> {
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
        Box::pin(async move {
            self.kernel.launch();
            self.kernel.finish().await
        })
    }

    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
        Box::pin(async move {
            let kernel = &self.kernel;
            self.stopwatch
                .time(repeats, &mut || kernel.launch(), &mut || {
                    Box::pin(kernel.finish())
                })
                .await
        })
    }
}
