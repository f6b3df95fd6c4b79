//! What a front end hands the session about the device it opened: the paths that run the
//! forward pass, the memory suite, the ceilings and how much memory a configuration may use.
//! The library builds these for its backends in [`crate::backends`]; tests build fakes.

use futures::future::LocalBoxFuture;

use crate::{
    analysis::{memory::Footprint, row::RowSettings},
    config::BenchConfig,
    device::DeviceInfo,
    error::RunError,
    measure::Clock,
    precision::Precision,
    schema::{
        BurnProbes, Ceilings, ClockKind, DeviceClock, InferenceMeasurement, InferenceRecord,
        MemoryMeasurement, PathId, PathInfo, TimingInfo, TrainingMeasurement,
    },
    workload::{Figures, ModelConfig, Phase, Workload, WorkloadKind},
};

/// One configuration of the inference suite.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub workload: Workload,
    pub phase: Phase,
    pub precision: Precision,
    pub batch_size: usize,
}

impl Step {
    /// How this step's samples become a row in a run of `config`, timed by a clock of
    /// `resolution_ms`.
    pub fn row_settings(&self, config: &BenchConfig, resolution_ms: f64) -> RowSettings {
        RowSettings {
            batch_size: self.batch_size,
            flops_per_sample: self.figures().flops_per_sample,
            target_ci: config.target_ci,
            resolution_ms: Some(resolution_ms),
        }
    }

    /// `medium FP32 batch 16`, `decoder:gpt2 decode FP16 batch 1`, `decoder:gpt2 tg128 FP16
    /// batch 1`: the row's label, as its record's.
    pub fn label(&self) -> String {
        let phase = match (self.phase, self.workload.test_name(self.phase)) {
            (_, Some(test)) => format!(" {test}"),
            (Phase::Forward, None) => String::new(),
            (phase, None) => format!(" {phase}"),
        };
        format!(
            "{}{phase} {} batch {}",
            self.workload.label(),
            self.precision,
            self.batch_size
        )
    }

    pub fn figures(&self) -> Figures {
        self.workload.figures(self.phase)
    }

    /// FLOPs of one timed run over the batch: what orders the steps, cheapest first.
    pub fn flops(&self) -> u64 {
        self.figures()
            .flops_per_sample
            .saturating_mul(self.batch_size as u64)
    }

    /// The MLP this step runs, or `Err` (unsupported) naming `path`, which runs the MLP alone.
    pub fn mlp(&self, path: &str) -> Result<&ModelConfig, RunError> {
        match &self.workload {
            Workload::Mlp(model) => Ok(model),
            other => Err(RunError::unsupported(format!(
                "{path} runs the mlp workload only, not {}",
                other.kind()
            ))),
        }
    }

    /// Whether `record` is this configuration's (on any path).
    pub fn matches(&self, record: &InferenceRecord) -> bool {
        self.workload.is(record.workload, &record.model)
            && record.phase == self.phase
            && record.precision == self.precision
            && record.batch_size == self.batch_size
    }
}

/// What a step's measurement may ask of the session.
pub struct StepContext<'a> {
    /// The run's host clock, for warm-up and sampling time (and for host-timed paths).
    pub clock: &'a dyn Clock,
    pub config: &'a BenchConfig,
    /// False while autotuning has results pending; nothing is timed until it is true.
    pub tuned: &'a dyn Fn() -> bool,
}

/// One implementation of the forward pass on the device (burn fused, burn unfused, the WGSL
/// reference), timed by one clock.
pub trait InferencePath {
    fn id(&self) -> PathId;
    /// Whether burn's fusion layer is on.
    fn fusion(&self) -> bool;
    /// How this path times its runs given the run's host clock (its resolution included).
    fn timing(&self, clock: &dyn Clock) -> TimingInfo;
    /// `Err` (of kind unsupported) where this path cannot run `precision` here.
    fn supports(&self, precision: Precision) -> Result<(), RunError>;
    /// Whether this path implements `workload` at all: one that does not (the WGSL
    /// reference is the MLP's) has no rows of it, rather than a row each saying so.
    fn runs(&self, workload: WorkloadKind) -> bool {
        let _ = workload;
        true
    }
    /// Prepares, warms up and times one configuration.
    fn measure<'a>(
        &'a self,
        step: &'a Step,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<InferenceMeasurement, RunError>>;
    /// burn's own matmul and add on this path's backend; `None` for a path that is not burn.
    fn probes<'a>(&'a self, cx: &'a StepContext<'a>) -> Option<LocalBoxFuture<'a, BurnProbes>>;
}

/// The memory suite on one backend (burn's fused one: what users run).
pub trait MemorySuite {
    /// How the per-layer profile is timed, given the run's host clock.
    fn timing(&self, clock: &dyn Clock) -> TimingInfo;
    fn measure<'a>(
        &'a self,
        workload: &'a Workload,
        batch_size: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<MemoryMeasurement, RunError>>;
}

/// The training suite on one backend (burn's fused one, on its autodiff backend): one Adam
/// step of a workload, timed by the protocol. Adam alone: the optimizer most training runs
/// use, and each optimizer is the workloads' backward compiled once more.
pub trait TrainingSuite {
    fn measure<'a>(
        &'a self,
        workload: &'a Workload,
        batch_size: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<TrainingMeasurement, RunError>>;
}

/// The device's ceilings, or why they cannot be measured.
pub trait CeilingsSource {
    fn measure<'a>(&'a self, clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceilings>;
}

/// Ceilings that cannot be measured on this device, with the reason.
pub struct NoCeilings(pub String);

impl CeilingsSource for NoCeilings {
    fn measure<'a>(&'a self, _clock: &'a dyn Clock) -> LocalBoxFuture<'a, Ceilings> {
        Box::pin(async move { Ceilings::unavailable(&self.0) })
    }
}

/// Bytes a configuration may still use, and the limit that leaves no more.
#[derive(Debug, Clone, PartialEq)]
pub struct Room {
    pub bytes: u64,
    /// The limit, for the message: "host memory", "the process's address-space limit
    /// (RLIMIT_AS)", "the cgroup's memory limit".
    pub what: String,
}

/// What the device can give one configuration, read when the configuration is about to run.
pub struct Capacity {
    /// Bytes free for this run now under the tightest limit the front end knows of (on the
    /// CPU backend the host's available memory, the cgroup's limit, the process's resource
    /// limits; the device's free memory where it reports it); `None` where nothing says.
    pub available: Box<dyn Fn() -> Option<Room>>,
    /// The largest single buffer the device allows (allocation and storage binding).
    pub max_buffer: Option<u64>,
}

impl Capacity {
    /// A device that says nothing about its memory: every configuration is tried, and an
    /// allocation failure is recorded as out of memory.
    pub fn unknown() -> Self {
        Self {
            available: Box::new(|| None),
            max_buffer: None,
        }
    }

    /// `Err` with the figures where `footprint` cannot fit.
    pub fn check(&self, footprint: Footprint) -> Result<(), String> {
        if let Some(max) = self.max_buffer
            && footprint.largest_buffer > max
        {
            return Err(format!(
                "its largest buffer needs {}, the device allows {} per buffer",
                gb(footprint.largest_buffer),
                gb(max)
            ));
        }
        if let Some(room) = (self.available)()
            && footprint.total > room.bytes
        {
            return Err(format!(
                "needs {}, {} available under {}",
                gb(footprint.total),
                gb(room.bytes),
                room.what
            ));
        }
        Ok(())
    }
}

/// Bytes in decimal gigabytes with one decimal (or megabytes below one GB).
fn gb(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// One path of a device: the implementation timed on the host clock for the headline, and
/// how its rows get their second figure, device time.
pub struct Path {
    pub headline: Box<dyn InferencePath>,
    pub device_time: DeviceTwin,
}

/// Where a path's device-time figure comes from.
pub enum DeviceTwin {
    /// The same implementation timed by device timestamps, in runs of its own (natively on
    /// burn's backend without fusion, whose kernels launch inside the timed span).
    Timed(Box<dyn InferencePath>),
    /// The device cannot time it, for this reason.
    Unavailable(String),
    /// The run asked for the headline alone (`--clock host`).
    NotAsked,
}

impl Path {
    /// A path with no device-time figure, for `reason` (`None`: not asked for).
    pub fn host_only(headline: Box<dyn InferencePath>, reason: Option<String>) -> Self {
        Self {
            headline,
            device_time: reason.map_or(DeviceTwin::NotAsked, DeviceTwin::Unavailable),
        }
    }

    pub fn id(&self) -> PathId {
        self.headline.id()
    }

    /// What `results.json` records of this path.
    pub fn info(&self, clock: &dyn Clock) -> PathInfo {
        PathInfo {
            id: self.id(),
            fusion: self.headline.fusion(),
            timing: self.headline.timing(clock),
            clock: ClockKind::Host,
            device_time: match &self.device_time {
                DeviceTwin::Timed(twin) => Some(DeviceClock::Timed {
                    timing: twin.timing(clock),
                    fusion: twin.fusion(),
                }),
                DeviceTwin::Unavailable(reason) => Some(DeviceClock::Unavailable {
                    reason: reason.clone(),
                }),
                DeviceTwin::NotAsked => None,
            },
        }
    }
}

/// A device ready for a session.
pub struct Device {
    pub info: DeviceInfo,
    /// The paths to measure, the headline first.
    pub paths: Vec<Path>,
    /// The memory suite, on the headline burn backend; `None` where burn does not run.
    pub memory: Option<Box<dyn MemorySuite>>,
    /// The training suite, on the same backend; `None` where burn does not run.
    pub training: Option<Box<dyn TrainingSuite>>,
    pub ceilings: Box<dyn CeilingsSource>,
    pub capacity: Capacity,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_names_the_figures() {
        let capacity = Capacity {
            available: Box::new(|| {
                Some(Room {
                    bytes: 7_600_000_000,
                    what: "host memory".into(),
                })
            }),
            max_buffer: Some(2 << 30),
        };
        let fits = Footprint {
            total: 1 << 30,
            largest_buffer: 1 << 20,
        };
        assert!(capacity.check(fits).is_ok());
        let big = Footprint {
            total: 16_400_000_000,
            largest_buffer: 1 << 20,
        };
        assert_eq!(
            capacity.check(big).unwrap_err(),
            "needs 16.4 GB, 7.6 GB available under host memory"
        );
        let wide = Footprint {
            total: 1 << 30,
            largest_buffer: 4 << 30,
        };
        assert!(capacity.check(wide).unwrap_err().contains("per buffer"));
        assert!(Capacity::unknown().check(big).is_ok());
    }
}
