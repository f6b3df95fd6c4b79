//! The inference rows on burn: prepare the model and input, then hand the forward pass to the
//! measurement protocol, reading the allocator after each timed pass while its output lives.

use burn::tensor::backend::Backend;
use futures::future::LocalBoxFuture;

use super::{Burn, probes, settle, time_tensor};
use crate::{
    analysis::row::{Measured, build_measurement},
    error::{ErrorKind, RunError},
    measure::{
        self, Clock, Environment, MemorySnapshot, Routine, Stopwatch, protocol::inference_policy,
    },
    precision::Precision,
    readback::read_one,
    schema::{
        AllocatorMemory, AnalyticalMemory, BurnProbes, ClockKind, InferenceMeasurement,
        KernelChoice, MemoryFigures, PathId, TimingInfo,
    },
    session::{InferencePath, Step, StepContext},
    workload::{Generation, OnBackend, Runnable, Workload},
};

impl<B: Backend> InferencePath for Burn<B> {
    fn id(&self) -> PathId {
        self.id
    }

    fn fusion(&self) -> bool {
        self.fusion
    }

    fn timing(&self, clock: &dyn Clock) -> TimingInfo {
        self.stopwatch(clock).timing_info()
    }

    fn supports(&self, precision: Precision) -> Result<(), RunError> {
        if B::supports_dtype(&self.device, crate::precision::dtype(precision)) {
            Ok(())
        } else {
            Err(RunError::unsupported(match self.compiler {
                Some(compiler) => format!(
                    "{precision} unsupported on this device: {}",
                    compiler.lacks(precision)
                ),
                None => format!("{precision} unsupported on this device"),
            }))
        }
    }

    fn measure<'a>(
        &'a self,
        step: &'a Step,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<InferenceMeasurement, RunError>> {
        Box::pin(measure_step(self, step, cx))
    }

    fn probes<'a>(&'a self, cx: &'a StepContext<'a>) -> Option<LocalBoxFuture<'a, BurnProbes>> {
        Some(Box::pin(probes::run(self, cx)))
    }
}

async fn measure_step<B: Backend>(
    burn: &Burn<B>,
    step: &Step,
    cx: &StepContext<'_>,
) -> Result<InferenceMeasurement, RunError> {
    settle::<B>(&burn.device).await?;
    let baseline = burn.memory.snapshot();
    let (baseline, unavailable) = match baseline {
        Ok(baseline) => (Some(baseline), None),
        Err(reason) => (None, Some(reason)),
    };
    let tuned_before = crate::kernels::mark();
    let built = step.workload.build::<B>(
        step.phase,
        step.batch_size,
        cx.config.seed,
        step.precision,
        &burn.device,
    );
    let stopwatch = burn.stopwatch(cx.clock);
    // Refused before the check runs: a device-timed twin of a generation would check it
    // only to time nothing.
    if built.generation().is_some() && stopwatch.kind() == ClockKind::Device {
        return Err(RunError::unsupported(
            "a generation is timed on the host clock alone: each step ends with its token read \
             on the host",
        ));
    }
    let accuracy = checked(
        built.as_ref(),
        step.precision,
        &burn.device,
        burn.watched.as_ref(),
        cx,
    )
    .await?;
    let mut routine = Forward {
        built: built.as_ref(),
        stopwatch,
        clock: cx.clock,
        memory: burn.memory.as_ref(),
        peak: None,
        failed_reading: None,
        steps_ms: Vec::new(),
    };
    let env = Environment {
        clock: cx.clock,
        tuned: cx.tuned,
    };
    let samples = measure::measure(&mut routine, &inference_policy(cx.config), &env).await?;
    let allocator = baseline
        .zip(routine.peak)
        .filter(|_| routine.failed_reading.is_none())
        .map(|(baseline, peak)| AllocatorMemory {
            baseline_in_use: baseline.in_use,
            peak_in_use: peak.in_use,
            peak_reserved: peak.reserved,
        });
    let memory = MemoryFigures {
        allocator_unavailable: allocator.is_none().then(|| {
            unavailable
                .or(routine.failed_reading)
                .unwrap_or_else(|| "no allocator reading after a timed pass".into())
        }),
        allocator,
        analytical: AnalyticalMemory::of_workload(
            &step.workload,
            step.phase,
            step.precision,
            step.batch_size,
        ),
    };
    let mut kernels = match &step.workload {
        Workload::Mlp(model) => crate::kernels::chosen_for(
            &model.widths(),
            step.batch_size,
            step.precision,
            burn.fusion,
        ),
        _ => crate::kernels::for_row(
            &format!("{} fusion {}", step.label(), burn.fusion),
            tuned_before,
        ),
    };
    if let Some(kernel) = burn.untuned.filter(|_| kernels.is_empty()) {
        kernels.push(KernelChoice {
            operation: "every matmul".into(),
            kernel: kernel.into(),
            tuning: None,
        });
    }
    build_measurement(
        Measured {
            samples,
            steps_ms: routine.steps_ms,
            memory,
            kernels,
            accuracy,
        },
        step.row_settings(cx.config, stopwatch.resolution_ms()),
        stopwatch.kind(),
    )
}

/// The step's check, once autotuning has settled: in the browser cubecl tunes in the
/// background and meanwhile runs candidates that may fail to compile there (a kernel using
/// f16 where the device has none), so a check taken while tuning is pending would hold that
/// candidate's output against the truth. Natively tuning finishes before the first output.
/// On a `watched` device a kernel the device refuses during the check fails the row as a
/// refused kernel, not as a wrong result of work that never ran.
async fn checked<B: Backend>(
    built: &dyn Runnable<B>,
    precision: crate::precision::Precision,
    device: &B::Device,
    watched: Option<&wgpu::Device>,
    cx: &StepContext<'_>,
) -> Result<Option<crate::schema::Accuracy>, RunError> {
    let start = cx.clock.now_ms();
    loop {
        let check = built.check(precision, device);
        let result = match watched {
            None => check.await,
            Some(gpu) => measure::scoped(gpu, check)
                .await
                .map_err(|err| match err.kind {
                    ErrorKind::KernelRejected => RunError::new(
                        err.kind,
                        format!(
                            "the device refused a kernel of the row's check, so it did not run: {}",
                            err.message
                        ),
                    ),
                    _ => err,
                }),
        };
        if (cx.tuned)() || cx.clock.now_ms() - start > measure::TUNING_LIMIT_MS {
            return result;
        }
    }
}

/// One timed run of a step as the protocol's routine.
struct Forward<'a, B: Backend> {
    built: &'a dyn Runnable<B>,
    stopwatch: Stopwatch<'a>,
    /// The host's clock, which times a generation's steps.
    clock: &'a dyn Clock,
    memory: &'a dyn crate::measure::MemoryProbe,
    /// The allocator's highest reading right after a timed pass, its output alive.
    peak: Option<MemorySnapshot>,
    /// Why a reading after a pass failed, where one did: the peak is then unknown.
    failed_reading: Option<String>,
    /// A generation's steps, each from its start to its token on the host, over every timed
    /// run.
    steps_ms: Vec<f64>,
}

impl<B: Backend> Forward<'_, B> {
    /// One timed generation: each step's own time kept, the run's time returned (from the
    /// first step's start to the last token on the host).
    async fn generate(&mut self, generation: &dyn Generation) -> Result<f64, RunError> {
        let clock = self.clock;
        let start = clock.now_ms();
        let mut last = start;
        let steps = &mut self.steps_ms;
        generation
            .generate(&mut || {
                let now = clock.now_ms();
                steps.push(now - last);
                last = now;
            })
            .await?;
        Ok(last - start)
    }
}

impl<B: Backend> Routine for Forward<'_, B> {
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
        Box::pin(async move { read_one(self.built.run()).await })
    }

    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
        Box::pin(async move {
            let built = self.built;
            if let Some(generation) = built.generation() {
                let ms = self.generate(generation).await?;
                self.read_memory();
                return Ok(ms);
            }
            let (ms, output) = time_tensor(&self.stopwatch, repeats, &|| self.built.run()).await?;
            self.read_memory();
            drop(output);
            Ok(ms)
        })
    }

    fn after_untimed(&mut self) -> LocalBoxFuture<'_, ()> {
        Box::pin(self.stopwatch.clear_errors())
    }
}

impl<B: Backend> Forward<'_, B> {
    /// The allocator's reading after a timed run, kept where it is the highest.
    fn read_memory(&mut self) {
        match self.memory.snapshot() {
            Ok(reading) => self.peak = max_snapshot(self.peak, Some(reading)),
            // Only the first failure is kept; a backend without a report fails every time.
            Err(reason) => {
                self.failed_reading.get_or_insert(reason);
            }
        }
    }
}

fn max_snapshot(
    current: Option<MemorySnapshot>,
    new: Option<MemorySnapshot>,
) -> Option<MemorySnapshot> {
    match (current, new) {
        (Some(a), Some(b)) => Some(MemorySnapshot {
            in_use: a.in_use.max(b.in_use),
            reserved: a.reserved.max(b.reserved),
        }),
        (a, b) => a.or(b),
    }
}
