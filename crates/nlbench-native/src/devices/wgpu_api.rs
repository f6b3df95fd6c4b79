//! burn's wgpu backend natively: one entry per API family `--backend` names (`wgpu` for
//! whichever of Vulkan, Metal and DX12 the machine has, or one of them), the first of which
//! lists every adapter and is the one `auto` tries (a hardware GPU only).

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::backend::wgpu::{RuntimeOptions, WgpuDevice, WgpuSetup, graphics, init_setup};
use nlbench::{
    backends, compiler, device::DeviceInfo, error::RunError, memo::Memo, plan::Plan,
    session::Device,
};

use super::{Backend, Listed, Opened, Selected};

/// The adapters of some of wgpu's APIs.
pub struct WgpuApi {
    name: &'static str,
    /// How errors name it.
    title: &'static str,
    backends: wgpu::Backends,
    /// Why this build cannot use it, where it cannot (an API of another platform).
    unavailable: Option<&'static str>,
}

impl WgpuApi {
    /// The APIs wgpu runs compute on natively (OpenGL lacks what burn needs).
    pub const PRIMARY: Self = Self {
        name: "wgpu",
        title: "wgpu",
        backends: wgpu::Backends::VULKAN
            .union(wgpu::Backends::METAL)
            .union(wgpu::Backends::DX12),
        unavailable: None,
    };
    pub const VULKAN: Self = Self {
        name: "vulkan",
        title: "Vulkan",
        backends: wgpu::Backends::VULKAN,
        unavailable: None,
    };
    pub const METAL: Self = Self {
        name: "metal",
        title: "Metal",
        backends: wgpu::Backends::METAL,
        unavailable: if cfg!(target_os = "macos") {
            None
        } else {
            Some("Metal is only available on macOS and iOS")
        },
    };
    pub const DX12: Self = Self {
        name: "dx12",
        title: "DX12",
        backends: wgpu::Backends::DX12,
        unavailable: if cfg!(windows) {
            None
        } else {
            Some("DX12 is only available on Windows")
        },
    };

    /// Whether this entry lists the adapters and stands for wgpu in `auto`.
    fn is_primary(&self) -> bool {
        self.name == Self::PRIMARY.name
    }
}

impl Backend for WgpuApi {
    fn name(&self) -> &'static str {
        self.name
    }

    fn list(&self) -> Vec<Listed> {
        if !self.is_primary() {
            return Vec::new();
        }
        let mut adapters = adapters(self.backends);
        adapters.sort_by_key(|a| preference(a.get_info().device_type));
        adapters
            .into_iter()
            .map(|adapter| {
                let features = adapter.features();
                Listed {
                    info: nlbench::device::from_wgpu(&adapter.get_info(), features),
                    timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
                    open: Box::new(move |reason| selected(&adapter, reason.into())),
                }
            })
            .collect()
    }

    /// The preferred adapter of this API family.
    fn select(&self) -> Result<Selected, String> {
        if let Some(reason) = self.unavailable {
            return Err(reason.into());
        }
        let adapters = adapters(self.backends);
        let adapter = adapters
            .iter()
            .min_by_key(|a| preference(a.get_info().device_type))
            .ok_or_else(|| {
                format!(
                    "no {} device found: install a GPU driver (on Linux without a GPU, \
                     `apt-get install mesa-vulkan-drivers` provides a software Vulkan device)",
                    self.title
                )
            })?;
        selected(adapter, format!("asked for {}", self.title))
    }

    /// A hardware GPU. A software adapter (lavapipe, SwiftShader, WARP) is never picked here:
    /// it runs on the CPU, rates no GPU, and is slower than burn's own CPU backend;
    /// `--backend vulkan`, `--device` or `--include-software` ask for it.
    fn auto(&self) -> Option<Result<Selected, String>> {
        if !self.is_primary() {
            return None;
        }
        let adapters = adapters(self.backends);
        let hardware = adapters
            .iter()
            .filter(|a| a.get_info().device_type != wgpu::DeviceType::Cpu)
            .min_by_key(|a| preference(a.get_info().device_type));
        let mut passed_over = match hardware.map(|adapter| selected(adapter, "hardware GPU".into()))
        {
            Some(Ok(selected)) => return Some(Ok(selected)),
            Some(Err(reason)) => format!("wgpu: {reason}"),
            None => "wgpu: no hardware GPU adapter".to_owned(),
        };
        if let Some(software) = adapters
            .iter()
            .find(|a| a.get_info().device_type == wgpu::DeviceType::Cpu)
        {
            passed_over.push_str(&format!(
                "; {} is a software adapter that runs on this CPU and rates no GPU (--backend \
                 vulkan runs it)",
                software.get_info().name
            ));
        }
        Some(Err(passed_over))
    }
}

/// burn's wgpu device, and the wgpu device and queue under it, on which the ceiling
/// microbenchmarks and the WGSL reference run.
struct OnWgpu(WgpuDevice, Box<WgpuSetup>);

impl Opened for OnWgpu {
    fn open(
        &self,
        info: DeviceInfo,
        plan: &Plan,
        searches: Option<Box<dyn Memo>>,
    ) -> Result<Device, RunError> {
        backends::wgpu(self.0.clone(), &self.1, info, plan, searches)
    }
}

fn adapters(backends: wgpu::Backends) -> Vec<wgpu::Adapter> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    pollster::block_on(instance.enumerate_adapters(backends))
}

fn preference(device_type: wgpu::DeviceType) -> u8 {
    match device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// Initialises burn's wgpu runtime on `adapter`, naming it the way cubecl selects adapters:
/// by type and index among the adapters of that type.
fn selected(adapter: &wgpu::Adapter, reason: String) -> Result<Selected, String> {
    let info = adapter.get_info();
    let index = adapters(info.backend.into())
        .iter()
        .map(wgpu::Adapter::get_info)
        .filter(|other| other.device_type == info.device_type)
        .position(|other| other.name == info.name && other.device == info.device)
        .unwrap_or(0);
    let device = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => WgpuDevice::DiscreteGpu(index),
        wgpu::DeviceType::IntegratedGpu => WgpuDevice::IntegratedGpu(index),
        wgpu::DeviceType::VirtualGpu => WgpuDevice::VirtualGpu(index),
        wgpu::DeviceType::Cpu => WgpuDevice::Cpu,
        wgpu::DeviceType::Other => WgpuDevice::DefaultDevice,
    };
    let options = RuntimeOptions::default;
    let setup = catch_unwind(AssertUnwindSafe(|| match info.backend {
        wgpu::Backend::Vulkan => Ok(init_setup::<graphics::Vulkan>(&device, options())),
        wgpu::Backend::Metal => Ok(init_setup::<graphics::Metal>(&device, options())),
        wgpu::Backend::Dx12 => Ok(init_setup::<graphics::Dx12>(&device, options())),
        other => Err(format!("{other:?} is not supported for compute")),
    }))
    .map_err(|_| format!("could not open {} through {:?}", info.name, info.backend))??;
    let info = DeviceInfo {
        kernels: Some(compiler::of_wgpu(&device, setup.backend)),
        ..nlbench::device::from_wgpu(&setup.adapter.get_info(), setup.device.features())
    };
    Ok(Selected {
        info,
        opened: Box::new(OnWgpu(device, Box::new(setup))),
        reason,
    })
}
