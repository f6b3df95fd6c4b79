//! Runs a plan in the browser: burn's WebGPU backend (wgpu over the browser's WebGPU) or the
//! CPU backend compiled to wasm, through the library's session on the page's event loop. The
//! page's platform gives `performance.now()`, the browser's identity, live events and the
//! Stop button.

use std::cell::{Cell, RefCell};

use burn::backend::wgpu::{RuntimeOptions, WgpuDevice, WgpuSetup, graphics, init_setup_async};
use nlbench::{
    backends,
    device::DeviceInfo,
    error::RunError,
    measure::Clock,
    plan::Plan,
    schema::{MachineInfo, ResultSet, ToolInfo},
    session::{self, Event, Identity, Platform, Progress},
};

use crate::{
    browser,
    gpu::{GpuInfo, Power},
};

/// Where the run goes: the browser's WebGPU adapter, or burn's CPU backend in wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    WebGpu,
    Cpu,
}

thread_local! {
    /// burn's WebGPU devices, created once per page and power preference: a wgpu device
    /// cannot be set up twice.
    static WEBGPU: RefCell<Vec<(Power, WebGpu)>> = const { RefCell::new(Vec::new()) };
}

/// burn's WebGPU device, the wgpu device and queue under it (for the ceilings), and what
/// the page knows of it.
#[derive(Clone)]
struct WebGpu {
    device: WgpuDevice,
    setup: WgpuSetup,
    info: DeviceInfo,
}

async fn webgpu_device(gpu: &GpuInfo) -> WebGpu {
    let found = WEBGPU.with(|cell| {
        cell.borrow()
            .iter()
            .find(|(power, _)| *power == gpu.power)
            .map(|(_, ready)| ready.clone())
    });
    if let Some(ready) = found {
        return ready;
    }
    // In the browser cubecl asks for a low-power adapter for an "integrated" device and a
    // high-performance one otherwise.
    let device = match gpu.power {
        Power::LowPower => WgpuDevice::IntegratedGpu(0),
        Power::HighPerformance => WgpuDevice::DiscreteGpu(0),
    };
    let setup = init_setup_async::<graphics::WebGpu>(&device, RuntimeOptions::default()).await;
    let mut info = DeviceInfo::from_wgpu(&setup.adapter.get_info(), setup.adapter.features());
    // The browser hides PCI ids; what it does say comes from GPUAdapterInfo.
    info.name = gpu.name();
    if !gpu.vendor.is_empty() {
        info.vendor = gpu.vendor.clone();
    }
    info.driver = gpu.architecture.clone();
    info.driver_info = gpu.device.clone();
    info.software = info.software
        || gpu.fallback
        || ["swiftshader", "llvmpipe", "lavapipe"].iter().any(|s| {
            gpu.name().to_lowercase().contains(s) || gpu.vendor.to_lowercase().contains(s)
        });
    info.features = gpu.features.clone();
    let ready = WebGpu {
        device,
        setup,
        info,
    };
    WEBGPU.with(|cell| cell.borrow_mut().push((gpu.power, ready.clone())));
    ready
}

/// Bytes the wasm module can still grow into: a wasm32 memory addresses 4 GiB at most, and
/// an allocation past it aborts the module (the page would lose the run). The browser may
/// allow less; it does not say how much.
fn wasm_memory_left() -> Option<u64> {
    const WASM32_BYTES: u64 = 4 << 30;
    const PAGE_BYTES: u64 = 64 << 10;
    let used = core::arch::wasm32::memory_size(0) as u64 * PAGE_BYTES;
    Some(WASM32_BYTES.saturating_sub(used))
}

/// The page's platform for one run.
struct PagePlatform<'a> {
    clock: browser::PerformanceClock,
    on_progress: &'a dyn Fn(&Progress),
    on_result: &'a dyn Fn(&ResultSet),
    stop: &'a Cell<bool>,
}

impl Platform for PagePlatform<'_> {
    fn clock(&self) -> &dyn Clock {
        &self.clock
    }

    fn identity(&self) -> Identity {
        let window = web_sys::window();
        Identity {
            tool: ToolInfo {
                front_end: "nlbench-web".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                burn_version: nlbench::BURN_VERSION.into(),
                git_commit: None,
            },
            machine: MachineInfo {
                os: window
                    .as_ref()
                    .and_then(|w| w.navigator().platform().ok())
                    .unwrap_or_default(),
                cpu: "not exposed by the browser".into(),
                cpu_cores: window
                    .map(|w| w.navigator().hardware_concurrency() as usize)
                    .filter(|&n| n > 0),
                browser: Some(browser::user_agent()),
            },
            created: String::from(js_sys::Date::new_0().to_iso_string()),
            notes: Vec::new(),
        }
    }

    fn event(&self, event: Event<'_>) {
        match event {
            Event::Progress(p) => (self.on_progress)(p),
            Event::Finished { so_far, .. } => (self.on_result)(so_far),
        }
    }

    fn stop_requested(&self) -> Option<String> {
        self.stop
            .get()
            .then(|| "stopped with the dashboard's Stop button".into())
    }
}

/// Runs `plan` on `target`, telling the page about progress and every finished row, and
/// returns the result; an error where the device cannot run the plan.
pub async fn run(
    target: Target,
    gpu: Option<&GpuInfo>,
    plan: Plan,
    stop: &Cell<bool>,
    on_progress: &dyn Fn(&Progress),
    on_result: &dyn Fn(&ResultSet),
) -> Result<ResultSet, RunError> {
    let device = match (target, gpu) {
        (Target::WebGpu, Some(gpu)) => {
            let WebGpu {
                device,
                setup,
                info,
            } = webgpu_device(gpu).await;
            // The browser names no driver: its version stands in for one.
            let searches = browser::StorageMemo::new(&format!(
                "{} {} {} {} {}",
                gpu.vendor,
                gpu.architecture,
                gpu.device,
                gpu.description,
                browser::user_agent()
            ));
            backends::webgpu(device, &setup, info, &plan, Some(Box::new(searches)))?
        }
        (Target::WebGpu, None) => {
            return Err(RunError::invalid(
                "WebGPU was chosen but the browser gave no adapter",
            ));
        }
        (Target::Cpu, _) => backends::cpu(
            DeviceInfo::cpu(
                "Flex (CPU, wasm)",
                "browser CPU (wasm)".into(),
                "not exposed by the browser".into(),
            ),
            &plan,
            Box::new(wasm_memory_left),
            "wasm32 memory",
        )?,
    };
    let platform = PagePlatform {
        clock: browser::PerformanceClock::new(),
        on_progress,
        on_result,
        stop,
    };
    Ok(session::run(&plan, &device, &platform, None).await)
}
