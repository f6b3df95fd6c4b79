//! Which compiler burn's kernels went through on a device, and what cubecl found the device
//! can do there: the same GPU runs a different program, and reaches different peaks, through
//! WGSL, SPIR-V, MSL, CUDA or HIP, so a figure without its compiler cannot be compared.

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
