//! Which device produced a result: enough to tell two GPUs, two drivers or a software
//! rasteriser apart when results are put side by side.

use serde::{Deserialize, Serialize};

use crate::compiler::{Compiler, Kernels};

/// Kind of device, as the graphics or compute API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    DiscreteGpu,
    IntegratedGpu,
    VirtualGpu,
    /// A CPU: the CPU backend, or a software GPU driver such as lavapipe or SwiftShader.
    Cpu,
    Other,
}

impl DeviceType {
    pub fn label(self) -> &'static str {
        match self {
            DeviceType::DiscreteGpu => "discrete GPU",
            DeviceType::IntegratedGpu => "integrated GPU",
            DeviceType::VirtualGpu => "virtual GPU",
            DeviceType::Cpu => "CPU",
            DeviceType::Other => "other",
        }
    }
}

/// Identity of the device a result was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// burn backend: `wgpu`, `cuda` or `cpu`.
    pub backend: String,
    /// Graphics or compute API: `Vulkan`, `Metal`, `Dx12`, `WebGPU`, `CUDA`, or `none` for the
    /// CPU backend.
    pub api: String,
    /// Adapter or processor name as the driver reports it.
    pub name: String,
    /// PCI vendor id, where the API reports one.
    pub vendor_id: Option<u32>,
    pub vendor: String,
    pub device_id: Option<u32>,
    pub device_type: DeviceType,
    pub driver: String,
    pub driver_info: String,
    /// True for a CPU-emulated GPU (lavapipe, SwiftShader, WARP) or the CPU backend: its
    /// figures say nothing about GPUs.
    pub software: bool,
    /// Optional features that matter to the suites (for example `shader-f16`,
    /// `timestamp-query`).
    #[serde(default)]
    pub features: Vec<String>,
    /// How burn's kernels reach the device: known once its runtime has opened it (schema
    /// version 10; absent in older results and in a listing before the device opens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernels: Option<Kernels>,
}

/// Vendor name of a PCI vendor id; `None` for an id this table does not know.
pub fn vendor_name(vendor_id: u32) -> Option<&'static str> {
    Some(match vendor_id {
        0x10de => "NVIDIA",
        0x1002 | 0x1022 => "AMD",
        0x8086 => "Intel",
        0x106b => "Apple",
        0x5143 => "Qualcomm",
        0x13b5 => "ARM",
        0x1010 => "Imagination",
        0x1414 => "Microsoft",
        // Mesa's software drivers (lavapipe, llvmpipe) and Khronos' registered id for Mesa.
        0x10005 => "Mesa",
        0x1ae0 => "Google",
        _ => return None,
    })
}

impl DeviceInfo {
    /// Identity of burn's CPU backend, `api` naming how it runs (natively or in wasm).
    pub fn cpu(api: &str, name: String, vendor: String) -> Self {
        Self {
            backend: "cpu".into(),
            api: api.into(),
            name,
            vendor_id: None,
            vendor,
            device_id: None,
            device_type: DeviceType::Cpu,
            driver: String::new(),
            driver_info: String::new(),
            software: true,
            features: Vec::new(),
            kernels: Some(Kernels::cpu()),
        }
    }

    /// The CPU under a CPU backend (burn's, or the PyTorch baseline's): plainly a CPU, where
    /// a software GPU driver (lavapipe) is a CPU-type device too.
    pub fn is_cpu(&self) -> bool {
        self.device_type == DeviceType::Cpu
            && matches!(self.backend.as_str(), "cpu" | "pytorch-cpu")
    }

    /// A GPU emulated on the CPU (lavapipe, SwiftShader, WARP): software, but not a CPU
    /// backend.
    pub fn emulated_gpu(&self) -> bool {
        self.software && !self.is_cpu()
    }

    /// A GPU that is hardware: what the realistic workload presets are for.
    pub fn hardware_gpu(&self) -> bool {
        !self.software && !self.is_cpu()
    }

    /// The backend, its API and the compiler of burn's kernels: `wgpu (Vulkan, spirv)`.
    pub fn backend_label(&self) -> String {
        match &self.kernels {
            Some(kernels) if kernels.compiler != Compiler::Cpu => format!(
                "{} ({}, {})",
                self.backend,
                self.api,
                kernels.compiler.name()
            ),
            _ => format!("{} ({})", self.backend, self.api),
        }
    }

    /// Short label for chart legends and table headers: the name without the driver's
    /// parenthesised details, the API, and "software" for an emulated GPU.
    pub fn label(&self) -> String {
        let software = if self.emulated_gpu() {
            " (software)"
        } else {
            ""
        };
        let name = match self.name.split_once(" (") {
            Some((short, _)) if !short.trim().is_empty() => short.trim(),
            _ => self.name.trim(),
        };
        format!("{name} · {}{software}", self.api)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendors() {
        assert_eq!(vendor_name(0x10de), Some("NVIDIA"));
        assert_eq!(vendor_name(0x1002), Some("AMD"));
        assert_eq!(vendor_name(0x10005), Some("Mesa"));
        assert_eq!(vendor_name(0xbeef), None);
    }

    #[test]
    fn the_pytorch_baselines_cpu_is_a_cpu() {
        let pytorch = DeviceInfo {
            backend: "pytorch-cpu".into(),
            ..DeviceInfo::cpu("PyTorch 2.9.1 (CPU)", "AMD EPYC".into(), "x86_64".into())
        };
        assert!(pytorch.is_cpu() && !pytorch.emulated_gpu() && !pytorch.hardware_gpu());
        assert_eq!(pytorch.label(), "AMD EPYC · PyTorch 2.9.1 (CPU)");
    }
}
