//! Device timestamps around device work: a row's second figure, beside the headline the host
//! clock takes. Where a cubecl device writes timestamps (wgpu with `timestamp-query`, CUDA),
//! the device's own work is timed between two timestamps through cubecl's profile API.
//!
//! The profiled span only sees kernels launched from inside it. Natively, burn's fusion
//! backend runs its operations on a thread of its own, which would launch them after the span
//! has closed (and measure nothing), so native device-timed runs use burn's unfused cube
//! backend ([`Unfused`]). In the browser everything runs on one thread: there
//! [`FusedDeviceTimer`] drains the fusion queue inside the span and times the fused backend.
//! Results record which.

use burn::cubecl::{Runtime, client::ComputeClient, profile::TimingMethod, server::ProfileError};
use futures::future::LocalBoxFuture;

use crate::error::RunError;

/// burn's cube backend on runtime `R` without the fusion layer, the backend device-timed
/// runs use natively (`Bool` is the runtime's boolean element: `u32` on wgpu, `u8` on CUDA).
pub type Unfused<R, Bool> = burn_cubecl::CubeBackend<R, f32, i32, Bool>;
/// The same backend with burn's fusion layer, as `burn::backend::Wgpu` is for wgpu.
pub type Fused<R, Bool> = burn_fusion::Fusion<Unfused<R, Bool>>;

/// Times device work with the device's own timestamps.
pub trait DeviceTimer {
    /// Runs `work`, which launches device work, between two device timestamps; the future
    /// resolves to the device time between them in milliseconds, once the device is done.
    fn time(
        &self,
        work: &mut (dyn FnMut() + Send),
    ) -> Result<LocalBoxFuture<'static, Result<f64, RunError>>, RunError>;
    /// What measured, as written in the report.
    fn name(&self) -> &str;
    /// The smallest step the timestamps can show, in milliseconds.
    fn resolution_ms(&self) -> f64;
    /// Waits for the device and drops the launch errors it has kept so far. Autotuning tries
    /// candidate kernels that the device may refuse (too many resources, say); the refusal
    /// stays queued and would otherwise fail the next profiled span, which never ran them.
    fn clear_errors(&self) -> LocalBoxFuture<'static, ()>;
}

/// Timestamps of a cubecl runtime's device (wgpu or CUDA).
pub struct CubeDeviceTimer<R: Runtime> {
    device: R::Device,
    name: String,
    resolution_ms: f64,
}

impl<R: Runtime> CubeDeviceTimer<R> {
    /// `None` where the device writes no timestamps: cubecl would then time with the host
    /// clock, which the protocol already does, and in the browser it cannot block to do so.
    pub fn new(device: R::Device, name: impl Into<String>, resolution_ms: f64) -> Option<Self> {
        let method = ComputeClient::<R>::load(&device).properties().timing_method;
        (method == TimingMethod::Device).then(|| Self {
            device,
            name: name.into(),
            resolution_ms,
        })
    }
}

impl<R: Runtime> DeviceTimer for CubeDeviceTimer<R> {
    fn time(
        &self,
        work: &mut (dyn FnMut() + Send),
    ) -> Result<LocalBoxFuture<'static, Result<f64, RunError>>, RunError> {
        let ((), duration) = ComputeClient::<R>::load(&self.device)
            .profile(work, "nlbench")
            .map_err(|err| profile_failure(&err))?;
        Ok(Box::pin(async move {
            Ok(duration.resolve().await.duration().as_secs_f64() * 1000.0)
        }))
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn resolution_ms(&self) -> f64 {
        self.resolution_ms
    }

    fn clear_errors(&self) -> LocalBoxFuture<'static, ()> {
        let sync = ComputeClient::<R>::load(&self.device).sync();
        Box::pin(async move {
            let _ = sync.await;
        })
    }
}

/// What went wrong, in one line: the cause where cubecl gives one, not its generic heading.
fn profile_failure(err: &ProfileError) -> RunError {
    match err {
        ProfileError::Unknown { reason, .. } => RunError::backend(reason.clone()),
        ProfileError::Launch(cause) => RunError::backend(cause.to_string()),
        ProfileError::Server(cause) => RunError::backend(cause.to_string()),
        ProfileError::NotRegistered { .. } => {
            RunError::backend("the profiled span was not registered")
        }
    }
}

/// Device timestamps around burn's fused backend, for the browser, where the fusion layer
/// executes its queued operations on the calling thread when drained.
pub struct FusedDeviceTimer<R: burn_cubecl::CubeRuntime> {
    timer: CubeDeviceTimer<R>,
}

impl<R: burn_cubecl::CubeRuntime> FusedDeviceTimer<R> {
    /// `None` where the device writes no timestamps, and off wasm32, where the fusion layer
    /// runs on a thread of its own and the span would close before its kernels launch.
    pub fn new(device: R::CubeDevice, name: impl Into<String>, resolution_ms: f64) -> Option<Self> {
        if !cfg!(target_arch = "wasm32") {
            return None;
        }
        CubeDeviceTimer::new(device, name, resolution_ms).map(|timer| Self { timer })
    }
}

impl<R: burn_cubecl::CubeRuntime> DeviceTimer for FusedDeviceTimer<R> {
    fn time(
        &self,
        work: &mut (dyn FnMut() + Send),
    ) -> Result<LocalBoxFuture<'static, Result<f64, RunError>>, RunError> {
        use burn_cubecl::fusion::FusionCubeRuntime;
        use burn_fusion::client::GlobalFusionClient;

        let fusion = GlobalFusionClient::<FusionCubeRuntime<R>>::load(&self.timer.device);
        self.timer.time(&mut || {
            work();
            // Runs the queued operations now, inside the span, without waiting for them.
            fusion.sync(|| ());
        })
    }

    fn name(&self) -> &str {
        self.timer.name()
    }

    fn resolution_ms(&self) -> f64 {
        self.timer.resolution_ms()
    }

    fn clear_errors(&self) -> LocalBoxFuture<'static, ()> {
        self.timer.clear_errors()
    }
}
