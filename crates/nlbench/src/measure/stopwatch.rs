//! Timing device work honestly, one way per clock for everything nlbench times (burn's
//! paths, the WGSL reference, the ceilings, the probes): on the host clock from launch until
//! one element of the output is back on the host; by device timestamps around the work's
//! kernels; and, where kernels can fail without the backend hearing of it, only work that
//! ran.

use futures::future::LocalBoxFuture;

use super::{Clock, DeviceTimer, scoped};
use crate::{
    error::{ErrorKind, RunError},
    schema::{ClockKind, TimingInfo},
};

/// Where the host clock stops, written into results timed on it.
pub const HOST_COMPLETION: &str = "each timed iteration starts before the work is launched \
    and ends when one element of the output has been read back to the host, which waits for \
    all device work queued before it";
/// What device timestamps span, written into results timed with them.
pub const DEVICE_COMPLETION: &str = "each timed iteration is the device time between a \
    timestamp written before the work's first kernel and one written after its last (gaps \
    between kernels are included; launching, and the read-back after, are not)";

/// The clock a routine times its work with, and the device whose errors void a sample.
#[derive(Clone, Copy)]
pub struct Stopwatch<'a> {
    hand: Hand<'a>,
    watched: Option<&'a wgpu::Device>,
}

/// What reads the time.
#[derive(Clone, Copy)]
enum Hand<'a> {
    Host(&'a dyn Clock),
    Device(&'a dyn DeviceTimer),
}

impl<'a> Stopwatch<'a> {
    /// The device's timestamps where there is a timer, otherwise the host clock.
    pub fn new(clock: &'a dyn Clock, timer: Option<&'a dyn DeviceTimer>) -> Self {
        let hand = match timer {
            Some(timer) => Hand::Device(timer),
            None => Hand::Host(clock),
        };
        Self {
            hand,
            watched: None,
        }
    }

    /// Each timed span also inside an error scope of `device`: a kernel launch the device
    /// refuses fails the sample. In the browser cubecl checks a kernel's compilation only in
    /// the background and launches it regardless; WebGPU then drops every command buffer
    /// that uses it, and the timestamps, if any, would time nothing.
    pub fn watching(self, device: Option<&'a wgpu::Device>) -> Self {
        Self {
            watched: device,
            ..self
        }
    }

    /// How results timed with this stopwatch were timed, for `results.json` and the reports.
    pub fn timing_info(&self) -> TimingInfo {
        let (clock, completion) = match self.hand {
            Hand::Device(timer) => (timer.name(), DEVICE_COMPLETION),
            Hand::Host(clock) => (clock.name(), HOST_COMPLETION),
        };
        TimingInfo {
            clock: clock.to_owned(),
            completion: completion.to_owned(),
            resolution_ms: Some(self.resolution_ms()).filter(|r| *r > 0.0),
        }
    }

    /// Which kind of clock this is.
    pub fn kind(&self) -> ClockKind {
        match self.hand {
            Hand::Device(_) => ClockKind::Device,
            Hand::Host(_) => ClockKind::Host,
        }
    }

    pub fn resolution_ms(&self) -> f64 {
        match self.hand {
            Hand::Device(timer) => timer.resolution_ms(),
            Hand::Host(clock) => clock.resolution_ms(),
        }
    }

    /// Milliseconds of `repeats` calls of `launch` (each queues device work), device work
    /// included: between timestamps, or on the host clock until `sync` (which waits for the
    /// device, typically by reading an element of the last output back) has resolved. `sync`
    /// runs in both cases, so a failed kernel fails the sample either way.
    pub async fn time<'s>(
        &self,
        repeats: u32,
        launch: &mut (dyn FnMut() + Send),
        sync: &mut dyn FnMut() -> LocalBoxFuture<'s, Result<(), RunError>>,
    ) -> Result<f64, RunError> {
        let span = self.span(repeats, launch, sync);
        let Some(device) = self.watched else {
            return span.await;
        };
        scoped(device, span).await.map_err(|err| match err.kind {
            ErrorKind::KernelRejected => RunError::new(
                err.kind,
                format!(
                    "the device refused a kernel of the timed work, so it did not run: {}",
                    err.message
                ),
            ),
            _ => err,
        })
    }

    async fn span<'s>(
        &self,
        repeats: u32,
        launch: &mut (dyn FnMut() + Send),
        sync: &mut dyn FnMut() -> LocalBoxFuture<'s, Result<(), RunError>>,
    ) -> Result<f64, RunError> {
        match self.hand {
            Hand::Device(timer) => {
                let elapsed = timer.time(&mut || {
                    for _ in 0..repeats {
                        launch();
                    }
                })?;
                sync().await?;
                elapsed.await
            }
            Hand::Host(clock) => {
                let start = clock.now_ms();
                for _ in 0..repeats {
                    launch();
                }
                sync().await?;
                Ok(clock.now_ms() - start)
            }
        }
    }

    /// Drops the kernel refusals autotuning left behind, before the first timed span.
    pub async fn clear_errors(&self) {
        if let Hand::Device(timer) = self.hand {
            timer.clear_errors().await;
        }
    }
}
