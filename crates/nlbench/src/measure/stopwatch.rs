//! Timing device work honestly: between device timestamps where the device writes them,
//! otherwise on the host clock from launch until a read-back confirmed the work finished.

use futures::future::LocalBoxFuture;

use super::{Clock, DeviceTimer};
use crate::{error::RunError, schema::TimingInfo};

/// Where the host clock stops, written into results timed without device timestamps.
const HOST_COMPLETION: &str = "each timed iteration ends when one element of the output has \
    been read back to the host, which waits for all device work queued before it";
/// What device timestamps span, written into results timed with them.
const DEVICE_COMPLETION: &str = "each timed iteration is the device time between a timestamp \
    written before the pass's first kernel and one written after its last (host overhead such \
    as kernel launches between them is included, work before or after is not)";

/// The clock a routine times its work with.
#[derive(Clone, Copy)]
pub enum Stopwatch<'a> {
    Host(&'a dyn Clock),
    Device(&'a dyn DeviceTimer),
}

impl<'a> Stopwatch<'a> {
    /// The device's timestamps where there is a timer, otherwise the host clock.
    pub fn new(clock: &'a dyn Clock, timer: Option<&'a dyn DeviceTimer>) -> Self {
        match timer {
            Some(timer) => Stopwatch::Device(timer),
            None => Stopwatch::Host(clock),
        }
    }

    /// How results timed with this stopwatch were timed, for `results.json` and the reports.
    pub fn timing_info(&self) -> TimingInfo {
        match self {
            Stopwatch::Device(timer) => TimingInfo {
                clock: timer.name().to_owned(),
                completion: DEVICE_COMPLETION.to_owned(),
            },
            Stopwatch::Host(clock) => TimingInfo {
                clock: clock.name().to_owned(),
                completion: HOST_COMPLETION.to_owned(),
            },
        }
    }

    pub fn resolution_ms(&self) -> f64 {
        match self {
            Stopwatch::Device(timer) => timer.resolution_ms(),
            Stopwatch::Host(clock) => clock.resolution_ms(),
        }
    }

    /// Milliseconds of `repeats` calls of `launch` (each queues device work), device work
    /// included: between timestamps, or on the host clock until `sync` (which waits for the
    /// device, typically by reading an element of the last output back) has resolved. `sync`
    /// runs in both cases, so a failed kernel fails the sample either way.
    pub async fn time(
        &self,
        repeats: u32,
        launch: &mut (dyn FnMut() + Send),
        sync: &mut dyn FnMut() -> LocalBoxFuture<'static, Result<(), RunError>>,
    ) -> Result<f64, RunError> {
        match self {
            Stopwatch::Device(timer) => {
                let elapsed = timer
                    .time(&mut || {
                        for _ in 0..repeats {
                            launch();
                        }
                    })?
                    .await;
                sync().await?;
                Ok(elapsed)
            }
            Stopwatch::Host(clock) => {
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
        if let Stopwatch::Device(timer) = self {
            timer.clear_errors().await;
        }
    }
}
