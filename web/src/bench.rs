//! Runs a plan in the browser: burn's WebGPU backend (wgpu over the browser's WebGPU) or the
//! CPU backend compiled to wasm, through the library's session on the page's event loop. The
//! page's platform gives `performance.now()`, the browser's identity, live events and the
//! Stop button.

use std::cell::{Cell, RefCell};

use burn::backend::wgpu::{
    RuntimeOptions, WgpuDevice, WgpuSetup, graphics, init_device, init_setup_async,
};
use nlbench::{
    backends, compiler,
    device::DeviceInfo,
    error::RunError,
    measure::Clock,
    plan::Plan,
    schema::{MachineInfo, ResultSet, ToolInfo},
    session::{self, Event, Identity, Piece, Platform, Progress, checkpoint::Checkpoint},
};

use crate::{
    browser, device_loss,
    gpu::{GpuInfo, Power},
};

/// Where the run goes: the browser's WebGPU adapter, or burn's CPU backend in wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    WebGpu,
    Cpu,
}

/// What the form asks the runner for.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    pub target: Target,
    pub plan: Plan,
}

thread_local! {
    /// burn's WebGPU devices, created once per page and power preference: a wgpu device
    /// cannot be set up twice.
    static WEBGPU: RefCell<Vec<(Power, WebGpu)>> = const { RefCell::new(Vec::new()) };
}

/// How many lost devices one run replaces before it stops with what finished.
const REPLACEMENTS: usize = 3;

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
    let mut info = nlbench::device::from_wgpu(&setup.adapter.get_info(), setup.adapter.features());
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
    info.kernels = Some(compiler::of_wgpu(&device, setup.backend));
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
fn wasm_memory_left() -> Option<session::Room> {
    const WASM32_BYTES: u64 = 4 << 30;
    const PAGE_BYTES: u64 = 64 << 10;
    let used = core::arch::wasm32::memory_size(0) as u64 * PAGE_BYTES;
    Some(session::Room {
        bytes: WASM32_BYTES.saturating_sub(used),
        what: "wasm32's 4 GB memory".into(),
    })
}

/// The page's platform for one run. It keeps what finished as a checkpoint of its own, so a
/// run whose device was lost goes on from there on a new one.
struct PagePlatform<'a> {
    clock: browser::PerformanceClock,
    on_progress: &'a dyn Fn(&Progress),
    on_result: &'a dyn Fn(&ResultSet),
    stop: &'a Cell<bool>,
    kept: RefCell<Option<Checkpoint>>,
    /// The piece announced last, and its label.
    running: RefCell<Option<(Piece, String)>>,
    /// What the run met that it could not plan for (a lost device).
    notes: RefCell<Vec<String>>,
    /// The pieces' times of earlier runs on this device, kept for the next.
    costs: browser::StorageMemo,
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
            notes: self.notes.borrow().clone(),
        }
    }

    fn event(&self, event: Event<'_>) {
        match event {
            Event::Progress(p) => {
                *self.running.borrow_mut() = Some((p.piece.clone(), p.label.clone()));
                (self.on_progress)(p)
            }
            Event::Finished { line, so_far } => {
                let mut kept = self.kept.borrow_mut();
                match (Checkpoint::begun_by(line), kept.as_mut()) {
                    (Some(begun), _) => *kept = Some(begun),
                    (None, Some(checkpoint)) => checkpoint.lines.push(line.clone()),
                    (None, None) => {}
                }
                drop(kept);
                (self.on_result)(so_far)
            }
        }
    }

    fn stop_requested(&self) -> Option<String> {
        if let Some(reason) = device_loss::reason() {
            return Some(device_loss::stop_reason(&reason));
        }
        self.stop
            .get()
            .then(|| "stopped with the dashboard's Stop button".into())
    }

    fn costs(&self) -> Option<&dyn nlbench::memo::Memo> {
        Some(&self.costs)
    }
}

/// Runs `plan` on `target`, telling the page about progress and every finished row, and
/// returns the result; an error where the device cannot run the plan. A WebGPU device the
/// browser loses is replaced (up to [`REPLACEMENTS`] times) and the run goes on.
pub async fn run(
    target: Target,
    gpu: Option<&GpuInfo>,
    plan: Plan,
    stop: &Cell<bool>,
    on_progress: &dyn Fn(&Progress),
    on_result: &dyn Fn(&ResultSet),
) -> Result<ResultSet, RunError> {
    let platform = PagePlatform {
        clock: browser::PerformanceClock::new(),
        on_progress,
        on_result,
        stop,
        kept: RefCell::new(None),
        running: RefCell::new(None),
        notes: RefCell::new(Vec::new()),
        costs: browser::StorageMemo::costs(&match (target, gpu) {
            (Target::WebGpu, Some(gpu)) => adapter(gpu),
            _ => format!("CPU (wasm) {}", browser::user_agent()),
        }),
    };
    let started = platform.clock.now_ms();
    let gpu = match (target, gpu) {
        (Target::WebGpu, Some(gpu)) => gpu,
        (Target::WebGpu, None) => {
            return Err(RunError::invalid(
                "WebGPU was chosen but the browser gave no adapter",
            ));
        }
        (Target::Cpu, _) => {
            let device = backends::cpu(
                DeviceInfo::cpu(
                    "Flex (CPU, wasm)",
                    "browser CPU (wasm)".into(),
                    "not exposed by the browser".into(),
                ),
                &plan,
                Box::new(wasm_memory_left),
            )?;
            return Ok(session::run(&plan, &device, &platform, None).await);
        }
    };
    let mut webgpu = webgpu_device(gpu).await;
    let mut resume = None;
    let mut replaced = 0;
    loop {
        device_loss::watch(&webgpu.setup.device);
        let device = backends::webgpu(
            webgpu.device.clone(),
            &webgpu.setup,
            webgpu.info.clone(),
            &plan,
            Some(Box::new(browser::StorageMemo::searches(&adapter(gpu)))),
        )?;
        let mut results = session::run(&plan, &device, &platform, resume.take()).await;
        results.run_seconds = (platform.clock.now_ms() - started) / 1000.0;
        // A run the device's loss ended goes on unless Stop was pressed or too many were lost
        // (its result then says why it is partial).
        let Some(reason) = device_loss::reason() else {
            return Ok(results);
        };
        if replaced == REPLACEMENTS || stop.get() {
            return Ok(results);
        }
        let Some(mut checkpoint) = platform.kept.borrow_mut().take() else {
            return Ok(results);
        };
        let Ok(next) = replacement(gpu, &webgpu.info).await else {
            return Ok(results);
        };
        let note = device_loss::record(&mut checkpoint, platform.running.take(), &reason);
        platform.notes.borrow_mut().push(note);
        *platform.kept.borrow_mut() = Some(checkpoint.clone());
        resume = Some(checkpoint);
        webgpu = next;
        replaced += 1;
    }
}

/// What names an adapter for what the page keeps of it (the reference's tile shapes, the
/// pieces' times); the browser names no driver: its version stands in for one.
fn adapter(gpu: &GpuInfo) -> String {
    format!(
        "{} {} {} {} {}",
        gpu.vendor,
        gpu.architecture,
        gpu.device,
        gpu.description,
        browser::user_agent()
    )
}

/// A new WebGPU device on the adapter the browser gives now, for a run whose device was lost;
/// it replaces the page's device for this power preference. `Err` where the browser gives
/// none.
async fn replacement(gpu: &GpuInfo, info: &DeviceInfo) -> Result<WebGpu, String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::BROWSER_WEBGPU,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: match gpu.power {
                Power::LowPower => wgpu::PowerPreference::LowPower,
                Power::HighPerformance => wgpu::PowerPreference::HighPerformance,
            },
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    // What burn's own WebGPU set-up asks for: every feature and the adapter's limits.
    let (device, queue) = adapter
        .request_device(&wgpu::DeviceDescriptor {
            required_features: adapter
                .features()
                .difference(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS),
            required_limits: adapter.limits(),
            memory_hints: wgpu::MemoryHints::MemoryUsage,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let setup = WgpuSetup {
        instance,
        adapter,
        device,
        queue,
        backend: wgpu::Backend::BrowserWebGpu,
    };
    let webgpu = WebGpu {
        device: init_device(setup.clone(), RuntimeOptions::default()),
        setup,
        info: info.clone(),
    };
    WEBGPU.with(|cell| {
        let mut devices = cell.borrow_mut();
        devices.retain(|(power, _)| *power != gpu.power);
        devices.push((gpu.power, webgpu.clone()));
    });
    Ok(webgpu)
}
