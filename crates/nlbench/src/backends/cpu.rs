//! burn's CPU backend.

use burn::backend::{Flex, flex::FlexDevice};

use super::{compiler_of, twin, wanted};
use crate::{
    ceilings::CpuCeilings,
    device::DeviceInfo,
    error::RunError,
    measure::NoMemoryProbe,
    plan::{Paths, Plan},
    schema::PathId,
    session::{Capacity, Device, Path, Room},
    suite::Burn,
};

/// Why the CPU backend has no allocator figures.
const CPU_NO_ALLOCATOR: &str = "the CPU backend has no allocator report";
/// Why the CPU backend has no device time.
const CPU_NO_DEVICE_CLOCK: &str = "the CPU backend has no device clock";

/// burn's CPU backend (Flex, on every core). `available` reads the room left under the
/// tightest memory limit for the pre-flight check.
pub fn cpu(
    info: DeviceInfo,
    plan: &Plan,
    available: Box<dyn Fn() -> Option<Room>>,
) -> Result<Device, RunError> {
    let burn_only = Paths {
        burn: true,
        unfused: false,
        reference: false,
    };
    wanted(
        plan,
        burn_only,
        burn_only,
        "the CPU backend runs burn only (the WGSL reference needs a wgpu device, and burn's \
         CPU backend has no fusion layer to leave out)",
    )?;
    let compiler = compiler_of(&info);
    let burn = || {
        Burn::<Flex>::new(
            FlexDevice,
            PathId::Burn,
            false,
            Box::new(NoMemoryProbe(CPU_NO_ALLOCATOR)),
            None,
        )
        .untuned("gemm (burn's CPU backend; nothing is autotuned)")
        .compiled_by(compiler)
    };
    let device_time = twin(plan, Err(CPU_NO_DEVICE_CLOCK), || None)?;
    Ok(Device {
        info,
        paths: vec![Path {
            headline: Box::new(burn()),
            device_time,
        }],
        memory: Some(Box::new(burn())),
        training: Some(Box::new(burn())),
        ceilings: Box::new(CpuCeilings),
        capacity: Capacity {
            available,
            max_buffer: None,
        },
    })
}
