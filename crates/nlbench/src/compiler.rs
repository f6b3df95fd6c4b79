//! How burn's kernels reach a device ([`Kernels`], part of the results), read from what
//! cubecl registered when its runtime opened the device.

use burn::backend::wgpu::{WgpuDevice, WgpuRuntime};
use burn::cubecl::{
    Runtime,
    client::ComputeClient,
    ir::{
        ElemType, FloatKind, StorageType,
        features::{MmaConfig, Plane},
    },
};
pub use nlbench_results::compiler::{Compiler, Kernels};

/// What cubecl registered for `device` when its runtime opened it, compiled by
/// `compiler` (`fallback` says why not a better one).
pub fn of<R: Runtime>(device: &R::Device, compiler: Compiler, fallback: Option<String>) -> Kernels {
    let client = ComputeClient::<R>::load(device);
    let properties = client.properties();
    let features = &properties.features;
    let mut matrix_units: Vec<String> = features
        .matmul
        .cmma
        .iter()
        .chain(&features.matmul.mma)
        .map(matrix_unit)
        .collect();
    matrix_units.dedup();
    let float = |kind| properties.supports_type(StorageType::Scalar(ElemType::Float(kind)));
    Kernels {
        compiler,
        fallback,
        matrix_units,
        subgroups: features.plane.contains(Plane::Ops),
        f16: float(FloatKind::F16),
        bf16: float(FloatKind::BF16),
    }
}

/// Whether burn's Vulkan kernels go through SPIR-V in this build (never on macOS, where the
/// `vulkan` feature adds nothing).
const SPIRV: bool = cfg!(all(feature = "vulkan", not(target_os = "macos")));

/// The compilers this build puts burn's wgpu kernels through: `wgsl`, then `spirv` and `msl`
/// where compiled in. What was tuned under one set is not kept for another.
pub fn built() -> String {
    let mut names = vec![Compiler::Wgsl.name()];
    if SPIRV {
        names.push(Compiler::Spirv.name());
    }
    if cfg!(feature = "metal") {
        names.push(Compiler::Msl.name());
    }
    names.join(" ")
}

/// How burn's kernels reach a wgpu device that cubecl's runtime has opened through `api`:
/// SPIR-V on Vulkan and MSL on Metal where this build has their compilers and the device
/// what they need, WGSL otherwise (the browser, DX12), with the reason.
pub fn of_wgpu(device: &WgpuDevice, api: wgpu::Backend) -> Kernels {
    let (better, built, needs) = match api {
        wgpu::Backend::Vulkan => (
            Compiler::Spirv,
            SPIRV,
            "the Vulkan memory model at device scope, buffer device addresses and SPIR-V 1.3",
        ),
        wgpu::Backend::Metal => (Compiler::Msl, cfg!(feature = "metal"), "Metal 3"),
        _ => return of::<WgpuRuntime>(device, Compiler::Wgsl, None),
    };
    let (compiler, fallback) = if !built {
        let feature = if better == Compiler::Spirv {
            "spirv"
        } else {
            "metal"
        };
        (
            Compiler::Wgsl,
            Some(format!(
                "this build compiles no {} (nlbench-native's `{feature}` feature)",
                better.name()
            )),
        )
    } else if native_compiler(device) {
        (better, None)
    } else {
        (
            Compiler::Wgsl,
            Some(format!(
                "the device lacks what cubecl's {} compiler needs ({needs})",
                better.name()
            )),
        )
    };
    of::<WgpuRuntime>(device, compiler, fallback)
}

/// Whether cubecl compiled a device's kernels to SPIR-V or MSL rather than WGSL: it marks
/// plane synchronisation as available only when it took one of those two (its WGSL path
/// never registers it), the one trace of its choice that it exposes.
fn native_compiler(device: &WgpuDevice) -> bool {
    ComputeClient::<WgpuRuntime>::load(device)
        .properties()
        .features
        .plane
        .contains(Plane::Sync)
}

fn matrix_unit(config: &MmaConfig) -> String {
    format!(
        "{}x{}x{} {}·{}→{}",
        config.m, config.n, config.k, config.a_type, config.b_type, config.cd_type
    )
}
