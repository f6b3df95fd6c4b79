//! Which compiler burn's kernels went through on a device, and what cubecl found the device
//! can do there: the same GPU runs a different program, and reaches different peaks, through
//! WGSL, SPIR-V, MSL, CUDA or HIP, so a figure without its compiler cannot be compared.

use burn::backend::wgpu::{WgpuDevice, WgpuRuntime};
use burn::cubecl::{
    Runtime,
    client::ComputeClient,
    ir::{
        ElemType, FloatKind, StorageType,
        features::{MmaConfig, Plane},
    },
};
use serde::{Deserialize, Serialize};

use crate::precision::Precision;

/// The language burn's kernels were compiled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compiler {
    /// WebGPU's shading language: the browser, and native wgpu devices without a better one.
    Wgsl,
    /// Vulkan's SPIR-V through cubecl's own compiler (cooperative matrices where offered).
    Spirv,
    /// Metal's shading language (simdgroup matrices).
    Msl,
    /// CUDA C++ through NVRTC.
    Cuda,
    /// HIP C++ through hipRTC on AMD's ROCm.
    Hip,
    /// Rust compiled with nlbench itself: burn's CPU backend.
    Cpu,
}

impl Compiler {
    pub fn name(self) -> &'static str {
        match self {
            Self::Wgsl => "wgsl",
            Self::Spirv => "spirv",
            Self::Msl => "msl",
            Self::Cuda => "cuda",
            Self::Hip => "hip",
            Self::Cpu => "cpu",
        }
    }

    /// What a device lacks where this compiler's kernels cannot compute in `precision`
    /// there, as exactly as the compiler's requirements are known.
    pub fn lacks(self, precision: Precision) -> String {
        match (self, precision) {
            (Self::Spirv, Precision::F16) => "the Vulkan device offers no shaderFloat16 \
                (VK_KHR_shader_float16_int8) to cubecl's SPIR-V kernels"
                .into(),
            (Self::Spirv, Precision::Bf16) => "the Vulkan device offers no shaderBFloat16Type \
                (VK_KHR_shader_bfloat16) to cubecl's SPIR-V kernels"
                .into(),
            (Self::Wgsl, Precision::F16) => "the device offers no shader-f16 to WGSL".into(),
            (Self::Wgsl, Precision::Bf16) => "WGSL has no bfloat16 type".into(),
            (Self::Msl, Precision::Bf16) => "burn's MSL kernels have no bfloat16".into(),
            _ => format!("burn's {} kernels have no {precision} here", self.name()),
        }
    }
}

/// How burn's kernels reach one device (schema version 10; absent in older results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kernels {
    pub compiler: Compiler,
    /// Why the device runs a slower compiler than its API offers, where it does (a Vulkan
    /// device without what SPIR-V needs, a build without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// The matrix-unit operations cubecl can issue, as `MxNxK a·b→c` (empty where it can
    /// issue none).
    #[serde(default)]
    pub matrix_units: Vec<String>,
    /// Whether kernels may use subgroup (plane) operations.
    pub subgroups: bool,
    /// Whether kernels may compute in half and bfloat16 precision.
    pub f16: bool,
    pub bf16: bool,
}

impl Kernels {
    /// What cubecl registered for `device` when its runtime opened it, compiled by
    /// `compiler` (`fallback` says why not a better one).
    pub fn of<R: Runtime>(
        device: &R::Device,
        compiler: Compiler,
        fallback: Option<String>,
    ) -> Self {
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
        Self {
            compiler,
            fallback,
            matrix_units,
            subgroups: features.plane.contains(Plane::Ops),
            f16: float(FloatKind::F16),
            bf16: float(FloatKind::BF16),
        }
    }

    /// burn's CPU backend: no kernel compiler, no matrix units it can be told to use.
    pub fn cpu() -> Self {
        Self {
            compiler: Compiler::Cpu,
            fallback: None,
            matrix_units: Vec::new(),
            subgroups: false,
            f16: true,
            bf16: true,
        }
    }

    /// The report's sentence: the compiler (and why not a better one), half precisions,
    /// subgroups and matrix units.
    pub fn describe(&self) -> String {
        let fallback = self
            .fallback
            .as_ref()
            .map_or_else(String::new, |why| format!(" ({why})"));
        let half = match (self.f16, self.bf16) {
            (true, true) => "f16 and bf16",
            (true, false) => "f16, no bf16",
            (false, true) => "bf16, no f16",
            (false, false) => "no f16 or bf16",
        };
        let subgroups = if self.subgroups {
            "subgroups"
        } else {
            "no subgroups"
        };
        let matrix = if self.matrix_units.is_empty() {
            "no matrix units exposed".to_owned()
        } else {
            format!("matrix units {}", self.matrix_units.join(", "))
        };
        format!(
            "{}{fallback}; {half}; {subgroups}; {matrix}",
            self.compiler.name()
        )
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
        _ => return Kernels::of::<WgpuRuntime>(device, Compiler::Wgsl, None),
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
    Kernels::of::<WgpuRuntime>(device, compiler, fallback)
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
