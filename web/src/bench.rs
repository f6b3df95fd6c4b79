//! Runs the library's suites in the browser: burn's WebGPU backend (wgpu over the browser's
//! WebGPU) or the CPU backend compiled to wasm, on the page's event loop.

use std::cell::RefCell;

use burn::{
    backend::{
        Flex, Wgpu,
        flex::FlexDevice,
        wgpu::{RuntimeOptions, WgpuDevice, WgpuRuntime, graphics, init_setup_async},
    },
    tensor::backend::Backend,
};
use nlbench::{
    clock::Clock,
    config::BenchConfig,
    device::{DeviceInfo, DeviceType},
    probe::{CubeMemoryProbe, MemoryProbe, NoMemoryProbe},
    schema::{MachineInfo, ResultSet, SCHEMA_VERSION, TimingInfo, ToolInfo},
    suite::{COMPLETION, Progress, RunContext, inference, memory},
};

use crate::{browser, gpu::GpuInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    WebGpu,
    Cpu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suites {
    pub inference: bool,
    pub memory: bool,
}

thread_local! {
    /// burn's WebGPU device, created once per page: a wgpu device cannot be set up twice.
    static WEBGPU: RefCell<Option<(WgpuDevice, DeviceInfo)>> = const { RefCell::new(None) };
}

async fn webgpu_device(gpu: &GpuInfo) -> (WgpuDevice, DeviceInfo) {
    if let Some(ready) = WEBGPU.with(|cell| cell.borrow().clone()) {
        return ready;
    }
    let device = WgpuDevice::DefaultDevice;
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
    let ready = (device, info);
    WEBGPU.with(|cell| *cell.borrow_mut() = Some(ready.clone()));
    ready
}

fn cpu_info() -> DeviceInfo {
    DeviceInfo {
        backend: "cpu".into(),
        api: "Flex (CPU, wasm)".into(),
        name: "browser CPU (wasm)".into(),
        vendor_id: None,
        vendor: "not exposed by the browser".into(),
        device_id: None,
        device_type: DeviceType::Cpu,
        driver: String::new(),
        driver_info: String::new(),
        software: true,
        features: Vec::new(),
    }
}

/// Runs the chosen suites and assembles the result set.
pub async fn run(
    target: Target,
    gpu: Option<&GpuInfo>,
    suites: Suites,
    config: BenchConfig,
    progress: &mut dyn FnMut(&Progress),
) -> ResultSet {
    let clock = browser::PerformanceClock::new();
    let created = String::from(js_sys::Date::new_0().to_iso_string());
    let start = clock.now_ms();
    let (device, inference, memory) = match (target, gpu) {
        (Target::WebGpu, Some(gpu)) => {
            let (device, info) = webgpu_device(gpu).await;
            let probe = CubeMemoryProbe::<WgpuRuntime>::new(device.clone());
            let (i, m) =
                suites_on::<Wgpu>(&device, suites, &config, &clock, &probe, progress).await;
            (info, i, m)
        }
        _ => {
            let probe = NoMemoryProbe("the CPU backend has no allocator report");
            let (i, m) =
                suites_on::<Flex>(&FlexDevice, suites, &config, &clock, &probe, progress).await;
            (cpu_info(), i, m)
        }
    };
    let window = web_sys::window();
    ResultSet {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            front_end: "nlbench-web".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            burn_version: nlbench::BURN_VERSION.into(),
            git_commit: None,
        },
        created,
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
        device,
        timing: TimingInfo {
            clock: clock.name().to_owned(),
            completion: COMPLETION.to_owned(),
        },
        run_seconds: (clock.now_ms() - start) / 1000.0,
        config,
        inference,
        memory,
    }
}

async fn suites_on<B: Backend>(
    device: &B::Device,
    suites: Suites,
    config: &BenchConfig,
    clock: &dyn Clock,
    memory_probe: &dyn MemoryProbe,
    progress: &mut dyn FnMut(&Progress),
) -> (
    Vec<nlbench::schema::InferenceRecord>,
    Vec<nlbench::schema::MemoryRecord>,
) {
    let mut ctx = RunContext {
        clock,
        memory: memory_probe,
        progress,
    };
    let inference = if suites.inference {
        inference::run::<B>(device, config, &mut ctx).await
    } else {
        Vec::new()
    };
    let memory = if suites.memory {
        memory::run::<B>(device, config, &mut ctx).await
    } else {
        Vec::new()
    };
    (inference, memory)
}
