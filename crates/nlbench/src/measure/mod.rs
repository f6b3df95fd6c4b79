//! The one measurement protocol every figure goes through: the inference rows, the per-layer
//! profile, burn's probes and the device ceilings. A [`Routine`] says how to run its work
//! untimed and timed (burn-bench's prepare / execute / sync, with the clock or the device's
//! timestamps inside the routine, as criterion's `Measurement` is); a [`Policy`] says how long
//! to warm up, how long one sample lasts and when to stop; [`measure`] does the rest.
//!
//! Warm-up runs untimed until the routine is ready (at least a few runs, autotuning finished,
//! at least the warm-up time passed, the last runs agreeing), so compilation and tuning stay
//! out of the samples. Sampling then stops by count, by the width of the median's confidence
//! interval, or by a time cap.

mod clock;
mod memory;
pub mod protocol;
mod scoped;
mod stopwatch;
mod timer;

pub use clock::Clock;
pub use memory::{CubeMemoryProbe, MemoryProbe, MemorySnapshot, NoMemoryProbe};
pub(crate) use scoped::scoped;
pub use stopwatch::Stopwatch;
pub use timer::{CubeDeviceTimer, DeviceTimer, Fused, FusedDeviceTimer, Unfused};

use futures::future::LocalBoxFuture;

use crate::{error::RunError, stats::median_interval};
pub use nlbench_results::stats::{Samples, StopReason};

/// Something the protocol can time.
pub trait Routine {
    /// Runs the work once outside any timing and waits for the device to finish it.
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>>;
    /// Runs the work `repeats` times in a row and returns the milliseconds they took, by the
    /// routine's own clock, device work included.
    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>>;
    /// Called once after the untimed runs: device timers drop the kernel refusals that
    /// autotuning left queued, which would otherwise fail the first timed span.
    fn after_untimed(&mut self) -> LocalBoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// How a measurement warms up, how long each sample lasts, and when sampling stops.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Untimed runs before anything is timed (compilation, autotuning, caches).
    pub untimed_runs: usize,
    /// Timed warm-up lasts at least this long, in milliseconds (0: no timed warm-up)…
    pub warmup_ms: f64,
    /// …and until the last [`STABLE_WINDOW`] warm-up runs vary by less than this coefficient
    /// of variation, or [`WARMUP_LIMIT_FACTOR`] times the warm-up time has passed.
    pub stable_cv: Option<f64>,
    pub repeats: Repeats,
    pub stop: Stop,
}

/// How many times one sample runs the work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Repeats {
    Fixed(u32),
    /// Doubling (or more) until one sample lasts `ms` or holds `max` repetitions: for
    /// microbenchmarks whose single run is shorter than the clock can resolve.
    GrowTo {
        ms: f64,
        max: u32,
    },
}

/// When sampling stops.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// Samples always taken.
    pub min_samples: usize,
    /// Samples never exceeded.
    pub max_samples: usize,
    /// Past `min_samples`, stop once the 95 % confidence interval of the median lies within
    /// ± this share of the median (criterion and hyperfine stop on such a width).
    pub target_ci: Option<f64>,
    /// Past `min_samples`, stop once sampling has lasted this long, in milliseconds.
    pub cap_ms: Option<f64>,
    /// Samples sought before the interval target may end sampling (p99's interval needs 299,
    /// `--tail`); unlike `min_samples`, the time cap still ends sampling first.
    pub wanted: usize,
}

impl Stop {
    /// Exactly `n` samples.
    pub fn count(n: usize) -> Self {
        Self {
            min_samples: n,
            max_samples: n,
            target_ci: None,
            cap_ms: None,
            wanted: n,
        }
    }
}

/// Warm-up runs whose agreement ends the warm-up.
pub const STABLE_WINDOW: usize = 5;
/// Warm-up gives up waiting for agreement after this many times the warm-up time.
pub const WARMUP_LIMIT_FACTOR: f64 = 5.0;
/// Longest wait for autotuning to finish before a configuration fails instead of timing
/// kernels that tuning may still replace, in milliseconds.
pub const TUNING_LIMIT_MS: f64 = 600_000.0;

/// What the protocol asks of its surroundings besides the routine.
pub struct Environment<'a> {
    /// Measures warm-up and sampling time (not the samples: the routine times those).
    pub clock: &'a dyn Clock,
    /// False while autotuning still has results pending (in the browser cubecl tunes in the
    /// background and runs untuned kernels meanwhile); timing waits until it is true.
    pub tuned: &'a dyn Fn() -> bool,
}

/// Warms `routine` up and takes its samples by `policy`.
pub async fn measure(
    routine: &mut dyn Routine,
    policy: &Policy,
    env: &Environment<'_>,
) -> Result<Samples, RunError> {
    let start = env.clock.now_ms();
    for _ in 0..policy.untimed_runs {
        routine.run_untimed().await?;
    }
    let mut warmup_runs = policy.untimed_runs;
    // Tuning started by the untimed runs finishes on the event loop in the browser; every
    // untimed run yields to it while it waits for the device.
    while !(env.tuned)() {
        if env.clock.now_ms() - start > TUNING_LIMIT_MS {
            return Err(RunError::backend(format!(
                "autotuning had not finished after {} s; nothing was timed",
                TUNING_LIMIT_MS / 1000.0
            )));
        }
        routine.run_untimed().await?;
        warmup_runs += 1;
    }
    routine.after_untimed().await;

    let repeats = match policy.repeats {
        Repeats::GrowTo { ms, max } => {
            let (repeats, runs) = grow(routine, ms, max).await?;
            warmup_runs += runs;
            repeats
        }
        Repeats::Fixed(n) => n.max(1),
    };
    warmup_runs += warm_up(routine, policy, env, repeats).await?;

    let mut ms = Vec::with_capacity(policy.stop.min_samples);
    let sampling = env.clock.now_ms();
    let stopped = loop {
        ms.push(routine.run_timed(repeats).await?);
        if ms.len() < policy.stop.min_samples {
            continue;
        }
        if ms.len() >= policy.stop.max_samples {
            break if policy.stop.target_ci.is_some() || policy.stop.cap_ms.is_some() {
                StopReason::MaxSamples
            } else {
                StopReason::Count
            };
        }
        let short = ms.len() < policy.stop.wanted;
        // The interval is recomputed every few samples (every sixteenth of those so far), so
        // long sampling stays linear in the samples taken, and as the count sought is reached.
        let check = ms.len() % (ms.len() / 16).max(1) == 0 || ms.len() == policy.stop.wanted;
        // Only a true 95 % interval (six samples or more) may end sampling as converged: a
        // smaller count's interval is the whole range, of lower coverage.
        if let Some(target) = policy.stop.target_ci
            && !short
            && check
            && median_interval(&ms)
                .is_some_and(|ci| ci.interval.is_confident() && ci.half_width_share() <= target)
        {
            break StopReason::Converged;
        }
        match policy.stop.cap_ms {
            Some(cap) if env.clock.now_ms() - sampling >= cap => break StopReason::TimeCap,
            Some(_) => {}
            None if policy.stop.target_ci.is_none() && !short => break StopReason::Count,
            None => {}
        }
    };
    Ok(Samples {
        warmup_runs,
        repeats,
        ms,
        stopped,
    })
}

/// Timed warm-up: runs until `policy.warmup_ms` has passed and the last runs agree (or the
/// limit has passed). Returns the runs made.
async fn warm_up(
    routine: &mut dyn Routine,
    policy: &Policy,
    env: &Environment<'_>,
    repeats: u32,
) -> Result<usize, RunError> {
    if policy.warmup_ms <= 0.0 {
        return Ok(0);
    }
    let start = env.clock.now_ms();
    let mut times = Vec::new();
    loop {
        times.push(routine.run_timed(repeats).await?);
        let elapsed = env.clock.now_ms() - start;
        if elapsed < policy.warmup_ms {
            continue;
        }
        let window = &times[times.len().saturating_sub(STABLE_WINDOW)..];
        let stable = match policy.stable_cv {
            Some(limit) => window.len() >= STABLE_WINDOW.min(3) && cv(window) < limit,
            None => true,
        };
        if stable || elapsed >= policy.warmup_ms * WARMUP_LIMIT_FACTOR {
            return Ok(times.len());
        }
    }
}

/// Doubles (or more) the repetitions per sample until one sample lasts `target_ms`. The
/// short first samples also compile and warm up. Returns the repetitions and the runs made.
async fn grow(
    routine: &mut dyn Routine,
    target_ms: f64,
    max_repeats: u32,
) -> Result<(u32, usize), RunError> {
    let mut repeats = 1u32;
    let mut runs = 0;
    loop {
        let ms = routine.run_timed(repeats).await?;
        runs += 1;
        if ms >= target_ms || repeats >= max_repeats {
            return Ok((repeats, runs));
        }
        let factor = (target_ms / ms.max(target_ms / 64.0)).ceil() as u32;
        repeats = repeats.saturating_mul(factor.clamp(2, 64)).min(max_repeats);
    }
}

fn cv(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if n < 2.0 || mean == 0.0 {
        return 0.0;
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    variance.sqrt() / mean
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// A clock that only moves when a fake routine runs.
    struct FakeClock(Cell<f64>);

    impl Clock for FakeClock {
        fn now_ms(&self) -> f64 {
            self.0.get()
        }
        fn name(&self) -> &str {
            "fake clock"
        }
        fn resolution_ms(&self) -> f64 {
            1e-6
        }
    }

    /// A routine whose runs take the given times on `clock`, the last one repeating.
    struct Scripted<'a> {
        clock: &'a FakeClock,
        times: Vec<f64>,
        next: usize,
        untimed: usize,
    }

    impl<'a> Scripted<'a> {
        /// A routine whose runs take `times` on `clock`, the last one repeating.
        fn new(clock: &'a FakeClock, times: Vec<f64>) -> Self {
            Self {
                clock,
                times,
                next: 0,
                untimed: 0,
            }
        }

        fn step(&mut self) -> f64 {
            let ms = self.times[self.next.min(self.times.len() - 1)];
            self.next += 1;
            self.clock.0.set(self.clock.0.get() + ms);
            ms
        }
    }

    impl Routine for Scripted<'_> {
        fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
            self.untimed += 1;
            self.step();
            Box::pin(async { Ok(()) })
        }
        fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
            let ms: f64 = (0..repeats).map(|_| self.step()).sum();
            Box::pin(async move { Ok(ms) })
        }
    }

    fn policy(stop: Stop) -> Policy {
        Policy {
            untimed_runs: 3,
            warmup_ms: 100.0,
            stable_cv: Some(0.10),
            repeats: Repeats::Fixed(1),
            stop,
        }
    }

    fn run(routine: &mut Scripted<'_>, policy: &Policy, tuned: &dyn Fn() -> bool) -> Samples {
        let clock = routine.clock;
        pollster::block_on(measure(routine, policy, &Environment { clock, tuned })).unwrap()
    }

    #[test]
    fn warm_up_waits_for_stable_runs_after_its_time() {
        let clock = FakeClock(Cell::new(0.0));
        // 3 untimed (compilation), then a slow stretch, then 10 ms runs.
        let mut times = vec![500.0; 3];
        times.extend([50.0, 40.0, 30.0, 20.0, 60.0]);
        times.push(10.0);
        let mut routine = Scripted::new(&clock, times);
        let samples = run(&mut routine, &policy(Stop::count(4)), &|| true);
        assert_eq!(routine.untimed, 3);
        // Warm-up passes 100 ms after 3 timed runs but only settles once five 10 ms runs
        // agree: 5 uneven runs + 5 steady ones.
        assert_eq!(samples.warmup_runs, 3 + 10);
        assert_eq!(samples.ms, vec![10.0; 4]);
        assert_eq!(samples.stopped, StopReason::Count);
    }

    #[test]
    fn pending_tuning_is_never_timed() {
        let clock = FakeClock(Cell::new(0.0));
        let mut routine = Scripted::new(&clock, vec![1000.0]);
        let policy = policy(Stop::count(3));
        let result = pollster::block_on(measure(
            &mut routine,
            &policy,
            &Environment {
                clock: &clock,
                tuned: &|| false,
            },
        ));
        let err = result.unwrap_err();
        assert!(err.message.contains("autotuning had not finished"), "{err}");
        // Tuning pending: untimed runs only, until the limit; not one timed sample.
        assert!(routine.untimed > 3);
        assert_eq!(routine.untimed, routine.next);

        // Tuning that finishes after two more untimed runs: timing starts after them.
        let done = Cell::new(0);
        let clock = FakeClock(Cell::new(0.0));
        let mut routine = Scripted::new(&clock, vec![1.0]);
        let tuned = || {
            done.set(done.get() + 1);
            done.get() > 2
        };
        let samples = run(&mut routine, &policy, &tuned);
        assert_eq!(routine.untimed, 3 + 2);
        assert_eq!(samples.ms.len(), 3);
    }

    #[test]
    fn adaptive_sampling_stops_on_interval_or_cap() {
        let clock = FakeClock(Cell::new(0.0));
        let steady = Stop {
            min_samples: 10,
            max_samples: 10_000,
            target_ci: Some(0.02),
            cap_ms: Some(1_000.0),
            wanted: 0,
        };
        let mut routine = Scripted::new(&clock, vec![5.0]);
        let samples = run(&mut routine, &policy(steady.clone()), &|| true);
        assert_eq!(samples.stopped, StopReason::Converged);
        assert_eq!(samples.ms.len(), 10);

        // Identical samples from one on: still no convergence before a true 95 % interval,
        // which order statistics give from six samples.
        let clock = FakeClock(Cell::new(0.0));
        let mut routine = Scripted::new(&clock, vec![5.0]);
        let one = Stop {
            min_samples: 1,
            ..steady.clone()
        };
        let samples = run(&mut routine, &policy(one), &|| true);
        assert_eq!(samples.stopped, StopReason::Converged);
        assert_eq!(samples.ms.len(), 6);

        // Alternating 1 ms and 9 ms never converges: the cap stops it.
        let clock = FakeClock(Cell::new(0.0));
        let times: Vec<f64> = (0..100_000)
            .map(|i| if i % 2 == 0 { 1.0 } else { 9.0 })
            .collect();
        let mut routine = Scripted::new(&clock, times);
        let mut noisy = policy(steady);
        noisy.stable_cv = None;
        let samples = run(&mut routine, &noisy, &|| true);
        assert_eq!(samples.stopped, StopReason::TimeCap);
        let total: f64 = samples.ms.iter().sum();
        assert!((1_000.0..1_010.0).contains(&total), "{total}");
    }

    #[test]
    fn tail_sampling_seeks_its_count_within_the_cap() {
        // Steady samples would converge at 10; --tail goes on to p99's 299.
        let tail = Stop {
            min_samples: 10,
            max_samples: 10_000,
            target_ci: Some(0.02),
            cap_ms: Some(10_000.0),
            wanted: 299,
        };
        let clock = FakeClock(Cell::new(0.0));
        let mut routine = Scripted::new(&clock, vec![5.0]);
        let samples = run(&mut routine, &policy(tail.clone()), &|| true);
        assert_eq!(samples.stopped, StopReason::Converged);
        assert_eq!(samples.ms.len(), 299);
        // A cap of 500 ms ends 5 ms samples at 100, short of the count.
        let clock = FakeClock(Cell::new(0.0));
        let mut routine = Scripted::new(&clock, vec![5.0]);
        let capped = Stop {
            cap_ms: Some(500.0),
            ..tail.clone()
        };
        let samples = run(&mut routine, &policy(capped), &|| true);
        assert_eq!(samples.stopped, StopReason::TimeCap);
        assert_eq!(samples.ms.len(), 100);
        // Without a target or a cap: exactly the count sought.
        let clock = FakeClock(Cell::new(0.0));
        let mut routine = Scripted::new(&clock, vec![5.0]);
        let counted = Stop {
            target_ci: None,
            cap_ms: None,
            ..tail
        };
        let samples = run(&mut routine, &policy(counted), &|| true);
        assert_eq!(samples.stopped, StopReason::Count);
        assert_eq!(samples.ms.len(), 299);
    }

    #[test]
    fn samples_grow_until_long_enough() {
        let clock = FakeClock(Cell::new(0.0));
        let mut routine = Scripted::new(&clock, vec![0.01]);
        let policy = Policy {
            untimed_runs: 0,
            warmup_ms: 0.0,
            stable_cv: None,
            repeats: Repeats::GrowTo {
                ms: 10.0,
                max: 1 << 14,
            },
            stop: Stop::count(3),
        };
        let samples = run(&mut routine, &policy, &|| true);
        assert!(samples.repeats >= 1000, "{}", samples.repeats);
        assert!(samples.ms.iter().all(|&ms| ms >= 10.0));
        assert!((samples.fastest().unwrap() - 0.01).abs() < 1e-9);
    }
}
