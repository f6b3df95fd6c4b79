//! Runs the library's suites in the browser: burn's WebGPU backend (wgpu over the browser's
//! WebGPU) or the CPU backend compiled to wasm, on the page's event loop.

use std::cell::RefCell;

use burn::{
    backend::{
        Flex, Wgpu,
        flex::FlexDevice,
        wgpu::{RuntimeOptions, WgpuDevice, WgpuRuntime, WgpuSetup, graphics, init_setup_async},
    },
    tensor::backend::Backend,
};
use nlbench::{
    ceilings,
    clock::Clock,
    config::BenchConfig,
    device::DeviceInfo,
    probe::{CubeMemoryProbe, NoMemoryProbe},
    schema::{
        Ceilings, InferenceRecord, MachineInfo, MemoryRecord, ResultSet, SCHEMA_VERSION,
        TimingInfo, ToolInfo,
    },
    suite::{Progress, RunContext, inference, memory, timing_info},
    timer::{DeviceTimer, FusedDeviceTimer},
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
    static WEBGPU: RefCell<Option<WebGpu>> = const { RefCell::new(None) };
}

/// burn's WebGPU device, the wgpu device and queue under it (for the ceiling
/// microbenchmarks), and what the page knows of it.
#[derive(Clone)]
struct WebGpu {
    device: WgpuDevice,
    setup: WgpuSetup,
    info: DeviceInfo,
}

async fn webgpu_device(gpu: &GpuInfo) -> WebGpu {
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
    let ready = WebGpu {
        device,
        setup,
        info,
    };
    WEBGPU.with(|cell| *cell.borrow_mut() = Some(ready.clone()));
    ready
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
    let (device, ceilings, (inference, memory, timing)) = match (target, gpu) {
        (Target::WebGpu, Some(gpu)) => {
            let WebGpu {
                device,
                setup,
                info,
            } = webgpu_device(gpu).await;
            let ceilings = ceilings::measure(&setup.device, &setup.queue, &clock).await;
            let memory = CubeMemoryProbe::<WgpuRuntime>::new(device.clone());
            let timer = FusedDeviceTimer::<WgpuRuntime>::new(
                device.clone(),
                "device timestamps (WebGPU timestamp-query, through cubecl's profile API)",
            );
            let mut ctx = RunContext {
                clock: &clock,
                memory: &memory,
                timer: timer.as_ref().map(|t| t as &dyn DeviceTimer),
                progress,
            };
            let records = suites_on::<Wgpu>(&device, suites, &config, &mut ctx).await;
            (info, ceilings, records)
        }
        _ => {
            let mut ctx = RunContext {
                clock: &clock,
                memory: &NoMemoryProbe("the CPU backend has no allocator report"),
                timer: None,
                progress,
            };
            let ceilings = Ceilings::unavailable(
                "the WGSL microbenchmarks need WebGPU; the CPU backend has none",
            );
            (
                DeviceInfo::cpu(
                    "Flex (CPU, wasm)",
                    "browser CPU (wasm)".into(),
                    "not exposed by the browser".into(),
                ),
                ceilings,
                suites_on::<Flex>(&FlexDevice, suites, &config, &mut ctx).await,
            )
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
        timing,
        ceilings: Some(ceilings),
        burn_probes: None,
        run_seconds: (clock.now_ms() - start) / 1000.0,
        config,
        inference,
        memory,
    }
}

/// The chosen suites on `device`. burn's own probes (`nlbench::suite::probes`) stay on the
/// command line: autotuning their 1024³ matmul took minutes on a software WebGPU device.
async fn suites_on<B: Backend>(
    device: &B::Device,
    suites: Suites,
    config: &BenchConfig,
    ctx: &mut RunContext<'_>,
) -> (Vec<InferenceRecord>, Vec<MemoryRecord>, TimingInfo) {
    let inference = if suites.inference {
        inference::run::<B>(device, config, ctx).await
    } else {
        Vec::new()
    };
    let memory = if suites.memory {
        memory::run::<B>(device, config, ctx).await
    } else {
        Vec::new()
    };
    (inference, memory, timing_info(ctx))
}
