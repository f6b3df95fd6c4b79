//! The vendors' own stacks: NVIDIA's CUDA and AMD's ROCm (HIP). Neither has a wgpu device, so
//! the WGSL microbenchmarks and the reference cannot run there: the other ceilings come from a
//! Vulkan run on the same GPU, and the matrix units are measured through burn's runtime.

use burn_cubecl::CubeRuntime;

use super::{Cube, compiler_of, wanted};
use crate::{
    ceilings::{MatrixOnly, MatrixUnits},
    device::DeviceInfo,
    error::RunError,
    plan::{Paths, Plan},
    session::{Capacity, Device, Room},
};

/// burn's CUDA backend. `free` reads the GPU's free memory for the pre-flight check.
#[cfg(feature = "cuda")]
pub fn cuda(
    device: burn::backend::cuda::CudaDevice,
    info: DeviceInfo,
    plan: &Plan,
    free: Box<dyn Fn() -> Option<Room>>,
) -> Result<Device, RunError> {
    // CUDA events resolve about half a microsecond (the CUDA Runtime API's documentation of
    // cudaEventElapsedTime).
    let stack = Stack {
        name: "CUDA",
        timestamps: "CUDA events",
        resolution_ms: 5e-4,
    };
    open::<burn::cubecl::cuda::CudaRuntime>(&stack, device, info, plan, free)
}

/// burn's ROCm backend. `free` reads the GPU's free memory for the pre-flight check.
#[cfg(feature = "rocm")]
pub fn rocm(
    device: burn::backend::rocm::RocmDevice,
    info: DeviceInfo,
    plan: &Plan,
    free: Box<dyn Fn() -> Option<Room>>,
) -> Result<Device, RunError> {
    // HIP events resolve about a microsecond (HIP's documentation of hipEventElapsedTime).
    let stack = Stack {
        name: "ROCm",
        timestamps: "HIP events",
        resolution_ms: 1e-3,
    };
    open::<burn::cubecl::hip::HipRuntime>(&stack, device, info, plan, free)
}

/// How one vendor's stack times its work.
struct Stack {
    name: &'static str,
    /// What writes the timestamps, for the report.
    timestamps: &'static str,
    resolution_ms: f64,
}

/// burn with and without fusion on `device`, the memory suite, and the matrix-unit ceiling.
fn open<R: CubeRuntime>(
    stack: &Stack,
    device: R::Device,
    info: DeviceInfo,
    plan: &Plan,
    free: Box<dyn Fn() -> Option<Room>>,
) -> Result<Device, RunError> {
    let burn_paths = Paths {
        burn: true,
        unfused: true,
        reference: false,
    };
    let default = Paths {
        unfused: false,
        ..burn_paths
    };
    let paths = wanted(
        plan,
        default,
        burn_paths,
        &format!(
            "on {} only burn runs (the WGSL reference needs a wgpu device)",
            stack.name
        ),
    )?;
    let cube = Cube::<R, u8> {
        device: &device,
        timestamps: stack.timestamps,
        resolution_ms: stack.resolution_ms,
        compiler: compiler_of(&info),
        marker: std::marker::PhantomData,
    };
    Ok(Device {
        paths: cube.paths(plan, paths)?,
        memory: Some(cube.memory()),
        training: Some(cube.training()),
        ceilings: Box::new(MatrixOnly {
            reason: "the WGSL microbenchmarks run through wgpu; --backend vulkan measures this \
                     GPU's other ceilings"
                .into(),
            matrix: Box::new(MatrixUnits::<R> {
                device: device.clone(),
            }),
        }),
        capacity: Capacity {
            available: free,
            max_buffer: None,
        },
        info,
    })
}
