//! The time a run has left. Where earlier runs on the same device and version measured a
//! piece (the front end keeps each piece's time: a file beside the tuning cache on the command
//! line, the page's storage in the browser), that time is its prior, scaled by how this run's
//! pieces of its kind compare with the same pieces then. The pieces no earlier run measured
//! get a law of their kind: the median time per unit of work of the pieces of that kind
//! already run. An inference step's work is what the timing protocol will make of it:
//! its untimed runs, its warm-up (at least the warm-up time) and at least its planned samples,
//! each run as long as the batch latency its FLOPs predict from the rows of the same workload,
//! phase and precision measured so far. (FLOPs alone mislead: a CNN's convolution on the CPU
//! runs far below an MLP's matmul, and a slow row's planned samples, not the warm-up time,
//! decide its length.) A memory or training step's work is the forward pass's batch latency
//! its workload's FP32 inference rows measured or predict, once any inference row has run:
//! such a step on a small model is mostly fixed costs (kernels compiled for backward,
//! allocator readings), which grow with the batch as a forward pass's latency does, not as
//! its FLOPs (a first memory step's time scaled by FLOPs said twice the time a first
//! dashboard run had left at three quarters). Other pieces' work is their FLOPs. The estimate
//! is rough only where a piece left has neither a prior nor two pieces of its kind run before
//! it.

use std::collections::HashMap;

use crate::{
    memo::Memo,
    schema::PathId,
    stats::{LinearFit, Summary},
};

/// What a piece of a run is, for the estimate: what it does, how much, and what earlier runs
/// kept its time under.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    pub kind: CostKind,
    /// Floating-point operations of one timed run (an inference step's batch, a training
    /// step's forward and backward pass); 0 where a piece's work is not counted in FLOPs.
    pub flops: f64,
    /// The piece and the settings its time depends on, as earlier runs kept it.
    pub key: String,
    /// The rows whose batch latencies predict this piece's: an inference step's workload,
    /// phase and precision; a memory or training step's workload's first phase at FP32, whose
    /// forward latency its time follows (`None` for other pieces).
    pub family: Option<String>,
    /// An inference step of a round after the first: its kernels were compiled and tuned in
    /// the first, so its kind's law comes from the later rounds' pieces once one has run.
    pub later_round: bool,
}

/// What the timing protocol makes of an inference step whose runs take `batch_ms`: untimed
/// runs, a warm-up of at least its time (and three runs), at least the planned samples, and
/// with `--tail` the samples p99's interval needs unless the time cap comes first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    pub untimed_runs: f64,
    pub warmup_ms: f64,
    pub min_samples: f64,
    pub wanted_samples: f64,
    pub cap_ms: Option<f64>,
}

impl Protocol {
    /// The fewest milliseconds the protocol takes over runs of `batch_ms` each.
    fn ms(&self, batch_ms: f64) -> f64 {
        let warmup = if self.warmup_ms > 0.0 {
            self.warmup_ms.max(3.0 * batch_ms)
        } else {
            0.0
        };
        let sought = (self.wanted_samples * batch_ms).min(self.cap_ms.unwrap_or(f64::INFINITY));
        let sampling = (self.min_samples * batch_ms).max(sought);
        self.untimed_runs * batch_ms + sampling + warmup
    }
}

/// Pieces whose time follows one law: an inference step on one path, the ceilings, burn's
/// probes, a memory-suite step; and steps refused before they run (a precision the path
/// lacks, a configuration the device has no room for), which take no time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostKind {
    Instant,
    Inference(PathId),
    Ceilings,
    Probes,
    Memory,
}

/// The time left, whether it is rough, and how much of it the piece about to run is expected
/// to take (which a front end counts down while that piece runs).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeLeft {
    pub ms: f64,
    pub rough: bool,
    #[serde(default)]
    pub running_ms: f64,
}

impl TimeLeft {
    /// The time left `elapsed_ms` into the piece about to run: its expected time counts down,
    /// and stops at what the pieces after it take once it is spent (a piece that overruns
    /// leaves their time standing rather than going below it).
    pub fn after(self, elapsed_ms: f64) -> Self {
        let spent = elapsed_ms.clamp(0.0, self.running_ms);
        Self {
            ms: self.ms - spent,
            running_ms: self.running_ms - spent,
            ..self
        }
    }
}

/// `about 1 min 20 s left`, and `(rough)` where it is.
impl std::fmt::Display for TimeLeft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = (self.ms / 1000.0).round().max(0.0) as u64;
        let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        match (hours, minutes) {
            (0, 0) => write!(f, "about {seconds} s left")?,
            (0, _) => write!(f, "about {minutes} min {seconds} s left")?,
            _ => write!(f, "about {hours} h {minutes} min left")?,
        }
        if self.rough {
            f.write_str(" (rough)")?;
        }
        Ok(())
    }
}

/// The pieces run so far with the milliseconds each took, and what earlier runs took.
#[derive(Debug, Default)]
pub struct Estimate {
    done: Vec<Done>,
    /// Milliseconds by piece key, from earlier runs on this device and version.
    prior: HashMap<String, f64>,
    /// The inference steps' protocol; without it their work is their FLOPs.
    protocol: Option<Protocol>,
}

/// A piece run: its cost, the milliseconds it took and, for a measured inference step, the
/// median batch latency it measured.
#[derive(Debug)]
struct Done {
    cost: Cost,
    ms: f64,
    batch_ms: Option<f64>,
}

impl Estimate {
    /// An estimate that starts from what `memo` kept of earlier runs (a later entry for a key
    /// replaces an earlier one; an entry that is not a time is passed over).
    pub fn with_prior(memo: Option<&dyn Memo>, protocol: Option<Protocol>) -> Self {
        let prior = memo
            .map(|memo| memo.entries())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(key, value)| {
                let ms: f64 = value.parse().ok()?;
                (ms.is_finite() && ms >= 0.0).then_some((key, ms))
            })
            .collect();
        Self {
            done: Vec::new(),
            prior,
            protocol,
        }
    }

    /// A piece that took `ms`; a measured inference step with its median `batch_ms`.
    pub fn record(&mut self, cost: Cost, ms: f64, batch_ms: Option<f64>) {
        if cost.kind != CostKind::Instant {
            self.done.push(Done { cost, ms, batch_ms });
        }
    }

    /// The time `left` will take, its first piece about to run; `None` before any piece has
    /// run, unless earlier runs measured every piece left.
    pub fn left(&self, left: &[Cost]) -> Option<TimeLeft> {
        let known =
            |cost: &Cost| cost.kind == CostKind::Instant || self.prior.contains_key(&cost.key);
        if self.done.is_empty() && !left.iter().all(known) {
            return None;
        }
        let mut total = TimeLeft {
            ms: 0.0,
            rough: false,
            running_ms: 0.0,
        };
        // Each kind's law once (and once more for later rounds), however many of its pieces
        // are left.
        let mut laws: Vec<((CostKind, bool), Law)> = Vec::new();
        for (i, cost) in left.iter().enumerate() {
            let ms = match self.prior.get(&cost.key) {
                _ if cost.kind == CostKind::Instant => 0.0,
                Some(prior) => prior * self.pace(cost),
                None => {
                    let which = (cost.kind, cost.later_round);
                    let law = match laws.iter().find(|(key, _)| *key == which) {
                        Some((_, law)) => law,
                        None => {
                            laws.push((which, self.law(cost.kind, cost.later_round)));
                            &laws[laws.len() - 1].1
                        }
                    };
                    total.rough |= law.pieces < 2;
                    match (law.per_work, self.work(cost, None)) {
                        (Some(per_work), Some(work)) if work > 0.0 => per_work * work,
                        _ => law.mean,
                    }
                }
            };
            if i == 0 {
                total.running_ms = ms;
            }
            total.ms += ms;
        }
        Some(total)
    }

    /// How this run's pieces like `cost` compare with the same pieces in earlier runs: their
    /// time over their priors'. Each kind has its own (kept tunings speed a second run's
    /// inference steps up several times, and its ceilings not at all), and a first round's
    /// steps theirs apart from the later rounds' (an earlier run tuned in its first round, so
    /// only those steps run faster now). A kind none of whose pieces with a prior has run yet
    /// takes burn's first-round inference pace where burn's tuned kernels run it too (burn's
    /// probes, memory and training steps: a first run on lavapipe tunes the probes' matmul for
    /// 12 s, a second takes 1 s), else its prior as it is.
    fn pace(&self, cost: &Cost) -> f64 {
        match self.own_pace(cost.kind, cost.later_round) {
            Some(pace) => pace,
            None if matches!(cost.kind, CostKind::Probes | CostKind::Memory) => self
                .own_pace(CostKind::Inference(PathId::Burn), false)
                .unwrap_or(1.0),
            None => 1.0,
        }
    }

    /// This run's time of `kind`'s pieces (of later rounds, or not) over their priors', where
    /// any has run.
    fn own_pace(&self, kind: CostKind, later_round: bool) -> Option<f64> {
        let (now, then) = self
            .done
            .iter()
            .filter(|done| done.cost.kind == kind && done.cost.later_round == later_round)
            .filter_map(|done| Some((done.ms, *self.prior.get(&done.cost.key)?)))
            .fold((0.0, 0.0), |(now, then), (ms, prior)| {
                (now + ms, then + prior)
            });
        (now > 0.0 && then > 0.0).then(|| now / then)
    }

    /// A piece's work, which its time follows: an inference step's protocol over the batch
    /// latency it measured (`measured`) or that its family predicts; other pieces' FLOPs.
    /// `None` where nothing predicts an inference step's latency yet.
    fn work(&self, cost: &Cost, measured: Option<f64>) -> Option<f64> {
        match (self.protocol, &cost.kind) {
            (Some(protocol), CostKind::Inference(_)) => {
                let batch_ms = measured.or_else(|| self.batch_ms(cost))?;
                Some(protocol.ms(batch_ms))
            }
            (_, CostKind::Memory) if cost.family.is_some() => {
                // Every memory step in one unit: the forward latency once an inference row
                // has measured one, their FLOPs before.
                Some(self.forward_ms(cost).unwrap_or(cost.flops))
            }
            _ => Some(cost.flops),
        }
    }

    /// The forward pass's batch latency behind a memory or training step (whose FLOPs count
    /// forward and backward, three forward passes' worth), from its workload's FP32 rows, or
    /// any inference rows where it has none; `None` before any inference row measured.
    fn forward_ms(&self, cost: &Cost) -> Option<f64> {
        let rows = self.rows_like(cost, |kind| matches!(kind, CostKind::Inference(_)));
        predicted_ms(&rows, cost.flops / 3.0)
    }

    /// The batch latency of an inference step not run yet: a line through the latencies of
    /// its family's rows against their FLOPs, or with one such row in proportion to its
    /// FLOPs; without any, the same from every row of its path.
    fn batch_ms(&self, cost: &Cost) -> Option<f64> {
        predicted_ms(&self.rows_like(cost, |kind| *kind == cost.kind), cost.flops)
    }

    /// (FLOPs, batch latency) of the measured rows of the kinds `of_kind` takes: those of
    /// `cost`'s family, or all of them where its family has none.
    fn rows_like(&self, cost: &Cost, of_kind: impl Fn(&CostKind) -> bool) -> Vec<(f64, f64)> {
        let rows = |same_family: bool| -> Vec<(f64, f64)> {
            self.done
                .iter()
                .filter(|d| of_kind(&d.cost.kind))
                .filter(|d| !same_family || d.cost.family == cost.family)
                .filter_map(|d| Some((d.cost.flops, d.batch_ms?)))
                .collect()
        };
        let family = rows(true);
        if family.is_empty() {
            rows(false)
        } else {
            family
        }
    }

    /// How long pieces of `kind` take per unit of work: the median of its pieces run so far
    /// (robust to the few on which a first run tunes kernels for many seconds, which a
    /// least-squares line follows far off); for a later round's piece, of the later rounds'
    /// pieces once one has run (the first round's compiled and tuned what they run: on a first
    /// lavapipe run its burn steps took 61.8 s, the next two rounds' 3.6 and 3.2 s); a kind not
    /// run yet borrows the mean time of every piece so far.
    fn law(&self, kind: CostKind, later_round: bool) -> Law {
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
        let of_kind: Vec<&Done> = self.done.iter().filter(|d| d.cost.kind == kind).collect();
        let later: Vec<&Done> = of_kind
            .iter()
            .copied()
            .filter(|d| d.cost.later_round)
            .collect();
        let of_kind = if later_round && !later.is_empty() {
            later
        } else {
            of_kind
        };
        if of_kind.is_empty() {
            let all: Vec<f64> = self.done.iter().map(|d| d.ms).collect();
            return Law {
                per_work: None,
                mean: mean(&all),
                pieces: 0,
            };
        }
        // An inference step that measured nothing (it failed, or did not fit) did not run the
        // protocol: its time says nothing of the others'.
        let per_work: Vec<f64> = of_kind
            .iter()
            .filter(|d| {
                self.protocol.is_none()
                    || !matches!(d.cost.kind, CostKind::Inference(_))
                    || d.batch_ms.is_some()
            })
            .filter_map(|d| Some((self.work(&d.cost, d.batch_ms)?, d.ms)))
            .filter(|&(work, _)| work > 0.0)
            .map(|(work, ms)| ms / work)
            .collect();
        Law {
            per_work: Summary::of(&per_work).map(|s| s.median),
            mean: mean(&of_kind.iter().map(|d| d.ms).collect::<Vec<_>>()),
            pieces: of_kind.len(),
        }
    }
}

/// The batch latency at `flops` that rows of (FLOPs, batch latency) predict: a line through
/// them, or the row nearest in FLOPs scaled to `flops` where no rising line fits; `None`
/// without rows.
fn predicted_ms(rows: &[(f64, f64)], flops: f64) -> Option<f64> {
    let (xs, ms): (Vec<f64>, Vec<f64>) = rows.iter().copied().unzip();
    match LinearFit::of(&xs, &ms) {
        Some(fit) if fit.slope >= 0.0 && fit.intercept >= 0.0 => {
            Some(fit.intercept + fit.slope * flops)
        }
        _ => {
            let (near_flops, near_ms) = rows.iter().copied().min_by(|a, b| {
                let distance = |f: f64| (f.max(1.0) / flops.max(1.0)).ln().abs();
                distance(a.0).total_cmp(&distance(b.0))
            })?;
            Some(near_ms * flops.max(1.0) / near_flops.max(1.0))
        }
    }
}

/// How long a piece of one kind takes: `per_work × work` milliseconds, or its kind's mean
/// where its work cannot be told.
struct Law {
    per_work: Option<f64>,
    mean: f64,
    /// How many pieces of the kind the law comes from.
    pieces: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memo::KeptInMemory;

    fn inference(flops: f64) -> Cost {
        Cost {
            kind: CostKind::Inference(PathId::Burn),
            flops,
            key: format!("inference {flops}"),
            family: Some("mlp forward FP32".into()),
            later_round: false,
        }
    }

    #[test]
    fn the_remainder_weighed_by_cost() {
        // Pieces took 100, 300 and 250 ms for 1, 2 and 5 GFLOP: 100, 150 and 50 ms per GFLOP,
        // whose median says the 3- and 4-GFLOP pieces left take 300 + 400 ms.
        let mut estimate = Estimate::default();
        assert_eq!(estimate.left(&[inference(1e9)]), None);
        estimate.record(inference(1e9), 100.0, None);
        estimate.record(inference(2e9), 300.0, None);
        estimate.record(inference(5e9), 250.0, None);
        let left = estimate.left(&[inference(3e9), inference(4e9)]).unwrap();
        assert!((left.ms - 700.0).abs() < 1e-6, "{left:?}");
        assert!((left.running_ms - 300.0).abs() < 1e-6, "{left:?}");
        assert!(!left.rough);
        assert_eq!(left.to_string(), "about 1 s left");
    }

    #[test]
    fn kinds_not_run_twice_are_rough() {
        let mut estimate = Estimate::default();
        estimate.record(inference(1e9), 100.0, None);
        assert!(estimate.left(&[inference(1e9)]).unwrap().rough, "one piece");
        estimate.record(inference(1e9), 300.0, None);
        // One FLOP count: each piece its kind's mean.
        let same = estimate.left(&[inference(1e9)]).unwrap();
        assert_eq!(same.ms, 200.0);
        assert!(!same.rough);
        let memory = Cost {
            kind: CostKind::Memory,
            flops: 3e9,
            key: "memory".into(),
            family: None,
            later_round: false,
        };
        let left = estimate.left(&[memory]).unwrap();
        assert_eq!(left.ms, 200.0, "the mean of every piece so far");
        assert!(left.rough);
        let long = TimeLeft {
            ms: 3_725_000.0,
            rough: true,
            running_ms: 0.0,
        };
        assert_eq!(long.to_string(), "about 1 h 2 min left (rough)");
    }

    /// A memory step follows its workload's forward latency, not its FLOPs: the first took
    /// 600 ms where the batch-1 forward pass took 2 ms, so the batch-16 step, whose forward
    /// pass took 4 ms (16 times the FLOPs), is said to take 1,200 ms, not 9,600.
    #[test]
    fn a_memory_step_follows_the_forward_latency() {
        let mut estimate = Estimate::default();
        let memory = |batch: f64| Cost {
            kind: CostKind::Memory,
            flops: 3.0 * 1e6 * batch,
            key: format!("memory {batch}"),
            family: Some("mlp forward FP32".into()),
            later_round: false,
        };
        estimate.record(inference(1e6), 50.0, Some(2.0));
        estimate.record(inference(16e6), 80.0, Some(4.0));
        estimate.record(memory(1.0), 600.0, None);
        let left = estimate.left(&[memory(16.0)]).unwrap();
        assert!((left.ms - 1200.0).abs() < 1e-6, "{left:?}");
        // Before any inference row, the FLOPs weigh it.
        let mut flops_only = Estimate::default();
        flops_only.record(memory(1.0), 600.0, None);
        let left = flops_only.left(&[memory(16.0)]).unwrap();
        assert!((left.ms - 9600.0).abs() < 1e-6, "{left:?}");
    }

    /// A later round's steps follow the later rounds' pieces once one has run, not the first
    /// round's, which tuned; burn's probes, not run yet, take burn's inference pace.
    #[test]
    fn later_rounds_and_probes_follow_what_was_not_tuning() {
        let mut estimate = Estimate::default();
        let later = |flops: f64| Cost {
            later_round: true,
            key: format!("later {flops}"),
            ..inference(flops)
        };
        // The first round tuned: 10 s per GFLOP; the second's first step 1 s per GFLOP.
        estimate.record(inference(1e9), 10_000.0, None);
        estimate.record(inference(2e9), 20_000.0, None);
        assert!((estimate.left(&[later(2e9)]).unwrap().ms - 20_000.0).abs() < 1e-6);
        estimate.record(later(1e9), 1_000.0, None);
        assert!((estimate.left(&[later(2e9)]).unwrap().ms - 2_000.0).abs() < 1e-6);
        assert!((estimate.left(&[inference(3e9)]).unwrap().ms - 30_000.0).abs() < 1e-6);

        let kept = KeptInMemory::default();
        kept.keep(&inference(1e9).key, "10000");
        kept.keep("probes", "12000");
        let mut second = Estimate::with_prior(Some(&kept), None);
        second.record(inference(1e9), 1_000.0, None);
        let probes = Cost {
            kind: CostKind::Probes,
            flops: 0.0,
            key: "probes".into(),
            family: None,
            later_round: false,
        };
        assert!((second.left(&[probes]).unwrap().ms - 1_200.0).abs() < 1e-6);
        // A later round's step ran after the earlier run's tuning: its prior stands.
        kept.keep(&later(1e9).key, "900");
        let mut third = Estimate::with_prior(Some(&kept), None);
        third.record(inference(1e9), 1_000.0, None);
        assert!((third.left(&[later(1e9)]).unwrap().ms - 900.0).abs() < 1e-6);
    }

    /// With a prior, the time left is the earlier run's time of the pieces left, scaled by
    /// how this run's pieces compare with the same ones then; it is there before any piece
    /// has run, and is not rough.
    #[test]
    fn the_prior_weighs_the_remainder() {
        let kept = KeptInMemory::default();
        for (flops, ms) in [
            (1e9, "100"),
            (2e9, "400"),
            (3e9, "900"),
            (4e9, "not a time"),
        ] {
            kept.keep(&inference(flops).key, ms);
        }
        let mut estimate = Estimate::with_prior(Some(&kept), None);
        let plan = [inference(1e9), inference(2e9), inference(3e9)];
        assert_eq!(
            estimate.left(&plan),
            Some(TimeLeft {
                ms: 1400.0,
                rough: false,
                running_ms: 100.0
            })
        );
        // This run is twice as slow on the first piece: the rest take twice their prior.
        estimate.record(plan[0].clone(), 200.0, None);
        let left = estimate.left(&plan[1..]).unwrap();
        assert_eq!(
            (left.ms, left.running_ms, left.rough),
            (2600.0, 800.0, false)
        );
        // A piece no earlier run measured, and of a kind run once, is rough.
        let unknown = estimate.left(&[inference(4e9)]).unwrap();
        assert!(unknown.rough);
    }

    /// Each kind keeps its own pace: kept tunings make a second run's inference steps several
    /// times faster, not its ceilings, which take their prior as it is until they run.
    #[test]
    fn each_kind_keeps_its_own_pace() {
        let kept = KeptInMemory::default();
        kept.keep(&inference(1e9).key, "1000");
        kept.keep(&inference(2e9).key, "1000");
        kept.keep("ceilings", "500");
        let ceilings = Cost {
            kind: CostKind::Ceilings,
            flops: 0.0,
            key: "ceilings".into(),
            family: None,
            later_round: false,
        };
        let mut estimate = Estimate::with_prior(Some(&kept), None);
        estimate.record(inference(1e9), 100.0, None);
        let left = estimate.left(&[inference(2e9), ceilings]).unwrap();
        assert_eq!((left.ms, left.rough), (100.0 + 500.0, false));
    }

    /// With --tail a step samples p99's count, unless the time cap ends it first; never fewer
    /// than the planned samples.
    #[test]
    fn tail_sampling_costs_its_count_or_the_cap() {
        let tail = Protocol {
            untimed_runs: 0.0,
            warmup_ms: 0.0,
            min_samples: 50.0,
            wanted_samples: 299.0,
            cap_ms: Some(1000.0),
        };
        assert_eq!(tail.ms(1.0), 299.0);
        assert_eq!(tail.ms(10.0), 1000.0, "the cap ends it");
        assert_eq!(tail.ms(40.0), 2000.0, "the planned 50 samples still run");
    }

    /// With the protocol, a step's time follows what the protocol makes of its batch latency,
    /// which its family's rows predict from its FLOPs: a slow family's large step takes its
    /// planned samples' time, not the warm-up's that every fast step takes.
    #[test]
    fn steps_weigh_what_the_protocol_makes_of_their_latency() {
        let protocol = Protocol {
            untimed_runs: 3.0,
            warmup_ms: 500.0,
            min_samples: 50.0,
            wanted_samples: 0.0,
            cap_ms: Some(1000.0),
        };
        let mut estimate = Estimate::with_prior(None, Some(protocol));
        let step = |family: &str, flops: f64| Cost {
            family: Some(family.into()),
            key: format!("{family} {flops}"),
            ..inference(flops)
        };
        // Pieces take 1.5 times the protocol's time (a device-time run beside each, say). A
        // fast family: 1 µs per MFLOP and 0.1 ms; a slow one: 1 ms per MFLOP.
        let fast = |flops: f64| 0.1 + flops * 1e-9;
        let slow = |flops: f64| flops * 1e-6;
        for (family, flops, batch_ms) in [
            ("fast", 1e6, fast(1e6)),
            ("fast", 16e6, fast(16e6)),
            ("slow", 1e6, slow(1e6)),
        ] {
            let ms = 1.5 * protocol.ms(batch_ms);
            estimate.record(step(family, flops), ms, Some(batch_ms));
        }
        let left = estimate
            .left(&[step("fast", 64e6), step("slow", 16e6)])
            .unwrap();
        let expected = 1.5 * (protocol.ms(fast(64e6)) + protocol.ms(slow(16e6)));
        assert!(
            (left.ms - expected).abs() < 1e-6 * expected,
            "{left:?} against {expected}"
        );
        // The slow step's 50 samples of 16 ms, and its warm-up: over a second.
        assert!(protocol.ms(slow(16e6)) > 1000.0);
        assert!(!left.rough);
    }

    #[test]
    fn the_piece_running_counts_down_to_the_rest() {
        let left = TimeLeft {
            ms: 1000.0,
            rough: false,
            running_ms: 300.0,
        };
        assert_eq!(left.after(100.0).ms, 900.0);
        assert_eq!(left.after(100.0).running_ms, 200.0);
        assert_eq!(
            left.after(5000.0).ms,
            700.0,
            "an overrun leaves the rest standing"
        );
        assert_eq!(left.after(-1.0).ms, 1000.0);
    }
}
