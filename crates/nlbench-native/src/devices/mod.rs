//! The devices this build can run on: listing them (`devices`), choosing one (`--device`,
//! `--backend`, or in `auto` mode the best one with the reason in words), and opening it for
//! a session. Each backend is one module implementing [`Backend`], registered once in
//! [`BACKENDS`]: `--backend`'s values, the `devices` list and `auto`'s order come from there.

mod cpu;
mod cuda;
mod rocm;
mod vendor;
mod wgpu_api;

use nlbench::{
    device::{DeviceInfo, DeviceType},
    error::RunError,
    memo::Memo,
    plan::Plan,
    session::Device,
};

/// Every backend, in the order `auto` tries them and `devices` lists their devices.
const BACKENDS: [&dyn Backend; 7] = [
    &vendor::Vendor::<cuda::Cuda>::BACKEND,
    &vendor::Vendor::<rocm::Rocm>::BACKEND,
    &wgpu_api::WgpuApi::PRIMARY,
    &wgpu_api::WgpuApi::VULKAN,
    &wgpu_api::WgpuApi::METAL,
    &wgpu_api::WgpuApi::DX12,
    &cpu::Cpu,
];

/// `--backend`'s value that tries every backend in turn.
pub const AUTO: &str = "auto";

/// One way to run burn on a device.
trait Backend: Sync {
    /// Its value of `--backend`.
    fn name(&self) -> &'static str;
    /// Its devices for `devices` and `--device`, best first (none where another backend
    /// lists the same ones).
    fn list(&self) -> Vec<Listed>;
    /// The device `--backend NAME` runs on, or why there is none.
    fn select(&self) -> Result<Selected, String>;
    /// The device `auto` takes, or why it passes this backend over (naming the backend);
    /// `None` where `auto` does not try it.
    fn auto(&self) -> Option<Result<Selected, String>>;
    /// Why a backend this build has compiled in lists no device (a missing driver or
    /// runtime), naming the backend; `None` where nothing is missing.
    fn missing(&self) -> Option<String> {
        None
    }
}

/// A chosen device, opened for burn, that builds a session's [`Device`].
pub trait Opened {
    /// The device with the paths, memory suite and ceilings `plan` asks for; the reference
    /// keeps its tile shapes in `searches`.
    fn open(
        &self,
        info: DeviceInfo,
        plan: &Plan,
        searches: Option<Box<dyn Memo>>,
    ) -> Result<Device, RunError>;
}

/// A device ready for burn, and why it was chosen.
pub struct Selected {
    opened: Box<dyn Opened>,
    pub info: DeviceInfo,
    /// Why this device, for the terminal (auto mode lists what it skipped).
    pub reason: String,
}

impl Selected {
    /// The device with the paths, memory suite and ceilings `plan` asks for; the reference
    /// keeps its tile shapes in `searches`.
    pub fn open(&self, plan: &Plan, searches: Option<Box<dyn Memo>>) -> Result<Device, RunError> {
        self.opened.open(self.info.clone(), plan, searches)
    }
}

/// One device of the list `devices` prints, which `--device` and `--all-devices` choose from.
pub struct Listed {
    pub info: DeviceInfo,
    /// Whether it writes device timestamps.
    pub timestamps: bool,
    open: Opener,
}

/// Opens a listed device for burn, with the reason given for choosing it.
type Opener = Box<dyn Fn(&str) -> Result<Selected, String>>;

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
        (self.open)("chosen with --device")
    }
}

/// `--backend`'s values: `auto`, then every backend's name.
pub fn backend_names() -> Vec<&'static str> {
    std::iter::once(AUTO)
        .chain(BACKENDS.iter().map(|backend| backend.name()))
        .collect()
}

/// Every device this build can use, backend by backend.
pub fn list() -> Vec<Listed> {
    BACKENDS.iter().flat_map(|backend| backend.list()).collect()
}

/// Why a backend compiled into this build lists no device, one line each.
pub fn missing() -> Vec<String> {
    BACKENDS
        .iter()
        .filter_map(|backend| backend.missing())
        .collect()
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

/// The device `--backend NAME` runs on (`clap` has checked the name).
pub fn select(name: &str) -> Result<Selected, String> {
    if name == AUTO {
        return auto();
    }
    BACKENDS
        .iter()
        .find(|backend| backend.name() == name)
        .ok_or_else(|| format!("unknown backend '{name}'"))?
        .select()
}

/// The first backend that takes a device in auto mode: CUDA, then ROCm, then a hardware GPU
/// through wgpu, then the CPU. The reason names what was passed over.
fn auto() -> Result<Selected, String> {
    let mut skipped = Vec::new();
    for backend in BACKENDS {
        match backend.auto() {
            None => {}
            Some(Ok(mut selected)) => {
                skipped.push(selected.reason);
                selected.reason = skipped.join("; ");
                return Ok(selected);
            }
            Some(Err(reason)) => skipped.push(reason),
        }
    }
    Err(skipped.join("; "))
}
