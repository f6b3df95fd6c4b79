//! The devices this build can run on: listing them (`devices`), choosing one (`--device`,
//! `--backend`, or in `auto` mode the best one with the reason in words), and opening it for
//! a session.

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::backend::wgpu::{RuntimeOptions, WgpuDevice, WgpuSetup, graphics, init_setup};
use nlbench::{
    backends,
    device::{DeviceInfo, DeviceType},
    error::RunError,
    memo::Memo,
    plan::Plan,
    session::Device,
};

use crate::{cli::BackendChoice, cuda_driver, limits, system};

/// A device ready for burn.
pub enum Selection {
    /// burn's wgpu device, and the wgpu device and queue under it, on which the ceiling
    /// microbenchmarks and the WGSL reference run.
    Wgpu(WgpuDevice, Box<WgpuSetup>),
    #[cfg(feature = "cuda")]
    Cuda(burn::backend::cuda::CudaDevice),
    Cpu,
}

pub struct Selected {
    pub selection: Selection,
    pub info: DeviceInfo,
    /// Why this device, for the terminal (auto mode lists what it skipped).
    pub reason: String,
}

impl Selected {
    /// The device with the paths, memory suite and ceilings `plan` asks for; the reference
    /// keeps its tile shapes in `searches`.
    pub fn open(&self, plan: &Plan, searches: Option<Box<dyn Memo>>) -> Result<Device, RunError> {
        let info = self.info.clone();
        match &self.selection {
            Selection::Wgpu(device, setup) => {
                backends::wgpu(device.clone(), setup, info, plan, searches)
            }
            #[cfg(feature = "cuda")]
            Selection::Cuda(device) => {
                let ordinal = device.index;
                let free = move || {
                    cuda_driver::free_memory(ordinal).map(|bytes| nlbench::session::Room {
                        bytes,
                        what: "the GPU's free memory (cuMemGetInfo)".into(),
                    })
                };
                backends::cuda(device.clone(), info, plan, Box::new(free))
            }
            Selection::Cpu => backends::cpu(info, plan, Box::new(limits::host_room)),
        }
    }
}

/// One device of the list `devices` prints, which `--device` and `--all-devices` choose from.
pub struct Listed {
    pub info: DeviceInfo,
    /// Whether it writes device timestamps.
    pub timestamps: bool,
    source: Source,
}

enum Source {
    Wgpu(wgpu::Adapter),
    Cuda(cuda_driver::CudaDriver),
    Cpu,
}

impl Listed {
    /// The kind of device in a word: discrete, integrated, virtual, software or CPU.
    pub fn kind(&self) -> &'static str {
        match (self.info.device_type, self.info.software) {
            _ if self.info.is_cpu() => "CPU",
            (_, true) | (DeviceType::Cpu, _) => "software",
            (DeviceType::DiscreteGpu, _) => "discrete",
            (DeviceType::IntegratedGpu, _) => "integrated",
            (DeviceType::VirtualGpu, _) => "virtual",
            (DeviceType::Other, _) => "other",
        }
    }

    /// Opens the device for burn.
    pub fn open(&self) -> Result<Selected, String> {
        match &self.source {
            Source::Wgpu(adapter) => {
                let (device, setup, info) = open_wgpu(adapter)?;
                Ok(Selected {
                    selection: Selection::Wgpu(device, setup),
                    info,
                    reason: "chosen with --device".into(),
                })
            }
            Source::Cuda(driver) => cuda_device(driver.clone(), "chosen with --device"),
            Source::Cpu => Ok(cpu("chosen with --device".into())),
        }
    }
}

/// Every device this build can use: CUDA devices (with the CUDA backend compiled in and a
/// driver present), wgpu adapters over Vulkan, Metal and DX12 (hardware first), the CPU last.
pub fn list() -> Vec<Listed> {
    let mut list = Vec::new();
    if cfg!(feature = "cuda")
        && let Ok(devices) = cuda_driver::probe()
    {
        for driver in devices {
            list.push(Listed {
                info: cuda_info(&driver),
                timestamps: true,
                source: Source::Cuda(driver),
            });
        }
    }
    let mut adapters = adapters(primary_backends());
    adapters.sort_by_key(|a| preference(a.get_info().device_type));
    for adapter in adapters {
        let features = adapter.features();
        list.push(Listed {
            info: DeviceInfo::from_wgpu(&adapter.get_info(), features),
            timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
            source: Source::Wgpu(adapter),
        });
    }
    list.push(Listed {
        info: cpu_info(),
        timestamps: false,
        source: Source::Cpu,
    });
    list
}

/// The device `wanted` names: its index in [`list`], or a piece of its name or label that
/// only one device has.
pub fn find<'a>(list: &'a [Listed], wanted: &str) -> Result<&'a Listed, String> {
    let names = || {
        list.iter()
            .enumerate()
            .map(|(i, l)| format!("{i} {}", l.info.label()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Ok(index) = wanted.trim().parse::<usize>() {
        return list
            .get(index)
            .ok_or_else(|| format!("there is no device {index}; devices: {}", names()));
    }
    let needle = wanted.trim().to_lowercase();
    let matches: Vec<&Listed> = list
        .iter()
        .filter(|l| !needle.is_empty() && l.info.label().to_lowercase().contains(&needle))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no device matches '{wanted}'; devices: {}",
            names()
        )),
        several => Err(format!(
            "'{wanted}' matches {} devices ({}); name one by its index",
            several.len(),
            several
                .iter()
                .map(|l| l.info.label())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

pub fn select(choice: BackendChoice) -> Result<Selected, String> {
    match choice {
        BackendChoice::Auto => Ok(auto()),
        BackendChoice::Cuda => cuda(),
        BackendChoice::Cpu => Ok(cpu("asked for with --backend cpu".into())),
        BackendChoice::Wgpu => wgpu_on(primary_backends(), "wgpu"),
        BackendChoice::Vulkan => wgpu_on(wgpu::Backends::VULKAN, "Vulkan"),
        BackendChoice::Metal if !cfg!(target_os = "macos") => {
            Err("Metal is only available on macOS and iOS".into())
        }
        BackendChoice::Metal => wgpu_on(wgpu::Backends::METAL, "Metal"),
        BackendChoice::Dx12 if !cfg!(windows) => Err("DX12 is only available on Windows".into()),
        BackendChoice::Dx12 => wgpu_on(wgpu::Backends::DX12, "DX12"),
    }
}

/// CUDA, then a hardware GPU through wgpu, then the CPU. A software adapter (lavapipe,
/// SwiftShader, WARP) is never picked here: it runs on the CPU, rates no GPU, and is slower
/// than burn's own CPU backend; `--backend vulkan`, `--device` or `--include-software` ask for
/// it. The reason names what was passed over.
fn auto() -> Selected {
    let mut skipped = Vec::new();
    match cuda() {
        Ok(selected) => return selected,
        Err(reason) => skipped.push(format!("CUDA: {reason}")),
    }
    let adapters = adapters(primary_backends());
    let hardware = adapters
        .iter()
        .filter(|a| a.get_info().device_type != wgpu::DeviceType::Cpu)
        .min_by_key(|a| preference(a.get_info().device_type));
    match hardware {
        Some(adapter) => match open_wgpu(adapter) {
            Ok((device, setup, info)) => {
                skipped.push("hardware GPU".into());
                return Selected {
                    selection: Selection::Wgpu(device, setup),
                    info,
                    reason: skipped.join("; "),
                };
            }
            Err(reason) => skipped.push(format!("wgpu: {reason}")),
        },
        None => skipped.push("wgpu: no hardware GPU adapter".into()),
    }
    if let Some(software) = adapters
        .iter()
        .find(|a| a.get_info().device_type == wgpu::DeviceType::Cpu)
    {
        skipped.push(format!(
            "{} is a software adapter that runs on this CPU and rates no GPU (--backend vulkan \
             runs it)",
            software.get_info().name
        ));
    }
    skipped.push("the CPU backend".into());
    cpu(skipped.join("; "))
}

fn cuda_info(driver: &cuda_driver::CudaDriver) -> DeviceInfo {
    let (major, minor) = driver.compute_capability;
    DeviceInfo {
        backend: "cuda".into(),
        api: "CUDA".into(),
        name: driver.device_name.clone(),
        vendor_id: Some(0x10de),
        vendor: "NVIDIA".into(),
        device_id: None,
        device_type: DeviceType::DiscreteGpu,
        driver: driver.driver_label(),
        driver_info: format!("compute capability {major}.{minor}"),
        software: false,
        features: vec!["timestamp-query".into()],
    }
}

/// The first CUDA device, where the backend is compiled in and a driver is present.
fn cuda() -> Result<Selected, String> {
    let driver = cuda_driver::probe().map_err(|reason| {
        if cfg!(feature = "cuda") {
            reason
        } else {
            "the CUDA backend is not compiled in (rebuild with `--features cuda`)".into()
        }
    })?;
    let first = driver
        .into_iter()
        .next()
        .ok_or("the NVIDIA driver reports no CUDA device")?;
    cuda_device(first, "NVIDIA driver found")
}

#[cfg(feature = "cuda")]
fn cuda_device(driver: cuda_driver::CudaDriver, reason: &str) -> Result<Selected, String> {
    Ok(Selected {
        selection: Selection::Cuda(burn::backend::cuda::CudaDevice::new(
            driver.ordinal as usize,
        )),
        info: cuda_info(&driver),
        reason: reason.into(),
    })
}

#[cfg(not(feature = "cuda"))]
fn cuda_device(driver: cuda_driver::CudaDriver, _reason: &str) -> Result<Selected, String> {
    Err(format!(
        "the CUDA backend is not compiled in (rebuild with `--features cuda`), though this \
         machine has {driver}"
    ))
}

fn cpu_info() -> DeviceInfo {
    let system = system::machine();
    DeviceInfo::cpu("Flex (CPU)", system.cpu, system::cpu_vendor())
}

fn cpu(reason: String) -> Selected {
    Selected {
        selection: Selection::Cpu,
        info: cpu_info(),
        reason,
    }
}

/// The APIs wgpu runs compute on natively (OpenGL lacks what burn needs).
fn primary_backends() -> wgpu::Backends {
    wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12
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

/// The preferred adapter of one API family (`--backend wgpu|vulkan|metal|dx12`).
fn wgpu_on(backends: wgpu::Backends, name: &str) -> Result<Selected, String> {
    let adapters = adapters(backends);
    let adapter = adapters
        .iter()
        .min_by_key(|a| preference(a.get_info().device_type))
        .ok_or_else(|| {
            format!(
                "no {name} device found: install a GPU driver (on Linux without a GPU, \
                 `apt-get install mesa-vulkan-drivers` provides a software Vulkan device)"
            )
        })?;
    let (device, setup, info) = open_wgpu(adapter)?;
    Ok(Selected {
        selection: Selection::Wgpu(device, setup),
        reason: format!("asked for {name}"),
        info,
    })
}

/// Initialises burn's wgpu runtime on `adapter`, naming it the way cubecl selects adapters:
/// by type and index among the adapters of that type.
fn open_wgpu(adapter: &wgpu::Adapter) -> Result<(WgpuDevice, Box<WgpuSetup>, DeviceInfo), String> {
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
    let info = DeviceInfo::from_wgpu(&setup.adapter.get_info(), setup.device.features());
    Ok((device, Box::new(setup), info))
}
