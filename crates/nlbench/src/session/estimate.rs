//! The time a run has left: every piece still to run weighed by its cost, at the rate the
//! pieces of its kind took so far on this device. Pieces run cheapest first, so the mean time
//! of the pieces so far times the number left always came out short (by 15× on a dashboard
//! run): here each kind of piece gets a fixed time and a time per FLOP, fitted to the pieces
//! of that kind already run, and the estimate says when it is rough.

use crate::{schema::PathId, stats::LinearFit};

/// Below this R², a kind's fit of time against FLOPs says little: the estimate is rough.
const FIT_R_SQUARED: f64 = 0.5;
/// A piece this many times the FLOPs of the largest of its kind so far is an extrapolation.
const EXTRAPOLATION: f64 = 4.0;

/// What a piece of a run is, for the estimate: what it does, and how much.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    pub kind: CostKind,
    /// Floating-point operations of one timed run (an inference step's batch, a training
    /// step's forward and backward pass); 0 where a piece's work is not counted in FLOPs.
    pub flops: f64,
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

/// The time left, and whether it is rough: a kind of piece still to run that has run fewer
/// than twice, a piece far beyond the largest of its kind so far, or a fit that explains
/// little of the times.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeLeft {
    pub ms: f64,
    pub rough: bool,
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

/// The pieces run so far, with the milliseconds each took.
#[derive(Debug, Default)]
pub struct Estimate {
    done: Vec<(Cost, f64)>,
}

impl Estimate {
    pub fn record(&mut self, cost: Cost, ms: f64) {
        if cost.kind != CostKind::Instant {
            self.done.push((cost, ms));
        }
    }

    /// The time `left` will take; `None` before any piece has run.
    pub fn left(&self, left: &[Cost]) -> Option<TimeLeft> {
        if self.done.is_empty() {
            return None;
        }
        let mut total = TimeLeft {
            ms: 0.0,
            rough: false,
        };
        // Each kind's law once, however many of its pieces are left.
        let mut laws: Vec<(CostKind, Law)> = Vec::new();
        for cost in left {
            let law = match laws.iter().find(|(kind, _)| *kind == cost.kind) {
                Some((_, law)) => law,
                None => {
                    laws.push((cost.kind, self.law(cost.kind)));
                    &laws[laws.len() - 1].1
                }
            };
            total.ms += law.intercept + law.per_flop * cost.flops;
            total.rough |= law.rough || cost.flops > EXTRAPOLATION * law.largest.max(1.0);
        }
        Some(total)
    }

    /// The fixed time and time per FLOP of `kind`, from its pieces run so far; a kind not
    /// run yet borrows the mean time of every piece so far.
    fn law(&self, kind: CostKind) -> Law {
        if kind == CostKind::Instant {
            return Law {
                intercept: 0.0,
                per_flop: 0.0,
                largest: f64::INFINITY,
                rough: false,
            };
        }
        let (flops, ms): (Vec<f64>, Vec<f64>) = self
            .done
            .iter()
            .filter(|(cost, _)| cost.kind == kind)
            .map(|(cost, ms)| (cost.flops, *ms))
            .unzip();
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
        if ms.is_empty() {
            let all: Vec<f64> = self.done.iter().map(|(_, ms)| *ms).collect();
            return Law {
                intercept: mean(&all),
                per_flop: 0.0,
                largest: f64::INFINITY,
                rough: true,
            };
        }
        let largest = flops.iter().copied().fold(0.0, f64::max);
        match LinearFit::of(&flops, &ms) {
            // A negative time per FLOP is noise among small pieces: their mean stands.
            Some(fit) if fit.slope >= 0.0 && fit.intercept >= 0.0 => Law {
                intercept: fit.intercept,
                per_flop: fit.slope,
                largest,
                rough: fit.r_squared < FIT_R_SQUARED,
            },
            Some(fit) if fit.slope >= 0.0 => Law {
                intercept: 0.0,
                per_flop: mean(&ms) / mean(&flops).max(f64::MIN_POSITIVE),
                largest,
                rough: fit.r_squared < FIT_R_SQUARED,
            },
            fit => Law {
                intercept: mean(&ms),
                per_flop: 0.0,
                largest,
                rough: ms.len() < 2 || fit.is_some(),
            },
        }
    }
}

/// How long a piece of one kind takes: `intercept + per_flop × flops` milliseconds.
struct Law {
    intercept: f64,
    per_flop: f64,
    /// The most FLOPs of a piece behind the law.
    largest: f64,
    rough: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inference(flops: f64) -> Cost {
        Cost {
            kind: CostKind::Inference(PathId::Burn),
            flops,
        }
    }

    #[test]
    fn the_remainder_weighed_by_cost() {
        // Pieces take 100 ms plus 50 ms per GFLOP: after the 0- and 1-GFLOP ones, the 2- and
        // 3-GFLOP ones left take 200 + 250 ms.
        let mut estimate = Estimate::default();
        assert_eq!(estimate.left(&[inference(1e9)]), None);
        estimate.record(inference(0.0), 100.0);
        estimate.record(inference(1e9), 150.0);
        let left = estimate.left(&[inference(2e9), inference(3e9)]).unwrap();
        assert!((left.ms - 450.0).abs() < 1e-6, "{left:?}");
        assert!(!left.rough);
        assert_eq!(left.to_string(), "about 0 s left");
        // The mean time per piece would have said 250 ms.
        let far = estimate.left(&[inference(100e9)]).unwrap();
        assert!(far.rough, "far beyond the pieces so far");
    }

    #[test]
    fn kinds_not_run_yet_are_rough() {
        let mut estimate = Estimate::default();
        estimate.record(inference(1e9), 100.0);
        estimate.record(inference(1e9), 300.0);
        // One FLOP count: each piece its kind's mean.
        let same = estimate.left(&[inference(1e9)]).unwrap();
        assert_eq!(same.ms, 200.0);
        assert!(!same.rough);
        let memory = Cost {
            kind: CostKind::Memory,
            flops: 3e9,
        };
        let left = estimate.left(&[memory]).unwrap();
        assert_eq!(left.ms, 200.0, "the mean of every piece so far");
        assert!(left.rough);
        let long = TimeLeft {
            ms: 3_725_000.0,
            rough: true,
        };
        assert_eq!(long.to_string(), "about 1 h 2 min left (rough)");
    }
}
